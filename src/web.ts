/**
 * Fetch API adapter: read a session from a `Request`, apply its cookie writes to `Headers` or a
 * `Response`. Runs on Node 20+, Deno, Bun, Cloudflare Workers and Next.js edge routes.
 *
 * A change that misses the response (a `save()` not awaited, or any `save()`, `regenerate()` or
 * `destroy()` after the writes were applied) cannot reach the client: it is reported through
 * `onError` (default: `process.emitWarning`, where there is one), as `cachet/express` does.
 *
 * @module
 */

import type { CookieWrite } from './cookie.js'
import type { Session, SessionWriter, Sessions } from './session/index.js'
import { PRIVATE_NO_STORE } from './_internal/cache-control.js'
import { SessionError } from './errors.js'

/** Options of {@link getSession} and {@link withSession}. */
export interface WebSessionOptions {
  /**
   * Called (instead of throwing) when a session change cannot reach the client: a `save()`,
   * `regenerate()` or `destroy()` that completes after the writes were applied to the response
   * (not awaited, or called after the handler returned). The error is a `SessionError`
   * `ERR_SESSION_STATE`, once per request. Default: `process.emitWarning(error)` where the runtime
   * has it. Must not throw.
   */
  onError?: (error: SessionError) => void
}

// Sessions whose writes went out with a response: a change after that point is lost.
const APPLIED = new WeakMap<object, { sent: boolean }>()

// Node, Deno and Bun have process.emitWarning; edge runtimes have no process and get nothing.
type WarningRuntime = { process?: { emitWarning?: (warning: Error) => void } }
function defaultOnError(error: SessionError): void {
  ;(globalThis as WarningRuntime).process?.emitWarning?.(error)
}

function reporterOf(options: WebSessionOptions | undefined): (error: SessionError) => void {
  const onError = options?.onError ?? defaultOnError
  if (typeof onError !== 'function') {
    throw new SessionError('ERR_SESSION_OPTIONS', 'onError must be a function')
  }
  return onError
}

// Reads the session with a writer that notices changes made after applySession().
async function readTracked<T>(
  request: Request,
  sessions: Sessions<T>,
  onError: (error: SessionError) => void,
): Promise<Session<T>> {
  const tracked = { sent: false }
  let reported = false
  const writer: SessionWriter = {
    apply() {
      if (!tracked.sent || reported) return
      reported = true
      try {
        onError(
          new SessionError(
            'ERR_SESSION_STATE',
            'the session changed after its response was built (a save() not awaited, or called after the handler returned); the change is lost',
          ),
        )
      } catch {
        // A reporting hook must not break the caller.
      }
    },
  }
  const session = await sessions.read(request, { writer })
  APPLIED.set(session, tracked)
  return session
}

/**
 * Reads the session of a request. Never throws for anything the client sent. Apply its writes with
 * {@link applySession}; a change made after that is reported through `options.onError`.
 *
 * @throws `ERR_SESSION_OPTIONS` when `onError` is not a function.
 * @example
 * ```ts
 * const session = await getSession(request, sessions)
 * ```
 */
export function getSession<T>(
  request: Request,
  sessions: Sessions<T>,
  options?: WebSessionOptions,
): Promise<Session<T>> {
  const onError = reporterOf(options)
  return readTracked(request, sessions, onError)
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
  const tracked = APPLIED.get(session)
  if (tracked) tracked.sent = true
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
  if (session.writes.length === 0) {
    const tracked = APPLIED.get(session)
    if (tracked) tracked.sent = true
    return response
  }
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
 * Wraps a Fetch handler: reads the session, calls the handler, applies the writes. Await every
 * `save()`, `regenerate()` and `destroy()` in the handler: one that completes after the handler
 * returned is reported through `options.onError` (its change is lost).
 *
 * @throws `ERR_SESSION_OPTIONS` when `onError` is not a function.
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
  options?: WebSessionOptions,
): (request: Request) => Promise<Response> {
  const onError = reporterOf(options)
  return async (request) => {
    const session = await readTracked(request, sessions, onError)
    const response = await handler(request, session)
    return applySession(response, session)
  }
}
