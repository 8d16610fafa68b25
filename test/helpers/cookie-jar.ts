// A small cookie jar for tests that talk HTTP to a real server, following the storage and
// retrieval rules of RFC 6265bis (draft-ietf-httpbis-rfc6265bis) that a browser applies to
// top-level, same-site requests. Not implemented: the public suffix list, SameSite enforcement
// (every test request is same-site), the exact cookie-date grammar (§5.1.1; Date.parse is used).

export interface StoredCookie {
  readonly name: string
  readonly value: string
  readonly domain: string
  readonly hostOnly: boolean
  readonly path: string
  readonly secure: boolean
  readonly httpOnly: boolean
  readonly sameSite: 'strict' | 'lax' | 'none' | 'default'
  /** undefined: a session cookie (kept until the jar is dropped). */
  readonly expiresAtMs: number | undefined
  readonly createdAtMs: number
  readonly order: number
}

const MAX_AGE_CAP_MS = 400 * 24 * 3600 * 1000 // §5.6.2
const CTL = /[\x00-\x08\x0a-\x1f\x7f]/ // §5.6 step 1: CTLs except HTAB abort
const IPV4 = /^[0-9]+(\.[0-9]+){3}$/

// Potentially trustworthy origins (W3C Secure Contexts §3.1): https, and loopback hosts, which
// browsers treat as secure, so that Secure and __Host- cookies work against 127.0.0.1.
function isSecureContext(url: URL): boolean {
  return (
    url.protocol === 'https:' ||
    url.hostname === 'localhost' ||
    url.hostname === '[::1]' ||
    /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(url.hostname)
  )
}

const isIp = (host: string) => IPV4.test(host) || host.startsWith('[')

// §5.1.3 domain matching.
function domainMatch(host: string, domain: string): boolean {
  return host === domain || (!isIp(host) && host.endsWith(`.${domain}`))
}

// §5.1.4 default-path.
function defaultPath(url: URL): string {
  const path = url.pathname
  if (!path.startsWith('/')) return '/'
  const last = path.lastIndexOf('/')
  return last <= 0 ? '/' : path.slice(0, last)
}

// §5.1.4 path-match.
function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

export class CookieJar {
  private cookies: StoredCookie[] = []
  private counter = 0
  private readonly now: () => number

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now
  }

  /** Stores every Set-Cookie of a response to a request for `url`. */
  store(url: string | URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) this.set(url, header)
  }

  /** Applies one Set-Cookie header (§5.6 parsing, §5.7 storage model). True when stored. */
  set(requestUrl: string | URL, header: string): boolean {
    const url = new URL(requestUrl)
    const host = url.hostname.toLowerCase()
    if (CTL.test(header)) return false
    const [pair = '', ...attributes] = header.split(';')
    const eq = pair.indexOf('=')
    const name = (eq < 0 ? '' : pair.slice(0, eq)).trim()
    const value = (eq < 0 ? pair : pair.slice(eq + 1)).trim()
    if (name === '' && value === '') return false
    if (name.length + value.length > 4096) return false
    let expiresAtMs: number | undefined
    let maxAgeMs: number | undefined
    let domain: string | undefined
    let path: string | undefined
    let secure = false
    let httpOnly = false
    let sameSite: StoredCookie['sameSite'] = 'default'
    const nowMs = this.now()
    for (const attribute of attributes) {
      const aeq = attribute.indexOf('=')
      const key = (aeq < 0 ? attribute : attribute.slice(0, aeq)).trim().toLowerCase()
      const raw = aeq < 0 ? '' : attribute.slice(aeq + 1).trim()
      if (key === 'expires') {
        const parsed = Date.parse(raw)
        if (!Number.isNaN(parsed)) expiresAtMs = Math.min(parsed, nowMs + MAX_AGE_CAP_MS)
      } else if (key === 'max-age') {
        if (!/^-?[0-9]+$/.test(raw)) continue // §5.6.2: ignore a malformed Max-Age
        const seconds = Number(raw)
        maxAgeMs = seconds <= 0 ? -Infinity : Math.min(seconds * 1000, MAX_AGE_CAP_MS)
      } else if (key === 'domain') {
        if (raw === '') continue
        domain = (raw.startsWith('.') ? raw.slice(1) : raw).toLowerCase()
      } else if (key === 'path') {
        path = raw.startsWith('/') ? raw : undefined
      } else if (key === 'secure') {
        secure = true
      } else if (key === 'httponly') {
        httpOnly = true
      } else if (key === 'samesite') {
        const v = raw.toLowerCase()
        sameSite = v === 'strict' || v === 'lax' || v === 'none' ? v : 'default'
      }
    }
    // §5.6.2: Max-Age wins over Expires.
    const expiry = maxAgeMs !== undefined ? nowMs + maxAgeMs : expiresAtMs
    // §5.7 storage model.
    let hostOnly = true
    if (domain !== undefined) {
      if (!domainMatch(host, domain)) return false
      if (isIp(host) && domain !== host) return false
      hostOnly = false
    }
    const cookieDomain = hostOnly ? host : domain!
    const cookiePath = path ?? defaultPath(url)
    const secureContext = isSecureContext(url)
    if (secure && !secureContext) return false
    // "Leave Secure cookies alone": an insecure origin cannot overwrite a Secure cookie.
    if (
      !secureContext &&
      this.cookies.some(
        (c) =>
          c.secure &&
          c.name === name &&
          (domainMatch(cookieDomain, c.domain) || domainMatch(c.domain, cookieDomain)) &&
          pathMatch(cookiePath, c.path),
      )
    ) {
      return false
    }
    // §4.1.3: cookie prefixes, matched case-insensitively.
    const lower = name.toLowerCase()
    if (lower.startsWith('__secure-') && !secure) return false
    if (lower.startsWith('__host-') && (!secure || !hostOnly || cookiePath !== '/')) return false
    if (sameSite === 'none' && !secure) return false
    const index = this.cookies.findIndex(
      (c) =>
        c.name === name &&
        c.domain === cookieDomain &&
        c.hostOnly === hostOnly &&
        c.path === cookiePath,
    )
    const old = index >= 0 ? this.cookies[index] : undefined
    if (index >= 0) this.cookies.splice(index, 1)
    if (expiry !== undefined && expiry <= nowMs) return false // a deletion
    this.cookies.push({
      name,
      value,
      domain: cookieDomain,
      hostOnly,
      path: cookiePath,
      secure,
      httpOnly,
      sameSite,
      expiresAtMs: expiry,
      createdAtMs: old?.createdAtMs ?? nowMs, // §5.7 step 23.2: keep the creation time
      order: old?.order ?? this.counter++,
    })
    return true
  }

  /** The Cookie header a user agent sends to `url` (§5.8.3), or undefined when empty. */
  header(requestUrl: string | URL): string | undefined {
    const url = new URL(requestUrl)
    const host = url.hostname.toLowerCase()
    const nowMs = this.now()
    this.cookies = this.cookies.filter((c) => c.expiresAtMs === undefined || c.expiresAtMs > nowMs)
    const secureContext = isSecureContext(url)
    const matching = this.cookies
      .filter(
        (c) =>
          (c.hostOnly ? host === c.domain : domainMatch(host, c.domain)) &&
          pathMatch(url.pathname || '/', c.path) &&
          (!c.secure || secureContext),
      )
      // Longer paths first, then earlier creation.
      .sort(
        (a, b) =>
          b.path.length - a.path.length || a.createdAtMs - b.createdAtMs || a.order - b.order,
      )
    if (matching.length === 0) return undefined
    return matching.map((c) => (c.name === '' ? c.value : `${c.name}=${c.value}`)).join('; ')
  }

  /** The stored cookie of that name (any domain and path), if any. */
  get(name: string): StoredCookie | undefined {
    const nowMs = this.now()
    return this.cookies.find(
      (c) => c.name === name && (c.expiresAtMs === undefined || c.expiresAtMs > nowMs),
    )
  }

  /** A copy of the jar (another browser holding the same cookies). */
  clone(): CookieJar {
    const copy = new CookieJar({ now: this.now })
    copy.cookies = [...this.cookies]
    copy.counter = this.counter
    return copy
  }

  /** Fetch with this jar: sends its cookies, stores the response's, never follows redirects. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    const cookie = this.header(url)
    if (cookie !== undefined && !headers.has('cookie')) headers.set('cookie', cookie)
    const response = await fetch(url, { ...init, headers, redirect: 'manual' })
    this.store(url, response)
    return response
  }
}
