/**
 * Express (4 and 5) and `node:http` sessions, as a drop-in for express-session.
 *
 * `session(options)` takes express-session's options (`secret`, `name`, `cookie`, `rolling`,
 * `resave`, `saveUninitialized`, `unset`, `genid`, `proxy`), with `denylist` in place of `store`:
 * the session lives in a sealed cookie (XAES-256-GCM), and the denylist makes `destroy()` and
 * `regenerate()` revoke copies of it. `sessionMiddleware(sessions)` does the same for a session
 * manager made with `createSessions`. Both give the express-session `req.session`: data as plain
 * properties, `regenerate()`, `destroy()`, `save()`, `reload()`, `touch()` (callbacks or
 * promises), `req.session.id` and `req.sessionID`.
 *
 * The `Set-Cookie` goes out with the response headers, which wait for the seal: a change made
 * before `res.write()`, `res.writeHead()` or `res.end()` is always saved. Changes after the
 * headers went out are reported to `onError`, never thrown.
 *
 * Node-specific: the request and response types are declared structurally, so that this module
 * compiles without `@types/node` alongside the edge-safe modules.
 *
 * @module
 */

import { SessionError } from '../errors.js'
import type { Sessions } from '../session/index.js'
import { refuseUnknownOptions } from '../_internal/unknown-options.js'
import { createMiddleware } from './middleware.js'
import { configure, defaultOnError, type ExpressSessionOptions } from './options.js'
import { isRequestSession } from './request-session.js'
import type { NodeMiddleware, RequestSession } from './types.js'

export { csrfMiddleware } from './csrf.js'
export type { CsrfMiddlewareOptions } from './csrf.js'
export { RequestCookie } from './cookie.js'
export type { ExpressCookieOptions } from './cookie.js'
export type { ExpressSessionOptions } from './options.js'
export type {
  NextFunction,
  NodeMiddleware,
  NodeRequest,
  NodeResponse,
  RequestSession,
  SessionCallback,
  SessionControls,
  SessionData,
} from './types.js'

/**
 * express-session's middleware, on cachet: the same options (with `denylist` for `store`), the
 * same `req.session`. Differences: the secret needs 32+ bytes of entropy, the session has an
 * absolute lifetime (`maxAgeSeconds`, default 7 days) that bounds any `cookie.maxAge`, the
 * default cookie has `SameSite=Lax`, and there is no store (see the README's migration guide).
 *
 * @param options See {@link ExpressSessionOptions}.
 * @returns A middleware `(req, res, next) => void`.
 * @throws `ERR_SESSION_OPTIONS` for an unknown option (`store` names `denylist`), a missing
 *   secret or an ill-typed option; `ERR_KEY_WEAK` for a weak secret; `ERR_COOKIE_OPTIONS`.
 * @example
 * ```ts
 * import express from 'express'
 * import { session } from 'cachet/express'
 *
 * const app = express()
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }))
 * app.get('/', (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1
 *   res.send(`views: ${req.session.views}`)
 * })
 * ```
 */
export function session(options: ExpressSessionOptions): NodeMiddleware {
  return createMiddleware(configure(options))
}

/** Options of {@link sessionMiddleware}. */
export interface SessionMiddlewareOptions {
  /**
   * Called (instead of throwing) when a session change cannot reach the client: changed, saved,
   * regenerated or destroyed after the response headers went out. The error is a `SessionError`
   * `ERR_SESSION_STATE`, once per request. Default: `process.emitWarning(error)`. Must not throw.
   */
  onError?: (error: SessionError) => void
}

const MIDDLEWARE_OPTION_NAMES: ReadonlySet<string> = new Set(['onError'])

/**
 * Creates the session middleware for a cachet session manager: reads the session from the
 * request's cookie and sets `req.session`. The cookie is the one `createSessions` configures
 * (`__Host-session` by default); an untouched new session sets no cookie. For express-session's
 * options, use {@link session}. For plain `node:http`, call it with a `next` callback and read
 * the session with {@link getSession}.
 *
 * When changes cannot be sealed before the headers go out (too large, schema, denylist down),
 * the response is not sent and `next(error)` is called, as express-session does: Express's error
 * handler then answers.
 *
 * @param sessions The session manager from `createSessions` (sealed or JWT, with or without a
 *   denylist).
 * @param options See {@link SessionMiddlewareOptions}.
 * @returns A middleware `(req, res, next) => void`.
 * @throws `ERR_SESSION_OPTIONS` when `sessions` is not a session manager, an option is unknown
 *   or `onError` is not a function.
 * @example
 * ```ts
 * import express from 'express'
 * import { createSessions } from 'cachet'
 * import { sessionMiddleware, type SessionData } from 'cachet/express'
 *
 * const sessions = createSessions<SessionData>({ keys: process.env.SESSION_SECRET! })
 * const app = express()
 * app.use(sessionMiddleware(sessions))
 * app.post('/login', async (req, res) => {
 *   await req.session.regenerate()
 *   req.session.user = { id: 'u1', name: 'Ada' }
 *   res.redirect('/')
 * })
 *
 * // node:http
 * const handle = sessionMiddleware(sessions)
 * http.createServer((req, res) =>
 *   handle(req, res, (error) => {
 *     if (error) return res.writeHead(500).end()
 *     res.end(getSession(req).state)
 *   }),
 * )
 * ```
 */
export function sessionMiddleware<T extends object>(
  sessions: Sessions<T>,
  options: SessionMiddlewareOptions = {},
): NodeMiddleware {
  if (typeof (sessions as Partial<Sessions<T>> | null)?.read !== 'function') {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'sessionMiddleware needs a session manager (createSessions)',
    )
  }
  if (typeof options !== 'object' || options === null)
    throw new SessionError('ERR_SESSION_OPTIONS', 'sessionMiddleware options must be an object')
  refuseUnknownOptions('sessionMiddleware', options, MIDDLEWARE_OPTION_NAMES, {
    rolling: 'refreshAfterSeconds in createSessions, or session() from cachet/express',
    secret: 'keys in createSessions, or session() from cachet/express',
  })
  const onError = options.onError ?? defaultOnError
  if (typeof onError !== 'function') {
    throw new SessionError('ERR_SESSION_OPTIONS', 'onError must be a function')
  }
  return createMiddleware({
    sessions,
    saveUninitialized: false,
    rolling: false,
    unset: 'keep',
    onError,
  })
}

/**
 * The session the middleware set on a request: typed access for `node:http` handlers (Express
 * handlers use `req.session`).
 *
 * @throws `ERR_SESSION_STATE` when no session middleware ran for this request (or the session
 *   was destroyed).
 * @example
 * ```ts
 * handle(req, res, () => res.end(getSession(req).state))
 * ```
 */
export function getSession(req: object): RequestSession {
  const current = (req as { session?: unknown }).session
  if (!isRequestSession(current)) {
    throw new SessionError('ERR_SESSION_STATE', 'no session middleware ran for this request')
  }
  return current
}
