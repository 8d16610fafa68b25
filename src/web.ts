/**
 * Fetch API adapter: read a session from a `Request`, apply its cookie writes to `Headers` or a
 * `Response`. Runs on Node 20+, Deno, Bun, Cloudflare Workers and Next.js edge routes.
 *
 * @module
 */

import type { CookieWrite } from './cookie.js'
import type { Session, Sessions } from './session/index.js'
import { PRIVATE_NO_STORE } from './_internal/cache-control.js'

/**
 * Reads the session of a request. Never throws for anything the client sent.
 *
 * @example
 * ```ts
 * const session = await getSession(request, sessions)
 * ```
 */
export function getSession<T>(request: Request, sessions: Sessions<T>): Promise<Session<T>> {
  return sessions.read(request)
}

/**
 * Appends the session's cookie writes to `headers`. When there are any, also sets
 * `Cache-Control: private, no-store` so that no shared cache stores a response carrying a session.
 *
 * @returns `headers`.
 */
export function applySessionHeaders(
  headers: Headers,
  session: { readonly writes: readonly CookieWrite[] },
): Headers {
  if (session.writes.length === 0) return headers
  for (const write of session.writes) headers.append('set-cookie', write.header)
  headers.set('cache-control', PRIVATE_NO_STORE)
  return headers
}

/**
 * Applies the session's cookie writes to a response. Responses with immutable headers
 * (`Response.redirect()`, a `fetch()` result) are copied first.
 *
 * @returns `response`, or a copy of it with the writes applied.
 * @example
 * ```ts
 * export async function POST(request: Request) {
 *   const session = await getSession(request, sessions)
 *   await session.regenerate()
 *   await session.save({ userId: 'u1' })
 *   return applySession(Response.json({ ok: true }), session)
 * }
 * ```
 */
export function applySession(
  response: Response,
  session: { readonly writes: readonly CookieWrite[] },
): Response {
  if (session.writes.length === 0) return response
  try {
    applySessionHeaders(response.headers, session)
    return response
  } catch {
    const copy = new Response(response.body, response)
    applySessionHeaders(copy.headers, session)
    return copy
  }
}

/**
 * Wraps a Fetch handler: reads the session, calls the handler, applies the writes.
 *
 * @example
 * ```ts
 * export default {
 *   fetch: withSession(sessions, async (request, session) => {
 *     if (session.state !== 'active') return new Response('sign in', { status: 401 })
 *     return Response.json(session.data)
 *   }),
 * }
 * ```
 */
export function withSession<T>(
  sessions: Sessions<T>,
  handler: (request: Request, session: Session<T>) => Response | Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const session = await sessions.read(request)
    const response = await handler(request, session)
    return applySession(response, session)
  }
}
