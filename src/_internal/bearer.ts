// Bearer credentials (RFC 6750 §2.1), read from the Authorization header only: never from a query
// string (RFC 6750 §2.3 is not implemented on purpose: URLs end up in logs, history and Referer).

/** What an Authorization header held: no bearer credential, a token, or a malformed one. */
export type BearerCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'malformed' }

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token;
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
// RFC 9110 §11.1: the auth-scheme is case-insensitive.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i
const SCHEME = /^bearer(?: |$)/i
// Longer than any header a server accepts by default (Node: 16 KiB for all headers).
const MAX_HEADER_LENGTH = 65_536

const NONE: BearerCredential = { kind: 'none' }
const MALFORMED: BearerCredential = { kind: 'malformed' }

/** The Authorization header of a `Request` or `Headers`; undefined for anything else. Never throws. */
export function authorizationOf(input: unknown): string | undefined {
  try {
    if (typeof input !== 'object' || input === null) return undefined
    const headers =
      typeof (input as Headers).get === 'function' ? (input as Headers) : (input as Request).headers
    if (!headers || typeof headers.get !== 'function') return undefined
    const value = headers.get('authorization')
    return typeof value === 'string' ? value : undefined
  } catch {
    // A hostile or broken input object reads as no header.
    return undefined
  }
}

/**
 * Parses an Authorization header value. Another scheme (Basic, DPoP, …) is `none`: it belongs to
 * someone else. A `Bearer` scheme with a missing, empty or ill-formed token, or several
 * credentials joined by a comma (several Authorization headers), is `malformed`.
 */
export function parseBearer(header: string | undefined): BearerCredential {
  if (header === undefined) return NONE
  const value = header.trim()
  if (!SCHEME.test(value)) return NONE
  if (value.length > MAX_HEADER_LENGTH) return MALFORMED
  const match = BEARER.exec(value)
  return match ? { kind: 'token', token: match[1]! } : MALFORMED
}
