/**
 * The types of `cachet/express`: the Node request and response shapes it uses (declared
 * structurally, so that it compiles without `@types/node`), and `req.session`.
 *
 * @module
 */

import type { RequestCookie } from './cookie.js'
import type { DestroyOptions, RejectReason, SessionState } from '../session/index.js'

/**
 * The shape of `req.session`'s data. Empty here: augment it, as with express-session.
 *
 * @example
 * ```ts
 * declare module 'cachet/express' {
 *   interface SessionData {
 *     user?: { id: string; name: string }
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionData {}

/** A Node-style callback: called with the error, or with nothing on success. */
export type SessionCallback = (error?: unknown) => void

/** The controls of `req.session`. These names are reserved: they are never data. */
export interface SessionControls {
  /** The session id (22 characters of base64url). A fresh one after `regenerate()`. */
  readonly id: string
  /** `'active'` when the request carried a valid session; see `SessionState`. */
  readonly state: SessionState
  /** Why the request's cookie was rejected, when it was. Never show it to the client. */
  readonly reason: RejectReason | undefined
  /**
   * The session cookie's settings for this session (express-session's `req.session.cookie`):
   * `maxAge`, `originalMaxAge`, `expires`, `httpOnly`, `secure`, `sameSite`, `path`, `domain`,
   * `partitioned`, `priority`. Set by `session()`; absent with `sessionMiddleware(sessions)`,
   * whose cookie is configured by `createSessions`.
   */
  readonly cookie: RequestCookie
  /**
   * Starts over with a fresh id and no data (call at login, against session fixation). With a
   * denylist, the old id is revoked. Set the data afterwards.
   * @throws `ERR_SESSION_STATE` after `destroy()`; `ERR_DENYLIST_UNAVAILABLE`.
   */
  regenerate(): Promise<void>
  regenerate(callback: SessionCallback): void
  /**
   * Ends the session: clears the cookie and, with a denylist, revokes the id so that copies of
   * the cookie stop working (`{ everywhere: true }`: every session of its user). `req.session` is
   * then undefined, as with express-session. A session whose revocation check failed is revoked
   * by the id and user its cookie decoded to, or the call fails: it never succeeds without revoking.
   * @throws `ERR_DENYLIST_UNAVAILABLE` when the revocation was not stored (the cookie is still
   *   cleared: tell the user the sign-out did not reach the server).
   */
  destroy(options?: DestroyOptions): Promise<void>
  destroy(callback: SessionCallback): void
  /**
   * Seals the data now. Optional: unsaved changes are saved before the response headers go out.
   * @throws `ERR_SESSION_STATE` after `destroy()`; `ERR_DATA_UNSERIALIZABLE`; `ERR_SESSION_DATA`;
   *   `ERR_COOKIE_TOO_LARGE`; `ERR_DENYLIST_UNAVAILABLE`.
   */
  save(): Promise<void>
  save(callback: SessionCallback): void
  /**
   * Puts the data back as it was last sealed (or read) in this request. There is no store: it
   * cannot see what another request saved meanwhile.
   */
  reload(): Promise<void>
  reload(callback: SessionCallback): void
  /**
   * Resets the cookie's expiry to its original `maxAge` and re-sends it with this response
   * (express-session's `touch()`; with `rolling: true` every response does this).
   */
  touch(): void
}

/** `req.session`: the controls and the (augmentable) data, all optional until set. */
export type RequestSession = SessionControls & Partial<SessionData>

declare global {
  // Express's own declaration merging point (what express-session augments too).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The session, set by `session()` or `sessionMiddleware()` from `cachet/express`. */
      session: RequestSession
      /** The id of `req.session` (express-session's `req.sessionID`). */
      sessionID: string
    }
  }
}

/** What cachet uses of a Node `IncomingMessage` (or an Express `Request`). */
export interface NodeRequest {
  readonly method?: string | undefined
  readonly url?: string | undefined
  /** Express: the URL before mounting stripped a prefix. */
  readonly originalUrl?: string | undefined
  readonly headers: { readonly [name: string]: string | readonly string[] | undefined }
  readonly socket?: object | null | undefined
  /** Express: whether the request is HTTPS, under the app's `trust proxy` setting. */
  readonly secure?: boolean | undefined
  readonly body?: unknown
  session?: RequestSession | null | undefined
  sessionID?: string | undefined
}

/** What cachet uses of a Node `ServerResponse` (or an Express `Response`). */
export interface NodeResponse {
  readonly headersSent: boolean
  statusCode: number
  statusMessage: string
  getHeader(name: string): number | string | readonly string[] | undefined
  setHeader(name: string, value: string | readonly string[]): unknown
  writeHead(statusCode: number, ...rest: unknown[]): unknown
  write(chunk: unknown, ...rest: unknown[]): unknown
  end(...args: unknown[]): unknown
}

/** Express's `next`, or any callback that takes an error. */
export type NextFunction = (error?: unknown) => void

/** A connect-style middleware, usable with Express 4, Express 5 and plain `node:http`. */
export type NodeMiddleware = (req: NodeRequest, res: NodeResponse, next: NextFunction) => void
