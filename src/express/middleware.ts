/**
 * The session middleware both entry points share: `session(options)` (express-session's options)
 * and `sessionMiddleware(sessions)` (a cachet session manager). It reads the session, sets
 * `req.session` and `req.sessionID`, and hooks the response so that the cookie goes out with the
 * headers.
 *
 * @module
 */

import { sha256 } from '../_internal/sha256.js'
import { SessionError } from '../errors.js'
import type { Session, Sessions } from '../session/index.js'
import { toBase64url, utf8 } from '../_internal/bytes.js'
import { RequestCookie, isSecureRequest, type ExpressCookieOptions } from './cookie.js'
import {
  SessionHandle,
  invoke,
  type CookieControl,
  type SessionBehaviour,
} from './request-session.js'
import { hookResponse } from './response.js'
import type { NextFunction, NodeMiddleware, NodeRequest, NodeResponse } from './types.js'

/** What `session()` adds to the shared middleware: express-session's cookie handling. */
export interface CookieSettings {
  /** The cookie options of a request (express-session's `cookie`, an object or a function). */
  readonly options: (req: NodeRequest) => ExpressCookieOptions
  /** express-session's `proxy`. */
  readonly proxy: boolean | undefined
  /** Clock, ms since epoch. */
  readonly now: () => number
}

/** The shared middleware's configuration. */
export interface MiddlewareConfig extends SessionBehaviour {
  readonly sessions: Sessions<object>
  /** Under `session()`: the per-session cookie. Absent: `createSessions`' cookie, as it is. */
  readonly cookie?: CookieSettings | undefined
  /** express-session's `genid`. */
  readonly genid?: ((req: NodeRequest) => string) | undefined
}

const SESSION_ID = /^[A-Za-z0-9_-]{22}$/

/**
 * A `genid` result as a session id: used as is when it is 22 characters of `[A-Za-z0-9_-]` (the
 * id grammar of the strategies and the denylist), otherwise hashed (SHA-256, base64url, 22
 * characters), so that a UUID or any other unique string works.
 */
export function sessionIdFrom(generated: unknown): string {
  if (typeof generated !== 'string' || generated.length === 0)
    throw new SessionError('ERR_SESSION_OPTIONS', 'genid must return a non-empty string')
  if (SESSION_ID.test(generated)) return generated
  return toBase64url(sha256(utf8(generated))).slice(0, 22)
}

function cookieHeaderOf(req: NodeRequest): string | undefined {
  const value = req.headers.cookie
  if (typeof value === 'string') return value
  // HTTP/2 may deliver several cookie fields; RFC 9113 §8.2.3 joins them with "; ".
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string').join('; ')
  return undefined
}

// The cookie, and the User-Agent that labels a login in the device index (`devices`). Nothing
// else: in particular no Authorization, so that the cookie stays the only credential here.
function readInputOf(req: NodeRequest): string | Headers | undefined {
  const cookie = cookieHeaderOf(req)
  const userAgent = req.headers['user-agent']
  if (typeof userAgent !== 'string') return cookie
  try {
    const headers = new Headers({ 'user-agent': userAgent })
    if (cookie !== undefined) headers.set('cookie', cookie)
    return headers
  } catch {
    return cookie
  }
}

function pathOf(req: NodeRequest): string {
  const url = req.originalUrl ?? req.url ?? '/'
  const end = url.search(/[?#]/)
  return end < 0 ? url : url.slice(0, end)
}

/** A fresh cookie for a request: `'auto'` settings decided by the request's security. */
function freshCookie(settings: CookieSettings, options: ExpressCookieOptions, req: NodeRequest) {
  const secure =
    options.secure === 'auto' ? isSecureRequest(req, settings.proxy) : options.secure === true
  const sameSite = options.sameSite === 'auto' ? (secure ? 'none' : 'lax') : options.sameSite
  return new RequestCookie({ ...options, secure, sameSite }, settings.now)
}

/**
 * The cookie of a read session: the settings sealed with it, or fresh ones. A session whose
 * sealed cookie expiry has passed is over, as a store would have expired it: it starts again.
 */
async function cookieOf(
  settings: CookieSettings,
  options: ExpressCookieOptions,
  core: Session<object>,
  req: NodeRequest,
): Promise<RequestCookie> {
  if (core.state === 'active') {
    const sealed = RequestCookie.fromJSON((core.data as { cookie?: unknown }).cookie, settings.now)
    if (sealed && (sealed.expires === null || sealed.expires.getTime() > settings.now()))
      return sealed
    // A new id; with a denylist the old one is revoked. A denylist outage changes nothing here:
    // the session is replaced either way.
    if (sealed) await core.regenerate().catch(() => undefined)
  }
  return freshCookie(settings, options, req)
}

async function start(
  config: MiddlewareConfig,
  core: Session<object>,
  request: {
    req: NodeRequest
    res: NodeResponse
    next: NextFunction
    options: ExpressCookieOptions | undefined
  },
): Promise<void> {
  const { req, res, next, options } = request
  let control: CookieControl | undefined
  let cookie: RequestCookie | undefined
  const settings = config.cookie
  if (settings && options) {
    cookie = await cookieOf(settings, options, core, req)
    control = {
      create: () => freshCookie(settings, settings.options(req), req),
      canSet: (c) => !c.secure || isSecureRequest(req, settings.proxy),
    }
  }
  const handle = new SessionHandle(core, req, config, control, cookie)
  hookResponse(res, handle, next)
  req.session = handle.proxy
  Object.defineProperty(req, 'sessionID', {
    get: () => core.id,
    configurable: true,
    enumerable: true,
  })
}

/** The shared middleware. */
export function createMiddleware(config: MiddlewareConfig): NodeMiddleware {
  return function cachetSession(req, res, next) {
    if (req.session != null) {
      next()
      return
    }
    let options: ExpressCookieOptions | undefined
    if (config.cookie) {
      try {
        options = config.cookie.options(req)
      } catch (error) {
        next(error)
        return
      }
      // express-session: outside the cookie's path the request has no session (and no cookie).
      if (!pathOf(req).startsWith(options.path ?? '/')) {
        next()
        return
      }
    }
    const genid = config.genid
    const readOptions = genid ? { generateId: () => sessionIdFrom(genid(req)) } : {}
    config.sessions
      .read(readInputOf(req), readOptions)
      .then((core) => start(config, core, { req, res, next, options }))
      .then(
        () => invoke(next),
        // read() never rejects for client input: this is a broken manager, hook or genid.
        (error: unknown) => invoke(next, error),
      )
  }
}
