/**
 * CSRF middleware for Express and `node:http`: unsafe requests must pass the origin check and
 * carry a valid token bound to `req.session`.
 *
 * @module
 */

import type { Csrf, CsrfRejectReason } from '../csrf.js'
import { SessionError } from '../errors.js'
import { isRequestSession } from './request-session.js'
import type { NextFunction, NodeMiddleware, NodeRequest, NodeResponse } from './types.js'

/** Options of {@link csrfMiddleware}. */
export interface CsrfMiddlewareOptions {
  /**
   * Answers a refused request. Default: `403 Forbidden`, plain text, no reason (log it here).
   */
  onReject?: (
    reason: CsrfRejectReason,
    req: NodeRequest,
    res: NodeResponse,
    next: NextFunction,
  ) => void
}

function rejectForbidden(_reason: CsrfRejectReason, _req: NodeRequest, res: NodeResponse): void {
  res.statusCode = 403
  res.setHeader('content-type', 'text/plain; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.end('Forbidden')
}

/**
 * Creates a CSRF middleware: unsafe requests (POST, PUT, PATCH, DELETE, …) must pass the origin
 * check and carry a valid token, in the `x-csrf-token` header or the `_csrf` field of a parsed
 * body (mount `express.urlencoded()` first). Mount after `session()` or `sessionMiddleware()`. Make tokens
 * with `csrf.token(req.session)`. Safe methods pass untouched: nothing is written.
 *
 * @param csrf A protector from `createCsrf` (`cachet/csrf`).
 * @param options See {@link CsrfMiddlewareOptions}.
 * @returns A middleware `(req, res, next) => void`. Without `sessionMiddleware` before it, it
 *   calls `next` with a `SessionError` `ERR_SESSION_STATE`.
 * @example
 * ```ts
 * const csrf = createCsrf({ keys: sessions.keys, origin: 'https://app.example' })
 * app.use(sessionMiddleware(sessions), express.urlencoded({ extended: false }), csrfMiddleware(csrf))
 * app.get('/form', (req, res) => res.send(`<input type="hidden" name="_csrf" value="${csrf.token(req.session)}">`))
 * ```
 */
export function csrfMiddleware(csrf: Csrf, options: CsrfMiddlewareOptions = {}): NodeMiddleware {
  if (typeof (csrf as Partial<Csrf> | null)?.check !== 'function') {
    throw new SessionError('ERR_SESSION_OPTIONS', 'csrfMiddleware needs a protector (createCsrf)')
  }
  const onReject = options.onReject ?? rejectForbidden
  if (typeof onReject !== 'function')
    throw new SessionError('ERR_SESSION_OPTIONS', 'onReject must be a function')
  return function cachetCsrf(req, res, next) {
    const session = req.session
    if (!isRequestSession(session)) {
      next(
        new SessionError('ERR_SESSION_STATE', 'csrfMiddleware needs sessionMiddleware before it'),
      )
      return
    }
    const headers = {
      get(name: string): string | undefined {
        // Node's header map is keyed by lowercase names (RFC 9110 §5.1: case-insensitive).
        const key = name.toLowerCase()
        const value = Object.hasOwn(req.headers, key) ? req.headers[key] : undefined
        return typeof value === 'string'
          ? value
          : Array.isArray(value)
            ? value.join(', ')
            : undefined
      },
    }
    // No selfOrigin: with trustHost, the check takes `https://<Host>` (and `http://<Host>` on
    // loopback only). The socket's scheme is not the browser's behind a TLS-terminating proxy,
    // and taking it would make the plain-HTTP origin of the same host (which a network attacker
    // can serve) the app's own.
    const body = req.body
    const token =
      typeof body === 'object' && body !== null && Object.hasOwn(body, csrf.fieldName)
        ? (body as Record<string, unknown>)[csrf.fieldName]
        : undefined
    const result = csrf.check({ method: req.method ?? '', headers }, session, { token })
    if (result.ok) next()
    else onReject(result.reason, req, res, next)
  }
}
