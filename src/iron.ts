/**
 * Migration from iron-session: a reader for its `Fe26.2*…` cookies, to pass as `fallback` to
 * `createSessions`. A request that carries an iron-session cookie and no cachet cookie is read once
 * with the old password, accepted as an active session, answered with cachet's sealed cookie and
 * the deletion of the old one: a deploy switches libraries without signing anyone out.
 *
 * The seal is opened by `iron-webcrypto` (the library iron-session 8 uses, an optional peer
 * dependency of cachet), never by a re-implementation. Only this subpath imports it: apps that do
 * not import `cachet/iron` do not bundle it.
 *
 * @module
 */

import { defaults, unseal } from 'iron-webcrypto'
import { SessionError } from './errors.js'
import type { FallbackResult, SessionFallback } from './session/index.js'

/** Options of {@link ironSessionReader}: iron-session's own option names and values. */
export interface IronSessionReaderOptions {
  /**
   * iron-session's `password`: a string of 32+ characters, or its rotation map
   * (`{ 2: NEW, 1: OLD }`): every password that may have sealed a live cookie.
   */
  password: string | Readonly<Record<string | number, string>>
  /** iron-session's `cookieName`. */
  cookieName: string
  /** iron-session's `cookieOptions.path` and `.domain`, to delete the old cookie. Default path `/`. */
  cookieOptions?: { readonly path?: string; readonly domain?: string }
}

// iron-session 8: a string password is the map { 1: password } (normalizeStringPasswordToMap).
function passwordMap(password: IronSessionReaderOptions['password']): Record<string, string> {
  if (typeof password !== 'string' && (typeof password !== 'object' || password === null)) {
    throw new SessionError(
      'ERR_KEY_MISSING',
      `password is ${String(password)}: an environment variable is probably missing`,
    )
  }
  const map: Record<string, string> =
    typeof password === 'string' ? { 1: password } : { ...(password as Record<string, string>) }
  const entries = Object.entries(map)
  if (entries.length === 0) throw new SessionError('ERR_KEY_MISSING', 'password has no entries')
  for (const [id, secret] of entries) {
    if (secret === undefined || secret === null) {
      throw new SessionError(
        'ERR_KEY_MISSING',
        `password "${id}" is ${String(secret)}: an environment variable is probably missing`,
      )
    }
    // iron-session refuses shorter passwords; a cookie it sealed never used one.
    if (typeof secret !== 'string' || secret.length < 32) {
      throw new SessionError('ERR_KEY_WEAK', `password "${id}" must be a string of 32+ characters`)
    }
  }
  return map
}

// WebCrypto of the runtime (Node 20+, edge runtimes, browsers). iron-webcrypto's declared type
// predates TypeScript's ArrayBuffer-generic typed arrays, hence the cast.
const webCrypto = () => globalThis.crypto as unknown as Parameters<typeof unseal>[0]

const INVALID: FallbackResult = { ok: false, reason: 'invalid' }
// Fe26.2*id*salt*iv*ciphertext*expiration*hmacSalt*hmac, then iron-session's "~2" version suffix.
const SEAL = /^(Fe26\.2(?:\*[^*~]*){7})(?:~(\d{1,3}))?$/

/**
 * Creates a reader for iron-session 8 cookies (and iron-session 6/7 ones, whose data sits under
 * `persistent`), to pass as `fallback` to `createSessions`.
 *
 * Expiry is judged by cachet's clock (`now`), exactly at the seal's expiration, and only after the
 * seal authenticated; iron-webcrypto's own expiry check is off for that reason. A bad, tampered,
 * wrong-password or expired cookie gives an anonymous session with reason `invalid` or `expired`,
 * never an exception.
 *
 * @throws `ERR_KEY_MISSING` for a missing password; `ERR_KEY_WEAK` for one under 32 characters;
 *   `ERR_COOKIE_OPTIONS` (from `createSessions`) for a bad cookie name, path or domain.
 * @example
 * ```ts
 * import { createSessions } from 'cachet'
 * import { ironSessionReader } from 'cachet/iron'
 *
 * const sessions = createSessions<{ userId: string }>({
 *   keys: process.env.SESSION_SECRET!,
 *   fallback: ironSessionReader({
 *     password: process.env.IRON_SESSION_PASSWORD!,
 *     cookieName: 'myapp_session',
 *   }),
 * })
 * ```
 */
export function ironSessionReader(options: IronSessionReaderOptions): SessionFallback {
  if (typeof options !== 'object' || options === null) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'ironSessionReader needs { password, cookieName }',
    )
  }
  const passwords = passwordMap(options.password)
  const { cookieName, cookieOptions } = options
  return Object.freeze({
    cookie: {
      name: cookieName,
      ...(cookieOptions?.path !== undefined ? { path: cookieOptions.path } : {}),
      ...(cookieOptions?.domain !== undefined ? { domain: cookieOptions.domain } : {}),
    },
    async read(value: string, nowMs: number): Promise<FallbackResult> {
      const match = SEAL.exec(value)
      if (!match) return INVALID
      const [, sealed, version] = match
      let opened: unknown
      try {
        opened = await unseal(webCrypto(), sealed!, passwords, {
          ...defaults,
          // Authenticate and decrypt only: expiry is checked below with cachet's clock.
          timestampSkewSec: Number.POSITIVE_INFINITY,
        })
      } catch {
        return INVALID
      }
      // The expiration is covered by the HMAC that just verified.
      const expiration = sealed!.split('*')[5]
      const expiresAtMs = expiration ? Number(expiration) : undefined
      if (expiresAtMs !== undefined && nowMs >= expiresAtMs) return { ok: false, reason: 'expired' }
      // iron-session 8 seals the data itself ("~2"); earlier versions under `persistent`.
      const data =
        version === '2' ? opened : (opened as { persistent?: unknown } | null)?.persistent
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return INVALID
      return { ok: true, data, expiresAtMs }
    },
  })
}
