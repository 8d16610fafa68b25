/**
 * `req.session.cookie`: express-session's per-session cookie settings (`maxAge`,
 * `originalMaxAge`, `expires` and the attributes), sealed with the session so that a "remember
 * me" lifetime set at login stays with that session, and the `Set-Cookie` headers they make.
 *
 * @module
 */

import { stringifySetCookie } from 'cookie'
import { createSessionCookie, type CookieWrite } from '../cookie.js'
import { SessionError } from '../errors.js'

/** express-session's `cookie` option, plus cachet's `'auto'` for `sameSite`. */
export interface ExpressCookieOptions {
  /** Lifetime in ms from the last save. None (default): a browser-session cookie (no Max-Age). */
  maxAge?: number | null | undefined
  /** An absolute expiry instead of `maxAge` (express-session advises `maxAge`). */
  expires?: Date | null | false | undefined
  /** Default `true`. */
  httpOnly?: boolean | undefined
  /**
   * `true`: Secure, and no cookie is set on a plain-http request; `'auto'`: Secure when the
   * request is HTTPS (see `proxy`); `false`: never. Default `false`, as in express-session.
   */
  secure?: boolean | 'auto' | undefined
  /**
   * `'lax'` (default), `'strict'`, `'none'`, `true` (Strict), `false` (no attribute), or
   * `'auto'`: None on an HTTPS request, Lax otherwise.
   */
  sameSite?: boolean | 'lax' | 'strict' | 'none' | 'auto' | undefined
  /** Default `'/'`. Outside it the middleware leaves the request alone. */
  path?: string | undefined
  /** No default (host-only). */
  domain?: string | undefined
  /** CHIPS. Requires Secure. */
  partitioned?: boolean | undefined
  /** `Priority` attribute (Chrome). */
  priority?: 'low' | 'medium' | 'high' | undefined
}

const COOKIE_OPTION_NAMES: ReadonlySet<string> = new Set([
  'maxAge',
  'expires',
  'httpOnly',
  'secure',
  'sameSite',
  'path',
  'domain',
  'partitioned',
  'priority',
] satisfies (keyof ExpressCookieOptions)[])

function bad(message: string): never {
  throw new SessionError('ERR_COOKIE_OPTIONS', message)
}

/**
 * Checks express-session cookie options (types, names, and RFC 6265bis rules through
 * `createSessionCookie`). Throws `ERR_COOKIE_OPTIONS`.
 */
export function checkCookieOptions(name: string, options: unknown): ExpressCookieOptions {
  if (typeof options !== 'object' || options === null) bad('cookie must be an object')
  for (const key of Object.keys(options)) {
    if (!COOKIE_OPTION_NAMES.has(key))
      bad(`cookie: unknown option ${JSON.stringify(key.slice(0, 64))}`)
  }
  const o = options as ExpressCookieOptions
  if (o.maxAge != null && (typeof o.maxAge !== 'number' || !Number.isFinite(o.maxAge)))
    bad('cookie.maxAge must be a number of milliseconds')
  if (o.expires != null && o.expires !== false && !(o.expires instanceof Date))
    bad('cookie.expires must be a Date')
  if (o.secure !== undefined && typeof o.secure !== 'boolean' && o.secure !== 'auto')
    bad("cookie.secure must be a boolean or 'auto'")
  const sameSite = o.sameSite
  if (
    sameSite !== undefined &&
    typeof sameSite !== 'boolean' &&
    !['lax', 'strict', 'none', 'auto'].includes(sameSite)
  )
    bad("cookie.sameSite must be a boolean, 'lax', 'strict', 'none' or 'auto'")
  if (o.priority !== undefined && !['low', 'medium', 'high'].includes(o.priority))
    bad("cookie.priority must be 'low', 'medium' or 'high'")
  // The grammar and prefix rules, with 'auto' taken at its strictest.
  validateAttributes(name, {
    path: o.path ?? '/',
    domain: o.domain,
    secure: o.secure !== false && o.secure !== undefined,
    httpOnly: o.httpOnly ?? true,
    sameSite: sameSite === 'auto' ? 'lax' : sameSite,
    partitioned: o.partitioned,
  })
  return o
}

interface Attributes {
  path: string
  domain: string | undefined
  secure: boolean
  httpOnly: boolean
  sameSite: boolean | 'lax' | 'strict' | 'none' | undefined
  partitioned: boolean | undefined
}

function validateAttributes(name: string, a: Attributes): void {
  createSessionCookie({
    name,
    path: a.path,
    secure: a.secure,
    httpOnly: a.httpOnly,
    sameSite: a.sameSite === true ? 'strict' : typeof a.sameSite === 'string' ? a.sameSite : 'lax',
    ...(a.domain !== undefined ? { domain: a.domain } : {}),
    ...(a.partitioned !== undefined ? { partitioned: a.partitioned } : {}),
  })
}

/**
 * The cookie settings of one session: express-session's `Cookie`. `maxAge` reads the time left
 * and, when set, restarts the lifetime from now (and becomes `originalMaxAge`).
 */
export class RequestCookie {
  path: string
  httpOnly: boolean
  secure: boolean
  sameSite: boolean | 'lax' | 'strict' | 'none' | undefined
  domain: string | undefined
  partitioned: boolean | undefined
  priority: 'low' | 'medium' | 'high' | undefined
  /** The lifetime in ms the cookie was given (`null`: a browser-session cookie). */
  originalMaxAge: number | null = null
  #expires: Date | null = null
  readonly #now: () => number

  /** @param secure The resolved `secure` option (`'auto'` already decided for the request). */
  constructor(options: ExpressCookieOptions & { secure?: boolean }, now: () => number) {
    this.#now = now
    this.path = options.path ?? '/'
    this.httpOnly = options.httpOnly ?? true
    this.secure = options.secure ?? false
    this.sameSite = options.sameSite === 'auto' ? undefined : (options.sameSite ?? 'lax')
    this.domain = options.domain
    this.partitioned = options.partitioned
    this.priority = options.priority
    // As in express-session, the later of maxAge and expires wins; maxAge is the advised one.
    if (options.expires instanceof Date) this.expires = options.expires
    if (typeof options.maxAge === 'number') this.maxAge = options.maxAge
  }

  /** The expiry, or `null` for a browser-session cookie. Setting it sets `originalMaxAge`. */
  get expires(): Date | null {
    return this.#expires
  }
  set expires(date: Date | null | false) {
    this.#expires = date instanceof Date ? new Date(date.getTime()) : null
    this.originalMaxAge = this.maxAge
  }

  /** Time left in ms (`null`: no expiry). Setting it restarts the lifetime from now. */
  get maxAge(): number | null {
    return this.#expires === null ? null : this.#expires.getTime() - this.#now()
  }
  set maxAge(ms: number | null) {
    if (ms !== null && (typeof ms !== 'number' || !Number.isFinite(ms)))
      throw new SessionError('ERR_COOKIE_OPTIONS', 'cookie.maxAge must be a number of milliseconds')
    this.expires = ms === null ? null : new Date(this.#now() + ms)
  }

  /** express-session's `resetMaxAge`: the lifetime starts again from now. */
  touch(): void {
    if (this.originalMaxAge !== null) this.#expires = new Date(this.#now() + this.originalMaxAge)
  }

  /** The settings as sealed with the session (express-session's shape). */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      originalMaxAge: this.originalMaxAge,
      expires: this.#expires?.toISOString() ?? null,
      httpOnly: this.httpOnly,
      path: this.path,
      secure: this.secure,
    }
    if (this.sameSite !== undefined) json.sameSite = this.sameSite
    if (this.domain !== undefined) json.domain = this.domain
    if (this.partitioned !== undefined) json.partitioned = this.partitioned
    if (this.priority !== undefined) json.priority = this.priority
    return json
  }

  /** What the change detector compares: the settings without the sliding expiry. */
  settingsKey(): string {
    const { expires: _expires, ...settings } = this.toJSON()
    return JSON.stringify(settings)
  }

  /** Restores the settings sealed with a session; undefined when they are not ours. */
  static fromJSON(json: unknown, now: () => number): RequestCookie | undefined {
    if (typeof json !== 'object' || json === null) return undefined
    const j = json as Record<string, unknown>
    try {
      const options = checkCookieOptions('restored', {
        path: j.path,
        httpOnly: j.httpOnly,
        secure: j.secure,
        ...(j.sameSite !== undefined ? { sameSite: j.sameSite } : { sameSite: false }),
        ...(j.domain !== undefined ? { domain: j.domain } : {}),
        ...(j.partitioned !== undefined ? { partitioned: j.partitioned } : {}),
        ...(j.priority !== undefined ? { priority: j.priority } : {}),
      }) as ExpressCookieOptions & { secure?: boolean }
      const cookie = new RequestCookie(options, now)
      if (typeof j.expires === 'string') {
        const expires = new Date(j.expires)
        if (Number.isNaN(expires.getTime())) return undefined
        cookie.#expires = expires
      }
      cookie.originalMaxAge = typeof j.originalMaxAge === 'number' ? j.originalMaxAge : null
      return cookie
    } catch {
      return undefined
    }
  }

  /**
   * The `Set-Cookie` for one of the session manager's writes, with this session's attributes.
   * Max-Age: the time left (at least 1 s for a live session), never past the absolute lifetime;
   * none for a browser-session cookie.
   * @throws `ERR_COOKIE_OPTIONS` when the attributes set on `req.session.cookie` break a rule.
   */
  header(write: CookieWrite, absoluteExpiresAtMs: number | undefined): string {
    const attributes = {
      path: this.path,
      domain: this.domain,
      secure: this.secure,
      httpOnly: this.httpOnly,
      sameSite: this.sameSite,
      partitioned: this.partitioned,
    }
    validateAttributes(write.name.replace(/\.\d+$/, ''), attributes)
    const base = {
      path: this.path,
      httpOnly: this.httpOnly,
      secure: this.secure,
      ...(this.domain !== undefined ? { domain: this.domain } : {}),
      ...(this.sameSite !== undefined && this.sameSite !== false
        ? { sameSite: this.sameSite }
        : {}),
      ...(this.partitioned ? { partitioned: true } : {}),
      ...(this.priority !== undefined ? { priority: this.priority } : {}),
    }
    if (write.options.maxAge <= 0) {
      return stringifySetCookie(write.name, '', { ...base, maxAge: 0, expires: new Date(0) })
    }
    const nowMs = this.#now()
    const limits: number[] = []
    if (this.#expires !== null) limits.push(this.#expires.getTime() - nowMs)
    if (this.#expires !== null && absoluteExpiresAtMs !== undefined)
      limits.push(absoluteExpiresAtMs - nowMs)
    if (limits.length === 0) return stringifySetCookie(write.name, write.value, base)
    // Rounded up: a live session's cookie never gets Max-Age=0 (which deletes it).
    const maxAge = Math.max(1, Math.ceil(Math.min(...limits) / 1000))
    return stringifySetCookie(write.name, write.value, { ...base, maxAge })
  }
}

/**
 * Whether a request is HTTPS, as express-session decides it: a TLS socket; else, with
 * `proxy: true`, the first `X-Forwarded-Proto`; with `proxy: false`, never; with `proxy`
 * undefined, Express's `req.secure` (its `trust proxy` setting).
 */
export function isSecureRequest(
  req: {
    socket?: object | null | undefined
    secure?: boolean | undefined
    headers: Record<string, unknown>
  },
  proxy: boolean | undefined,
): boolean {
  if ((req.socket as { encrypted?: boolean } | null | undefined)?.encrypted === true) return true
  if (proxy === false) return false
  if (proxy !== true) return req.secure === true
  const header = req.headers['x-forwarded-proto']
  const first = (typeof header === 'string' ? header : '').split(',')[0] ?? ''
  return first.trim().toLowerCase() === 'https'
}
