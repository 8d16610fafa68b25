/**
 * Express (4 and 5) and `node:http` adapter with an express-session-like `req.session`:
 * properties read and written directly (`req.session.user = user`), `regenerate()`, `destroy()`
 * and `save()` taking callbacks or returning promises, `req.session.id`. There is no server
 * store: the session lives in the sealed cookie (or JWT) that `createSessions` makes.
 *
 * `req.session` is a proxy over two separate things: the data (a plain object, the only thing
 * sealed into the cookie) and the controls (`id`, `state`, `reason`, `regenerate`, `destroy`,
 * `save`), which are not data and cannot be overwritten. The `Set-Cookie` is written just before
 * the headers go out (`res.writeHead`, which every Node response path calls), and only when the
 * session changed, a rolling refresh or re-seal is due, or the session was regenerated or
 * destroyed. Changes left unsaved when `res.end()` is called are saved first (the response waits
 * for the seal); changes that miss the headers (streaming, or after the response) are reported
 * through `onError`, never thrown.
 *
 * Node-specific: the request and response types are declared structurally below, so that this
 * file compiles without `@types/node` alongside the edge-safe modules.
 *
 * @module
 */

import type { CookieWrite } from './cookie.js'
import type { Csrf, CsrfRejectReason } from './csrf.js'
import { SessionError } from './errors.js'
import type { RejectReason, Session, SessionState, Sessions } from './session/index.js'

// --- Types ---

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
  /** The session id (128 random bits, base64url). A fresh one after `regenerate()`. */
  readonly id: string
  /** `'active'` when the request carried a valid session; see `SessionState`. */
  readonly state: SessionState
  /** Why the request's cookie was rejected, when it was. Never show it to the client. */
  readonly reason: RejectReason | undefined
  /**
   * Starts over with a fresh id and no data (call at login, against session fixation). With a
   * denylist, the old id is revoked. Set the data afterwards.
   * @throws `ERR_SESSION_STATE` after `destroy()`; `ERR_DENYLIST_UNAVAILABLE`.
   */
  regenerate(): Promise<void>
  regenerate(callback: SessionCallback): void
  /**
   * Ends the session: clears the cookie and, with a denylist, revokes the id so that copies of
   * the cookie stop working. Terminal for this request.
   * @throws `ERR_DENYLIST_UNAVAILABLE` when the revocation was not stored (the cookie is still cleared).
   */
  destroy(): Promise<void>
  destroy(callback: SessionCallback): void
  /**
   * Seals the data now. Optional: unsaved changes are saved when the response ends. Call it
   * before streaming a response (`res.write`, `res.sendFile`), whose headers leave early.
   * @throws `ERR_SESSION_STATE` after `destroy()`; `ERR_DATA_UNSERIALIZABLE`; `ERR_SESSION_DATA`;
   *   `ERR_COOKIE_TOO_LARGE`; `ERR_DENYLIST_UNAVAILABLE`.
   */
  save(): Promise<void>
  save(callback: SessionCallback): void
}

/** `req.session`: the controls and the (augmentable) data, all optional until set. */
export type RequestSession = SessionControls & Partial<SessionData>

declare global {
  // Express's own declaration merging point (what express-session augments too).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The session, set by `sessionMiddleware` from `cachet/express`. */
      session: RequestSession
    }
  }
}

/** What cachet uses of a Node `IncomingMessage` (or an Express `Request`). */
export interface NodeRequest {
  readonly method?: string | undefined
  readonly headers: { readonly [name: string]: string | readonly string[] | undefined }
  readonly socket?: object | null | undefined
  readonly body?: unknown
  session?: RequestSession
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

// The response methods cachet wraps, as plain function-valued properties.
type Methods = Record<string, ((...args: unknown[]) => unknown) | undefined>

/** Express's `next`, or any callback that takes an error. */
export type NextFunction = (error?: unknown) => void

/** A connect-style middleware, usable with Express 4, Express 5 and plain `node:http`. */
export type NodeMiddleware = (req: NodeRequest, res: NodeResponse, next: NextFunction) => void

/** Options of {@link sessionMiddleware}. */
export interface SessionMiddlewareOptions {
  /**
   * Called (instead of throwing) when a session change cannot reach the client: changed and not
   * saved before the headers went out (a streamed response), or changed, saved, regenerated or
   * destroyed after they went out. The error is a `SessionError` `ERR_SESSION_STATE`, once per
   * request. Default: `process.emitWarning(error)`. Must not throw.
   */
  onError?: (error: SessionError) => void
}

// --- Session middleware ---

const CONTROL_KEYS = new Set(['id', 'state', 'reason', 'regenerate', 'destroy', 'save'])
const PROXIES = new WeakSet<object>()

function defaultOnError(error: SessionError): void {
  const runtime = (globalThis as { process?: { emitWarning?: (warning: Error) => void } }).process
  runtime?.emitWarning?.(error)
}

function settle(
  promise: Promise<void>,
  callback: SessionCallback | undefined,
): Promise<void> | undefined {
  if (callback === undefined) return promise
  if (typeof callback !== 'function') {
    throw new SessionError('ERR_SESSION_OPTIONS', 'the session callback must be a function')
  }
  promise.then(
    () => invoke(callback),
    (error: unknown) => invoke(callback, error),
  )
  return undefined
}

// Calls a callback (a user's, or `next`). As with callbacks called from any Node I/O, what it
// throws is an uncaught exception, not a swallowed one nor a rejection of cachet's promise.
function invoke(callback: SessionCallback, ...error: [] | [unknown]): void {
  try {
    callback(...error)
  } catch (thrown) {
    queueMicrotask(() => {
      throw thrown
    })
  }
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

function setCookieList(res: NodeResponse): string[] {
  const current = res.getHeader('set-cookie')
  if (current === undefined) return []
  return Array.isArray(current) ? current.map(String) : [String(current)]
}

// The headers given to writeHead(status, [message,] headers) are moved onto the response first
// (as the `on-headers` package does), so that a `Set-Cookie` among them and ours both survive:
// Node would otherwise let the writeHead headers replace the progressive ones by name.
function moveWriteHeadHeaders(res: NodeResponse, args: unknown[]): unknown[] {
  const index = typeof args[1] === 'string' ? 2 : 1
  const headers = args[index]
  if (headers === undefined || headers === null) return args
  const pairs: [string, unknown][] = []
  if (Array.isArray(headers)) {
    // Node 20: a flat [name, value, name, value, …] list; anything else is left to Node.
    if (headers.length % 2 !== 0 || headers.some((v, i) => i % 2 === 0 && typeof v !== 'string')) {
      return args
    }
    for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i] as string, headers[i + 1]])
  } else if (typeof headers === 'object') {
    pairs.push(...Object.entries(headers))
  } else {
    return args
  }
  const cookies: string[] = []
  let hasCookies = false
  for (const [name, value] of pairs) {
    if (name.toLowerCase() === 'set-cookie') {
      hasCookies = true
      // Header values are strings or numbers (Node stringifies them the same way).
      if (Array.isArray(value)) cookies.push(...value.map((v) => `${v as string}`))
      else if (value !== undefined) cookies.push(`${value as string}`)
    } else {
      res.setHeader(name, value as string | readonly string[])
    }
  }
  // writeHead's Set-Cookie replaces earlier ones, as in Node; several in a flat list all stay.
  if (hasCookies) res.setHeader('set-cookie', cookies)
  return args.slice(0, index)
}

/**
 * Creates the session middleware: reads the session from the request's cookie and sets
 * `req.session`. Mount it before the routes that use sessions. For plain `node:http`, call it
 * with a `next` callback (see the example); read the session with {@link getRequestSession}.
 *
 * When unsaved changes cannot be sealed at `res.end()` (too large, schema, denylist down), the
 * response is not sent and `next(error)` is called, as express-session does: Express's error
 * handler then answers.
 *
 * @param sessions The session manager from `createSessions` (sealed or JWT, with or without a
 *   denylist).
 * @param options See {@link SessionMiddlewareOptions}.
 * @returns A middleware `(req, res, next) => void`.
 * @throws `ERR_SESSION_OPTIONS` when `sessions` is not a session manager or `onError` is not a
 *   function.
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
 *     res.end(getRequestSession(req).state)
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
  const onError = options.onError ?? defaultOnError
  if (typeof onError !== 'function') {
    throw new SessionError('ERR_SESSION_OPTIONS', 'onError must be a function')
  }
  return function cachetSession(req, res, next) {
    if (req.session !== undefined) {
      next()
      return
    }
    sessions.read(readInputOf(req)).then(
      (session) => {
        req.session = attach(session, res, next, onError)
        invoke(next)
      },
      // read() never rejects for client input; this is a broken manager or hook.
      (error: unknown) => invoke(next, error),
    )
  }
}

// --- Per-request state ---

function attach<T extends object>(
  core: Session<T>,
  res: NodeResponse,
  next: NextFunction,
  onError: (error: SessionError) => void,
): RequestSession {
  // The data: a null-prototype object, so that a "__proto__" key is data like any other.
  const store: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  if (core.state === 'active') copyInto(store, core.data)
  // JSON of the data as last sealed (or read): the change detector. undefined: unknown.
  let sealed: string | undefined = snapshot(store)
  let queue: Promise<unknown> = Promise.resolve()
  let busy = 0
  let headersFired = false
  let ending = false
  let streaming = false
  let failed = false
  let reported = false

  const sent = () => headersFired || res.headersSent
  const dirty = () =>
    core.state !== 'destroyed' && (sealed === undefined || snapshot(store) !== sealed)
  const report = (message: string) => {
    if (reported) return
    reported = true
    try {
      onError(new SessionError('ERR_SESSION_STATE', message))
    } catch {
      // A reporting hook must not break the response.
    }
  }

  // Operations run one at a time, in call order: a save() not awaited still precedes res.end().
  // With none pending, one starts at once, so that what its synchronous part does (regenerate()
  // clearing the data, destroy() ending it) precedes the statements after the call: data set
  // right after a regenerate() not awaited belongs to the new session instead of being erased.
  function enqueue(operation: () => Promise<void>): Promise<void> {
    const idle = busy === 0
    busy++
    const run = (idle ? operation() : queue.then(operation)).finally(() => busy--)
    queue = run.catch(() => undefined)
    return run
  }

  async function save(): Promise<void> {
    if (sent()) {
      if (dirty())
        report('the session was saved after the response headers were sent; the change is lost')
      return
    }
    const data = { ...store }
    const json = snapshot(store)
    await core.save(data as T)
    sealed = json
  }

  async function regenerate(): Promise<void> {
    const pending = core.regenerate()
    if (core.state !== 'destroyed') {
      clear(store)
      sealed = '{}'
    }
    await pending
    if (sent())
      report('regenerate() after the response headers were sent: the cookie was not replaced')
  }

  async function destroy(): Promise<void> {
    const pending = core.destroy()
    clear(store)
    sealed = '{}'
    try {
      await pending
    } finally {
      if (sent())
        report('destroy() after the response headers were sent: the cookie was not cleared')
    }
  }

  const controls = {
    regenerate: (callback?: SessionCallback) => settle(enqueue(regenerate), callback),
    destroy: (callback?: SessionCallback) => settle(enqueue(destroy), callback),
    save: (callback?: SessionCallback) => settle(enqueue(save), callback),
  }

  const guard = (key: string | symbol) => {
    if (typeof key === 'string' && CONTROL_KEYS.has(key)) {
      throw new SessionError(
        'ERR_SESSION_STATE',
        `req.session.${key} is reserved and cannot be set`,
      )
    }
    if (core.state === 'destroyed') {
      throw new SessionError('ERR_SESSION_STATE', 'req.session was destroyed; it cannot hold data')
    }
  }
  const afterChange = () => {
    if (sent())
      report('the session changed after the response headers were sent; the change is lost')
  }

  const proxy = new Proxy(store, {
    get(target, key) {
      if (typeof key === 'string' && CONTROL_KEYS.has(key)) {
        if (key === 'id') return core.id
        if (key === 'state') return core.state
        if (key === 'reason') return core.reason
        return controls[key as keyof typeof controls]
      }
      return Reflect.get(target, key)
    },
    has(target, key) {
      return (typeof key === 'string' && CONTROL_KEYS.has(key)) || Reflect.has(target, key)
    },
    set(target, key, value) {
      guard(key)
      const done = Reflect.set(target, key, value)
      afterChange()
      return done
    },
    defineProperty(target, key, descriptor) {
      guard(key)
      // A non-configurable property could not be deleted: it would survive regenerate().
      if (descriptor.configurable === false) {
        throw new SessionError('ERR_SESSION_STATE', 'req.session data must stay configurable')
      }
      const done = Reflect.defineProperty(target, key, { ...descriptor, configurable: true })
      afterChange()
      return done
    },
    deleteProperty(target, key) {
      guard(key)
      const done = Reflect.deleteProperty(target, key)
      afterChange()
      return done
    },
    // A frozen store would keep its data through regenerate() (and re-seal it under the new id);
    // a prototype would be read through as data. Both are refused.
    preventExtensions() {
      throw new SessionError('ERR_SESSION_STATE', 'req.session cannot be frozen or sealed')
    },
    setPrototypeOf() {
      throw new SessionError('ERR_SESSION_STATE', 'req.session cannot take a prototype')
    },
  }) as unknown as RequestSession
  PROXIES.add(proxy)

  // Just before the headers go out: add the cookie writes. Never throws for session reasons.
  const methods = res as unknown as Methods
  const originalWriteHead = methods.writeHead!
  methods.writeHead = function writeHead(this: unknown, ...args: unknown[]) {
    let forwarded = args
    if (!headersFired && !res.headersSent) {
      const status = args[0]
      if (
        !streaming &&
        !failed &&
        !ending &&
        (busy > 0 || dirty()) &&
        typeof status === 'number' &&
        Number.isInteger(status) &&
        status >= 200 &&
        status <= 999
      ) {
        // An explicit writeHead() with unsaved changes (`res.writeHead(200, headers).end(body)`):
        // keep its status and headers on the response and let the head go out with the body,
        // after res.end() has sealed the session. A res.write() in between sends it unsaved.
        res.statusCode = status
        if (typeof args[1] === 'string') res.statusMessage = args[1]
        moveWriteHeadHeaders(res, args)
        return res
      }
      headersFired = true
      if (!failed && (busy > 0 || dirty())) {
        report(
          'the session changed but was not saved before the response headers were sent: ' +
            'await req.session.save() before streaming a response',
        )
      }
      const writes: readonly CookieWrite[] = core.writes
      if (writes.length > 0) {
        forwarded = moveWriteHeadHeaders(res, args)
        res.setHeader('set-cookie', [...setCookieList(res), ...writes.map((w) => w.header)])
        // A response that sets a session must not be stored by shared caches.
        res.setHeader('cache-control', 'private, no-store')
      }
    }
    return originalWriteHead.apply(res, forwarded)
  }

  // res.write() and res.flushHeaders() send the head at once (Node calls writeHead from them):
  // from then on writeHead is never postponed.
  for (const method of ['write', 'flushHeaders'] as const) {
    const original = methods[method]
    if (typeof original !== 'function') continue
    methods[method] = function (this: unknown, ...args: unknown[]) {
      streaming = true
      return original.apply(res, args)
    }
  }

  // res.end(): seal unsaved changes first (asynchronous), then end. Express's send, json,
  // redirect and render all end here.
  const originalEnd = methods.end!
  methods.end = function end(this: unknown, ...args: unknown[]) {
    if (ending || sent() || (busy === 0 && !dirty())) {
      return originalEnd.apply(res, args)
    }
    ending = true
    enqueue(async () => {
      if (!sent() && dirty()) await save()
    }).then(
      () => {
        try {
          originalEnd.apply(res, args)
        } catch (error) {
          // What Node would have thrown into the route (an invalid header, say) goes where
          // Express sends a route's exceptions.
          failed = true
          invoke(next, error)
        }
      },
      (error: unknown) => {
        failed = true
        invoke(next, error)
      },
    )
    return res
  }

  return proxy
}

function snapshot(store: object): string | undefined {
  try {
    return JSON.stringify(store)
  } catch {
    // BigInt, a cycle: the save will report it with a typed error.
    return undefined
  }
}

function copyInto(store: Record<string, unknown>, data: unknown): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return
  for (const key of Object.keys(data)) {
    Object.defineProperty(store, key, {
      value: (data as Record<string, unknown>)[key],
      writable: true,
      enumerable: true,
      configurable: true,
    })
  }
}

function clear(store: Record<string, unknown>): void {
  for (const key of Reflect.ownKeys(store)) Reflect.deleteProperty(store, key)
}

/**
 * The session `sessionMiddleware` set on a request: typed access for `node:http` handlers
 * (Express handlers use `req.session`).
 *
 * @throws `ERR_SESSION_STATE` when the middleware has not run for this request.
 * @example
 * ```ts
 * handle(req, res, () => res.end(getRequestSession(req).state))
 * ```
 */
export function getRequestSession(req: object): RequestSession {
  const session = (req as { session?: unknown }).session
  if (typeof session !== 'object' || session === null || !PROXIES.has(session)) {
    throw new SessionError('ERR_SESSION_STATE', 'sessionMiddleware has not run for this request')
  }
  return session as RequestSession
}

// --- CSRF middleware ---

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
 * body (mount `express.urlencoded()` first). Mount after {@link sessionMiddleware}. Make tokens
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
    if (typeof session !== 'object' || session === null || !PROXIES.has(session)) {
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
