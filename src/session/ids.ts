// Session ids: the one owner of their rules. An id is 128 random bits (OWASP ASVS V3.2.2 asks for
// at least 64 bits of entropy), base64url without padding: 22 characters. Every module that
// accepts an id from a cookie, a token or a caller checks it here.

import { randomBytes, toBase64url } from '../_internal/bytes.js'

const SESSION_ID_BYTES = 16
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/

/** A fresh session id. */
export function newSessionId(): string {
  return toBase64url(randomBytes(SESSION_ID_BYTES))
}

/** True when `value` has the shape of a session id. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value)
}
