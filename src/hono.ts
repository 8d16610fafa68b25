/**
 * Hono middleware: reads the session before the handler, makes it `c.get('session')` (typed), and
 * applies its cookie writes to the response after. Runs wherever Hono runs (Cloudflare Workers,
 * Deno, Bun, Node via `@hono/node-server`). Only Hono's types are imported: nothing of Hono is
 * loaded at run time.
 *
 * @module
 */

import type { MiddlewareHandler } from 'hono'
import { SessionError } from './errors.js'
import type { Session, Sessions } from './session/index.js'

/** The context variables the middleware sets: `c.get('session')`, `c.var.session`. */
export interface SessionVariables<T> {
  session: Session<T>
}

/** The Hono environment of a route behind {@link sessionMiddleware}. */
export interface SessionEnv<T> {
  Variables: SessionVariables<T>
}

/**
 * Hono middleware for a session manager. The session is `c.get('session')`; call `save()`,
 * `regenerate()` or `destroy()` on it in the handler and the middleware appends the
 * `Set-Cookie` headers (and `Cache-Control: private, no-store`) to whatever response the handler
 * returns, including a redirect.
 *
 * @param sessions The manager from `createSessions`.
 * @throws `ERR_SESSION_OPTIONS` when `sessions` is not a session manager.
 * @example
 * ```ts
 * const app = new Hono()
 *   .use(sessionMiddleware(sessions))
 *   .get('/me', (c) => {
 *     const session = c.get('session')
 *     if (session.state !== 'active') return c.text('sign in first', 401)
 *     return c.json({ userId: session.data.userId })
 *   })
 * ```
 */
export function sessionMiddleware<T>(sessions: Sessions<T>): MiddlewareHandler<SessionEnv<T>> {
  if (typeof sessions?.read !== 'function') {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'sessionMiddleware() needs a manager from createSessions()',
    )
  }
  return async (c, next) => {
    const session = await sessions.read(c.req.raw)
    c.set('session', session)
    await next()
    if (session.writes.length === 0) return
    // c.header() copies a finalized response first, so immutable headers (Response.redirect,
    // a fetch() result) take the writes too.
    for (const write of session.writes) c.header('set-cookie', write.header, { append: true })
    c.header('cache-control', 'private, no-store')
  }
}
