/**
 * Session cookie rules: secure defaults, validation at construction (RFC 6265bis), exact reading,
 * measured serialization and chunking.
 *
 * @module
 */

import { SessionError } from './errors.js'
import { utf8Length } from './_internal/bytes.js'

/** Cookie settings of a session manager. Every field has a secure default. */
export interface CookieOptions {
  /** Cookie name. Default `'__Host-session'`. */
  name?: string
  /** Default `true`. `__Host-`/`__Secure-` names, SameSite=None and Partitioned require it. */
  secure?: boolean
  /** Default `true`: scripts cannot read the session cookie. */
  httpOnly?: boolean
  /** Default `'lax'`. */
  sameSite?: 'lax' | 'strict' | 'none'
  /** Default `'/'`. Must be `'/'` for a `__Host-` name. */
  path?: string
  /** No default (host-only). Not allowed with a `__Host-` name. */
  domain?: string
  /** CHIPS partitioned cookie. Requires `secure`. */
  partitioned?: boolean
  /**
   * Split a session whose `Set-Cookie` exceeds 4096 bytes into `name.0`, `name.1`, …
   * Default `true`. With `false`, an oversize save throws `ERR_COOKIE_TOO_LARGE`.
   */
  chunking?: boolean
  /** Most chunks a session may take (1–50). Default 4. */
  maxChunks?: number
}

/** One `Set-Cookie` to emit: a session value or a deletion (`maxAgeSeconds: 0`, empty value). */
export interface CookieWrite {
  readonly name: string
  readonly value: string
  /** Attributes in the shape `cookies().set()` and the `cookie` package take. */
  readonly options: SetCookieAttributes
  /** The serialized `Set-Cookie` header value. */
  readonly header: string
}

/** Cookie attributes, as passed to framework cookie APIs. */
export interface SetCookieAttributes {
  readonly path: string
  readonly domain?: string
  readonly secure: boolean
  readonly httpOnly: boolean
  readonly sameSite: 'lax' | 'strict' | 'none'
  readonly partitioned?: boolean
  readonly maxAge: number
}

/** What a request carried under the session cookie's names. */
export interface CookieCandidates {
  /**
   * Distinct values to try: the plain cookie's values and every complete chunk set. Exactly one
   * may authenticate; two that do make the request ambiguous.
   */
  readonly values: readonly string[]
  /**
   * Names present in the request (`name`, `name.0` … `name.<maxChunks-1>`), to delete what a
   * new write replaces: at most `maxChunks + 1`.
   */
  readonly present: readonly string[]
  /** True when the chunk cookies broke a structural rule (a gap, a value outside the alphabet). */
  readonly malformedChunks: boolean
  /**
   * True when the request carried more than `maxChunks + 4` candidate values: none is tried
   * (`values` is empty), and the session layer calls the request ambiguous.
   */
  readonly overflow: boolean
}

/** A validated cookie configuration. */
export interface SessionCookie {
  readonly name: string
  readonly attributes: Omit<SetCookieAttributes, 'maxAge'>
  readonly chunking: boolean
  readonly maxChunks: number
  /** Cookie writes for `value` (chunked if needed) plus deletions of stale names. */
  write(value: string, maxAgeSeconds: number, present: readonly string[]): CookieWrite[]
  /** Deletions for every name present. */
  clear(present: readonly string[]): CookieWrite[]
  /** Reads the candidate values from a Cookie header. Never throws. */
  read(header: string | null | undefined): CookieCandidates
}

/** Largest `Set-Cookie` a browser must accept (RFC 6265bis §5.6: name + value ≤ 4096 bytes). */
export const MAX_COOKIE_BYTES = 4096
/** RFC 6265bis §5.6.2: user agents cap Max-Age at 400 days. */
export const MAX_COOKIE_AGE_SECONDS = 400 * 24 * 3600
const MAX_NAME_LENGTH = 128
// RFC 6265bis §5.6: a user agent ignores a cookie with an attribute value over 1024 bytes.
const MAX_ATTRIBUTE_BYTES = 1024
// Candidates tried beyond the chunk sets of one session (duplicates planted under the name).
const MAX_CANDIDATES = 4

// RFC 9110 §5.6.2 token (the cookie-name grammar of RFC 6265bis §4.1.1).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// RFC 6265bis §4.1.1 path-value: any CHAR except CTLs or ";". Spaces are refused too: no real
// path needs one unescaped, and they are a common sign of a configuration mistake.
const PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/
// RFC 1034 §3.5 preferred name syntax (a leading dot is ignored by RFC 6265bis §5.6.3).
const DOMAIN =
  /^\.?(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
// Cookie values cachet writes are base64url and dots; anything else is not ours.
const VALUE = /^[A-Za-z0-9._-]+$/
const CHUNK_INDEX = /^(0|[1-9][0-9]{0,2})$/

// RFC 6265bis §4.1.1 cookie-av list, in the order the `cookie` package (jshttp) writes it, so that
// headers are byte-identical to its stringifySetCookie (test/cookie.test.ts compares the two).
function attributeSuffix(a: Omit<SetCookieAttributes, 'maxAge'>, expired: boolean): string {
  let suffix = a.domain !== undefined ? `; Domain=${a.domain}; Path=${a.path}` : `; Path=${a.path}`
  if (expired) suffix += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT'
  if (a.httpOnly) suffix += '; HttpOnly'
  if (a.secure) suffix += '; Secure'
  if (a.partitioned) suffix += '; Partitioned'
  return `${suffix}; SameSite=${a.sameSite === 'lax' ? 'Lax' : a.sameSite === 'strict' ? 'Strict' : 'None'}`
}

// Every cookie option; anything else is refused (issue 10 item 11): express-session's
// cookie.maxAge, say, would otherwise be silently ignored.
const COOKIE_OPTION_NAMES: ReadonlySet<string> = new Set([
  'name',
  'secure',
  'httpOnly',
  'sameSite',
  'path',
  'domain',
  'partitioned',
  'chunking',
  'maxChunks',
] satisfies (keyof CookieOptions)[])

function bad(message: string): never {
  throw new SessionError('ERR_COOKIE_OPTIONS', message)
}

/**
 * Validates cookie options once and returns the session cookie they describe.
 *
 * @throws `ERR_COOKIE_OPTIONS` for a name outside the token grammar, a `__Host-` name without
 *   Secure, with a Domain or a Path other than `/`, a `__Secure-` name without Secure,
 *   SameSite=None or Partitioned without Secure, a path or domain with `;`, CR/LF or spaces or over
 *   1024 bytes, or a chunk cap outside 1–50.
 */
export function createSessionCookie(options: CookieOptions = {}): SessionCookie {
  if (typeof options !== 'object' || options === null) bad('cookie options must be an object')
  for (const key of Object.keys(options)) {
    if (!COOKIE_OPTION_NAMES.has(key)) {
      const instead =
        key === 'maxAge' || key === 'expires' ? '; use maxAgeSeconds of createSessions' : ''
      bad(`cookie: unknown option ${JSON.stringify(key.slice(0, 64))}${instead}`)
    }
  }
  const name = options.name ?? '__Host-session'
  const secure = options.secure ?? true
  const httpOnly = options.httpOnly ?? true
  const sameSite = options.sameSite ?? 'lax'
  const path = options.path ?? '/'
  const { domain, partitioned } = options
  const chunking = options.chunking ?? true
  const maxChunks = options.maxChunks ?? 4

  if (typeof name !== 'string' || !TOKEN.test(name) || name.length > MAX_NAME_LENGTH) {
    bad('cookie.name must be 1-128 token characters (RFC 9110 §5.6.2)')
  }
  if (/\.(0|[1-9][0-9]*)$/.test(name))
    bad('cookie.name must not end in .<number> (reserved for chunks)')
  for (const [key, value] of Object.entries({ secure, httpOnly, chunking })) {
    if (typeof value !== 'boolean') bad(`cookie.${key} must be a boolean`)
  }
  if (partitioned !== undefined && typeof partitioned !== 'boolean')
    bad('cookie.partitioned must be a boolean')
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') {
    bad("cookie.sameSite must be 'lax', 'strict' or 'none'")
  }
  if (typeof path !== 'string' || !PATH.test(path)) {
    bad('cookie.path must start with "/" and hold no ";", spaces or control characters')
  }
  if (domain !== undefined && (typeof domain !== 'string' || !DOMAIN.test(domain))) {
    bad('cookie.domain must be a host name (letters, digits, "-" and ".")')
  }
  if (utf8Length(path) > MAX_ATTRIBUTE_BYTES || utf8Length(domain ?? '') > MAX_ATTRIBUTE_BYTES) {
    bad('cookie.path and cookie.domain must be at most 1024 bytes (RFC 6265bis §5.6)')
  }
  // RFC 6265bis §4.1.3: prefixes are matched case-insensitively by current browsers.
  const lower = name.toLowerCase()
  if (lower.startsWith('__host-')) {
    if (!secure || path !== '/' || domain !== undefined) {
      bad('a __Host- cookie requires secure: true, path "/" and no domain (RFC 6265bis §4.1.3.2)')
    }
  } else if (lower.startsWith('__secure-') && !secure) {
    bad('a __Secure- cookie requires secure: true (RFC 6265bis §4.1.3.1)')
  }
  if (sameSite === 'none' && !secure)
    bad('SameSite=None requires secure: true (RFC 6265bis §5.6.7)')
  if (partitioned && !secure) bad('a Partitioned cookie requires secure: true (CHIPS)')
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 50)
    bad('cookie.maxChunks must be an integer from 1 to 50')

  const attributes: Omit<SetCookieAttributes, 'maxAge'> = Object.freeze({
    path,
    secure,
    httpOnly,
    sameSite,
    ...(domain !== undefined ? { domain } : {}),
    ...(partitioned ? { partitioned: true } : {}),
  })

  // The attributes after Max-Age never change, so they are serialized once; a write is then
  // `name=value; Max-Age=N` + this suffix. Every part was validated above and values are base64url,
  // so nothing needs encoding.
  const suffix = attributeSuffix(attributes, false)
  const deletionSuffix = attributeSuffix(attributes, true)
  const make = (cookieName: string, value: string, maxAge: number): CookieWrite => {
    const options: SetCookieAttributes = { ...attributes, maxAge }
    // A deletion also expires at the epoch, for clients that predate Max-Age.
    const header = `${cookieName}=${value}; Max-Age=${maxAge}${maxAge > 0 ? suffix : deletionSuffix}`
    return { name: cookieName, value, options, header }
  }

  const chunkName = (i: number) => `${name}.${i}`

  const clear = (present: readonly string[]) => present.map((n) => make(n, '', 0))

  return Object.freeze({
    name,
    attributes,
    chunking,
    maxChunks,
    clear,
    write(value: string, maxAgeSeconds: number, present: readonly string[]): CookieWrite[] {
      const maxAge = Math.max(0, Math.min(Math.floor(maxAgeSeconds), MAX_COOKIE_AGE_SECONDS))
      const single = make(name, value, maxAge)
      let writes: CookieWrite[]
      if (utf8Length(single.header) <= MAX_COOKIE_BYTES) {
        writes = [single]
      } else {
        // Room per chunk, measured on the real header of the longest chunk name.
        const overhead = utf8Length(make(chunkName(maxChunks - 1), '', maxAge).header)
        const room = MAX_COOKIE_BYTES - overhead
        const count = room > 0 ? Math.ceil(value.length / room) : Number.POSITIVE_INFINITY
        // Never return without the value's cookies: a write that cannot fit throws.
        if (!chunking || count > maxChunks) {
          throw new SessionError(
            'ERR_COOKIE_TOO_LARGE',
            chunking
              ? `the session needs ${count} cookies of 4096 bytes; the cap is ${maxChunks} (cookie.maxChunks)`
              : `the session cookie would be ${utf8Length(single.header)} bytes; the limit is 4096 (enable cookie.chunking or store less)`,
          )
        }
        writes = []
        for (let i = 0; i < count; i++)
          writes.push(make(chunkName(i), value.slice(i * room, (i + 1) * room), maxAge))
      }
      const written = new Set(writes.map((w) => w.name))
      return [...writes, ...clear(present.filter((n) => !written.has(n)))]
    },
    read: (header: string | null | undefined) => readCandidates(header, name, maxChunks),
  })
}

// --- Reading ---

// RFC 6265bis §5.7: cookie-pairs separated by ";" and optional whitespace. Only the exact name
// and exact chunk names below the cap count: "__host-session", "session.01" or "session.999" are
// someone else's (issue 9.8: they are neither tried nor deleted, so deletions stay bounded).
function readCandidates(
  header: string | null | undefined,
  name: string,
  maxChunks: number,
): CookieCandidates {
  const plain = new Set<string>()
  const chunks = new Map<number, Set<string>>()
  const present = new Set<string>()
  let malformedChunks = false
  if (typeof header === 'string') {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=')
      if (eq < 0) continue
      const key = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (key === name) {
        present.add(key)
        if (VALUE.test(value)) plain.add(value)
        continue
      }
      if (key.length <= name.length + 1 || !key.startsWith(name) || key[name.length] !== '.')
        continue
      const index = key.slice(name.length + 1)
      if (!CHUNK_INDEX.test(index) || Number(index) >= maxChunks) continue
      present.add(key)
      if (!VALUE.test(value)) malformedChunks = true
      else chunks.set(Number(index), (chunks.get(Number(index)) ?? new Set()).add(value))
    }
  }
  // Every complete chunk set: each prefix 0…k-1 with no gap, in every combination of the values
  // sent for one index. Which one is the session is decided by authentication, never by the
  // header's order (a planted cookie can come first); the session layer accepts exactly one.
  const limit = maxChunks + MAX_CANDIDATES
  const values = [...plain]
  let sets = ['']
  let complete = 0
  for (let i = 0; chunks.has(i) && values.length <= limit; i++, complete++) {
    sets = sets.flatMap((prefix) => [...chunks.get(i)!].map((part) => prefix + part))
    values.push(...sets)
  }
  if (complete < chunks.size) malformedChunks = true
  const overflow = values.length > limit
  return { values: overflow ? [] : values, present: [...present], malformedChunks, overflow }
}
