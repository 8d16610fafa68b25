/**
 * CSRF protection for every adapter: an origin check on unsafe methods, and a signed token bound
 * to the session id for forms and clients that cannot send custom headers.
 *
 * - **Origin check** (unsafe methods only): `Sec-Fetch-Site` and `Origin` must name the app's own
 *   origin or a trusted one; `Origin: null` is refused; without `Origin`, `Referer` decides; with
 *   neither, the request is refused unless `allowMissingOrigin` says otherwise. The app's own
 *   origin comes from configuration (`origin: 'https://app.example'`), or from the request only
 *   with `trustHost: true`.
 * - **Token**: `<kid>.<nonce>.<mac>`, the MAC being HMAC-SHA256 under the `csrf` subkey of key
 *   `kid` over the session id and a fresh 128-bit nonce. A token opens only for the session it was
 *   made for: another session, the session before login or before `regenerate()` is refused. The
 *   nonce makes every token different, so a token reflected in a compressed page does not leak
 *   (BREACH). Tokens made with a key stay valid while the ring holds that key.
 *
 * Nothing here writes to a session: safe methods never change state unless the app does. Every
 * check returns a {@link CsrfResult} and never throws for anything the client sent. This module
 * uses no Node built-ins (edge runtimes load it).
 *
 * @module
 */

import { SessionError } from './errors.js'
import { createKeyRing, isKeyId, type KeyRing, type KeyRingOptions, type Secret } from './keys.js'
import { isSessionId } from './session/ids.js'
import {
  fromBase64url,
  lengthPrefixed,
  randomBytes,
  timingSafeEqual,
  toBase64url,
} from './_internal/bytes.js'
import { createHmacSha256 } from './_internal/sha256.js'

// --- Types ---

/** Why a request failed the CSRF check. Log it; never show the client more than a 403. */
export type CsrfRejectReason =
  /** `Origin: null`: a sandboxed frame, a `data:` or `file:` page, a cross-origin redirect. */
  | 'origin-null'
  /** `Origin` is not a serialized origin (`scheme://host[:port]`). */
  | 'origin-invalid'
  /** `Origin` is neither the app's own origin nor a trusted one. */
  | 'origin-mismatch'
  /** Neither `Origin` nor `Referer` was sent (and `allowMissingOrigin` is off). */
  | 'origin-missing'
  /** No `Origin`, and `Referer` is unparsable or of another, untrusted origin. */
  | 'referer-mismatch'
  /** `Sec-Fetch-Site: cross-site` or `same-site` from an origin that is not trusted. */
  | 'cross-site'
  /** `Sec-Fetch-Site` holds a value the Fetch Metadata spec does not define. */
  | 'fetch-site-invalid'
  /** No token in the request (and `requireToken` is on). */
  | 'token-missing'
  /** The token is not a string of the token format. */
  | 'token-invalid'
  /** The token names a key id the ring does not hold (removed after rotation, or forged). */
  | 'token-unknown-key'
  /** A well-formed token made for another session (or forged). */
  | 'token-mismatch'

/** The outcome of a CSRF check. */
export type CsrfResult =
  | { readonly ok: true; readonly reason: undefined }
  | { readonly ok: false; readonly reason: CsrfRejectReason }

/** What a token is bound to: any session of cachet (`Session`, Express `req.session`). */
export interface CsrfSession {
  /** The session id. */
  readonly id: string
}

/** The request headers the check reads; `Headers` and Next's `headers()` fit. */
export interface CsrfHeaders {
  get(name: string): string | null | undefined
}

/** A request as the check sees it; adapters build it (see {@link Csrf.verifyRequest}). */
export interface CsrfRequest {
  /** The HTTP method, as sent. */
  readonly method: string
  /** The request headers. */
  readonly headers: CsrfHeaders
  /**
   * The origin the server was reached at (`https://host`), used only with `trustHost`. Without
   * it, `trustHost` takes the `Host` header with `https:` (and `http:` for loopback hosts).
   */
  readonly selfOrigin?: string | undefined
}

/** Options of {@link createCsrf}. */
export interface CsrfOptions {
  /** The keys that sign tokens: usually `sessions.keys` (a key ring), or a secret. */
  keys: Secret | KeyRing | KeyRingOptions
  /**
   * The app's own public origin(s), e.g. `'https://app.example'`. Required unless `trustHost`.
   * Behind a proxy, this is what the browser sees, not what the server listens on.
   */
  origin?: string | readonly string[]
  /** Other origins allowed to send unsafe requests (e.g. `'https://admin.example'`). */
  trustedOrigins?: readonly string[]
  /**
   * Take the app's own origin from the request's host (the `Host` header, or the host of a Fetch
   * request's URL) as `https://<host>`, and `http://<host>` only for loopback hosts: the scheme
   * is never taken from the request (behind a TLS-terminating proxy it says `http:`). Default `false`. Only for a server reached directly: a proxy that rewrites `Host` breaks it,
   * and `X-Forwarded-*` headers are never read.
   */
  trustHost?: boolean
  /** Accept unsafe requests with neither `Origin` nor `Referer` (non-browser clients). Default `false`. */
  allowMissingOrigin?: boolean
  /** Require a valid token on unsafe requests. Default `true`. A token sent is always verified. */
  requireToken?: boolean
  /** The header carrying the token, matched case-insensitively. Default `'x-csrf-token'`. */
  headerName?: string
  /** The form field carrying the token (read by adapters that parse forms). Default `'_csrf'`. */
  fieldName?: string
}

/** Options of a check: a token taken from a form body by the app. */
export interface CsrfCheckOptions {
  /** The token, e.g. `formData.get('_csrf')`. Default: the `headerName` header. */
  token?: unknown
}

/** A CSRF protector. Create one per app with {@link createCsrf}. */
export interface Csrf {
  /** The header that carries the token, lowercase. */
  readonly headerName: string
  /** The form field that carries the token. */
  readonly fieldName: string
  /**
   * Makes a token for `session` (a new one on every call). Put it in a hidden form field or hand
   * it to scripts that send it in the {@link Csrf.headerName} header. It is valid while the
   * session keeps its id: save the session, or a token made for a new session dies with it.
   * @throws `ERR_SESSION_STATE` when `session` has no session id.
   */
  token(session: CsrfSession): string
  /** Verifies a token against `session`. Never throws for the token. */
  verifyToken(token: unknown, session: CsrfSession): CsrfResult
  /** Runs the origin check alone. Safe methods pass. Never throws for the request. */
  checkOrigin(request: CsrfRequest): CsrfResult
  /** Runs the origin check, then the token check. Safe methods pass. Never throws for the request. */
  check(request: CsrfRequest, session: CsrfSession, options?: CsrfCheckOptions): CsrfResult
  /** {@link Csrf.check} for a Fetch `Request` (Fetch handlers, Next route handlers and proxy). */
  verifyRequest(request: Request, session: CsrfSession, options?: CsrfCheckOptions): CsrfResult
  /**
   * {@link Csrf.check} from request headers alone: Next server actions (`await headers()`),
   * where the method is POST.
   */
  verifyHeaders(
    headers: CsrfHeaders,
    session: CsrfSession,
    options?: CsrfCheckOptions & { method?: string },
  ): CsrfResult
}

// --- Options ---

const OK: CsrfResult = Object.freeze({ ok: true, reason: undefined })
const fail = (reason: CsrfRejectReason): CsrfResult => ({ ok: false, reason })

// RFC 9110 §9.2.1: the safe methods. Anything else, including unknown methods, is checked.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
// Fetch Metadata Request Headers §2.4: the values of Sec-Fetch-Site.
const FETCH_SITES = new Set(['cross-site', 'same-origin', 'same-site', 'none'])
const TOKEN_HEADER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Host header: reg-name or IPv4 (RFC 3986 §3.2.2) or an IPv6 literal, with an optional port.
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/i
const LOOPBACK = /^(?:localhost|127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|\[::1\])(?::[0-9]{1,5})?$/i
const MAX_ORIGIN_LENGTH = 2048
const MAX_REFERER_LENGTH = 8192
const MAX_TOKEN_LENGTH = 128
const NONCE_BYTES = 16
const MAC_BYTES = 32
const MAC_CONTEXT = 'cachet/csrf/v1'

function optionError(message: string): never {
  throw new SessionError('ERR_SESSION_OPTIONS', message)
}

// A configured origin: "scheme://host[:port]", optionally with a trailing "/", nothing else.
function configuredOrigin(value: unknown, what: string): string {
  let url: URL | undefined
  try {
    url = typeof value === 'string' ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    (value !== url.origin && value !== `${url.origin}/`)
  ) {
    optionError(`${what} must be origins like 'https://app.example' (scheme, host, optional port)`)
  }
  return url.origin
}

function originList(value: unknown, what: string): string[] {
  if (value === undefined) return []
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list)) optionError(`${what} must be a string or an array of strings`)
  return list.map((item) => configuredOrigin(item, what))
}

// The origin of a URL as the HTML spec serializes it (RFC 6454 §6.2), or undefined.
function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}

const headerOf = (headers: CsrfHeaders, name: string): string | undefined => {
  const value = headers.get(name)
  return typeof value === 'string' ? value : undefined
}

// The request's headers with Host taken from its URL. The URL's scheme is not used: behind a
// TLS-terminating proxy the server rebuilds request.url with the socket's http:, so trustHost
// takes `https://<host>` (and `http://<host>` on loopback only), exactly as the Express path does.
function hostFromUrl(request: Request): CsrfHeaders {
  let host: string | undefined
  try {
    host = new URL(request.url).host
  } catch {
    host = undefined
  }
  return {
    get: (name) => (name.toLowerCase() === 'host' ? (host ?? null) : request.headers.get(name)),
  }
}

const sessionIdOf = (session: CsrfSession, what: string): string => {
  const id = (session as { id?: unknown } | null | undefined)?.id
  if (!isSessionId(id)) {
    throw new SessionError('ERR_SESSION_STATE', `${what} needs a cachet session (with its id)`)
  }
  return id
}

// --- Factory ---

/**
 * Creates a CSRF protector. Options are validated here, once.
 *
 * @param options Keys (usually `sessions.keys`), the app's origin and the policy.
 * @returns A {@link Csrf}.
 * @throws `ERR_SESSION_OPTIONS` for a malformed origin, no `origin` without `trustHost`, or a bad
 *   header or field name; `ERR_KEY_WEAK`, `ERR_KEY_RING_INVALID` for keys.
 * @example
 * ```ts
 * const csrf = createCsrf({ keys: sessions.keys, origin: 'https://app.example' })
 *
 * export async function POST(request: Request) {
 *   const session = await sessions.read(request)
 *   const form = await request.formData()
 *   const result = csrf.verifyRequest(request, session, { token: form.get(csrf.fieldName) })
 *   if (!result.ok) return new Response('Forbidden', { status: 403 })
 *   // …
 * }
 * ```
 */
export function createCsrf(options: CsrfOptions): Csrf {
  if (typeof options !== 'object' || options === null)
    optionError('createCsrf needs an options object')
  const keys = createKeyRing(options.keys)
  const own = originList(options.origin, 'csrf origin')
  const trusted = originList(options.trustedOrigins, 'csrf trustedOrigins')
  for (const name of ['trustHost', 'allowMissingOrigin', 'requireToken'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') {
      optionError(`csrf ${name} must be a boolean`)
    }
  }
  const trustHost = options.trustHost ?? false
  const allowMissingOrigin = options.allowMissingOrigin ?? false
  const requireToken = options.requireToken ?? true
  if (own.length === 0 && !trustHost) {
    optionError(
      "csrf needs the app's origin ({ origin: 'https://app.example' }) or trustHost: true",
    )
  }
  const headerOption = options.headerName ?? 'x-csrf-token'
  const fieldName = options.fieldName ?? '_csrf'
  if (typeof headerOption !== 'string' || !TOKEN_HEADER.test(headerOption)) {
    optionError('csrf headerName must be a header name (RFC 9110 §5.1)')
  }
  // RFC 9110 §5.1: field names are case-insensitive. Lowercase, as Node and HTTP/2 deliver them,
  // so that header maps keyed by the lowercase name (Node's req.headers) find it too.
  const headerName = headerOption.toLowerCase()
  if (typeof fieldName !== 'string' || fieldName.length === 0 || fieldName.length > 64) {
    optionError('csrf fieldName must be 1-64 characters')
  }
  const ownSet = new Set(own)
  const trustedSet = new Set(trusted)

  // One keyed HMAC per key id: the padded keys are absorbed once.
  const macs = new Map<string, (data: Uint8Array) => Uint8Array>()
  const mac = (kid: string, sessionId: string, nonce: string): Uint8Array => {
    let keyed = macs.get(kid)
    if (!keyed) {
      keyed = createHmacSha256(keys.subkey(kid, 'csrf'))
      macs.set(kid, keyed)
    }
    return keyed(lengthPrefixed(MAC_CONTEXT, kid, sessionId, nonce))
  }

  // The app's own origins for this request: configured, plus the request's with trustHost.
  function selfOrigins(request: CsrfRequest): Set<string> {
    if (!trustHost) return ownSet
    const self = new Set(ownSet)
    if (typeof request.selfOrigin === 'string') {
      const origin = originOf(request.selfOrigin)
      if (origin) self.add(origin)
      return self
    }
    const host = headerOf(request.headers, 'host')
    if (host !== undefined && host.length <= 255 && HOST.test(host)) {
      const secure = originOf(`https://${host}`)
      if (secure) self.add(secure)
      // A loopback host is a development server: plain http is its own origin too.
      const plain = LOOPBACK.test(host) ? originOf(`http://${host}`) : undefined
      if (plain) self.add(plain)
    }
    return self
  }

  function checkOrigin(request: CsrfRequest): CsrfResult {
    if (SAFE_METHODS.has(request.method)) return OK
    const site = headerOf(request.headers, 'sec-fetch-site')
    if (site !== undefined && !FETCH_SITES.has(site)) return fail('fetch-site-invalid')
    const origin = headerOf(request.headers, 'origin')
    const self = selfOrigins(request)
    if (origin !== undefined) {
      // RFC 6454 §7.3: "null" for privacy-sensitive contexts; never an app's own page.
      if (origin === 'null') return fail('origin-null')
      // Browsers send the ASCII serialization (RFC 6454 §6.2); anything else is not a browser's.
      if (origin.length > MAX_ORIGIN_LENGTH || originOf(origin) !== origin)
        return fail('origin-invalid')
      if (trustedSet.has(origin)) return OK
      if (!self.has(origin)) return fail('origin-mismatch')
      // Same origin by Origin, yet the browser says another site: the configuration is wrong or
      // the headers were forged; refuse.
      return site === 'cross-site' || site === 'same-site' ? fail('cross-site') : OK
    }
    // No Origin (old browsers, some same-origin requests): Fetch Metadata, then Referer.
    if (site === 'cross-site' || site === 'same-site') return fail('cross-site')
    if (site === 'same-origin') return OK
    const referer = headerOf(request.headers, 'referer')
    if (referer !== undefined && referer !== '') {
      const refererOrigin = referer.length <= MAX_REFERER_LENGTH ? originOf(referer) : undefined
      if (
        refererOrigin !== undefined &&
        (self.has(refererOrigin) || trustedSet.has(refererOrigin))
      ) {
        return OK
      }
      return fail('referer-mismatch')
    }
    return allowMissingOrigin ? OK : fail('origin-missing')
  }

  function verifyToken(token: unknown, session: CsrfSession): CsrfResult {
    const sessionId = sessionIdOf(session, 'csrf.verifyToken()')
    if (token === undefined || token === null || token === '') return fail('token-missing')
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return fail('token-invalid')
    const parts = token.split('.')
    if (parts.length !== 3) return fail('token-invalid')
    const [kid, nonce, tag] = parts as [string, string, string]
    if (!isKeyId(kid)) return fail('token-invalid')
    const nonceBytes = fromBase64url(nonce)
    const tagBytes = fromBase64url(tag)
    if (nonceBytes?.length !== NONCE_BYTES || tagBytes?.length !== MAC_BYTES)
      return fail('token-invalid')
    if (!keys.has(kid)) return fail('token-unknown-key')
    // Constant-time comparison of the MACs: timing says nothing about how much of a guess matched.
    return timingSafeEqual(mac(kid, sessionId, nonce), tagBytes) ? OK : fail('token-mismatch')
  }

  function check(
    request: CsrfRequest,
    session: CsrfSession,
    checkOptions?: CsrfCheckOptions,
  ): CsrfResult {
    // Misuse is reported even on safe methods, so that a missing session shows up in development.
    sessionIdOf(session, 'csrf.check()')
    if (SAFE_METHODS.has(request.method)) return OK
    try {
      const origin = checkOrigin(request)
      if (!origin.ok) return origin
      const token = checkOptions?.token ?? headerOf(request.headers, headerName)
      if (token === undefined && !requireToken) return OK
      return verifyToken(token, session)
    } catch {
      // Defence in depth: hostile header objects read as a refused request.
      return fail('token-invalid')
    }
  }

  return Object.freeze({
    headerName,
    fieldName,
    token(session: CsrfSession): string {
      const sessionId = sessionIdOf(session, 'csrf.token()')
      const kid = keys.current
      const nonce = toBase64url(randomBytes(NONCE_BYTES))
      return `${kid}.${nonce}.${toBase64url(mac(kid, sessionId, nonce))}`
    },
    verifyToken,
    checkOrigin(request: CsrfRequest): CsrfResult {
      try {
        return checkOrigin(request)
      } catch {
        return fail('origin-invalid')
      }
    },
    check,
    verifyRequest(request: Request, session: CsrfSession, checkOptions?: CsrfCheckOptions) {
      return check({ method: request.method, headers: hostFromUrl(request) }, session, checkOptions)
    },
    verifyHeaders(
      headers: CsrfHeaders,
      session: CsrfSession,
      checkOptions?: CsrfCheckOptions & { method?: string },
    ) {
      return check({ method: checkOptions?.method ?? 'POST', headers }, session, checkOptions)
    },
  })
}
