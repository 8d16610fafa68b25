/**
 * One request's session: `req.session` (a proxy over the data, with the controls beside it) and
 * the bookkeeping that decides what must be sealed before the response headers go out.
 *
 * The data is a plain object and the only thing sealed (with `cookie`, under `session()`). The
 * controls (`id`, `state`, `reason`, `cookie`, `regenerate`, `destroy`, `save`, `reload`,
 * `touch`) are not data and cannot be overwritten.
 *
 * @module
 */

import { SessionError } from '../errors.js'
import type { DestroyOptions, Session } from '../session/index.js'
import type { RequestCookie } from './cookie.js'
import type { NodeRequest, RequestSession, SessionCallback } from './types.js'

/** How the request's session behaves: express-session's options, or the cachet-native ones. */
export interface SessionBehaviour {
  /** Seal a new session nobody changed (express-session's default). */
  readonly saveUninitialized: boolean
  /** Re-send the cookie, with a fresh expiry, on every response. */
  readonly rolling: boolean
  /** What `req.session = null` (or `delete req.session`) does. */
  readonly unset: 'keep' | 'destroy'
  /** Where session changes that cannot reach the client are reported. Must not throw. */
  readonly onError: (error: SessionError) => void
}

/** What `session()` adds: the per-session cookie and whether it may be set on this request. */
export interface CookieControl {
  /** A fresh cookie from the options (a new or regenerated session). */
  readonly create: () => RequestCookie
  /** False for a Secure cookie on a plain-http request: nothing is written (express-session). */
  readonly canSet: (cookie: RequestCookie) => boolean
}

type Work = 'save' | 'save-uninitialized' | 'destroy'

const BASE_CONTROLS = ['id', 'state', 'reason', 'regenerate', 'destroy', 'save', 'reload', 'touch']
const PROXIES = new WeakSet<object>()

/** True when `value` is a `req.session` made by this module. */
export function isRequestSession(value: unknown): value is RequestSession {
  return typeof value === 'object' && value !== null && PROXIES.has(value)
}

/** JSON of the data: the change detector. undefined for data JSON cannot hold. */
function snapshot(store: object): string | undefined {
  try {
    return JSON.stringify(store)
  } catch {
    // BigInt, a cycle: the save reports it with a typed error.
    return undefined
  }
}

function copyInto(store: Record<string, unknown>, data: unknown, skip: string | undefined): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return
  for (const key of Object.keys(data)) {
    if (key === skip) continue
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

/**
 * Calls a callback (a user's, or `next`). As with callbacks called from any Node I/O, what it
 * throws is an uncaught exception, not a swallowed one nor a rejection of cachet's promise.
 */
export function invoke(callback: SessionCallback, ...error: [] | [unknown]): void {
  try {
    callback(...error)
  } catch (thrown) {
    queueMicrotask(() => {
      throw thrown
    })
  }
}

/** The session of one request. */
export class SessionHandle {
  readonly proxy: RequestSession
  /** The data: a null-prototype object, so that a "__proto__" key is data like any other. */
  readonly store: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  cookie: RequestCookie | undefined
  /** Whether the response headers went out (set by the response hook). */
  sent: () => boolean = () => false
  /** Operations in flight (save, regenerate, destroy, the pre-headers seal). */
  busy = 0
  /** A seal before the headers failed: the response went to `next(error)`. */
  failed = false
  #queue: Promise<unknown> = Promise.resolve()
  #sealed: string | undefined
  #sealedCookie: string | undefined
  #lastSealed: Record<string, unknown> = {}
  #destroyed = false
  #savedOnce = false
  #rolled = false
  #touched = false
  #reported = false

  constructor(
    readonly core: Session<object>,
    readonly req: NodeRequest,
    readonly behaviour: SessionBehaviour,
    readonly cookies: CookieControl | undefined,
    cookie: RequestCookie | undefined,
  ) {
    this.cookie = cookie
    if (core.state === 'active') copyInto(this.store, core.data, cookies ? 'cookie' : undefined)
    this.#markSealed()
    this.proxy = this.#makeProxy()
    PROXIES.add(this.proxy)
  }

  #markSealed(): void {
    this.#sealed = snapshot(this.store)
    this.#sealedCookie = this.cookie?.settingsKey()
    this.#lastSealed = { ...this.store }
  }

  /** Reports a change that cannot reach the client, once per request. */
  report(message: string): void {
    if (this.#reported) return
    this.#reported = true
    try {
      this.behaviour.onError(new SessionError('ERR_SESSION_STATE', message))
    } catch {
      // A reporting hook must not break the response.
    }
  }

  #isModified(): boolean {
    return (
      this.#sealed === undefined ||
      snapshot(this.store) !== this.#sealed ||
      this.cookie?.settingsKey() !== this.#sealedCookie
    )
  }

  /** What must happen before the headers go out, if anything. */
  pendingWork(): Work | undefined {
    if (this.failed || this.#destroyed) return undefined
    if (this.req.session !== this.proxy) {
      return this.behaviour.unset === 'destroy' ? 'destroy' : undefined
    }
    if (this.cookie && this.cookies && !this.cookies.canSet(this.cookie)) {
      if (this.#isModified()) this.report('a Secure session cookie cannot be set over plain http')
      return undefined
    }
    if (this.#isModified()) return 'save'
    if (this.core.state === 'active') {
      return (this.behaviour.rolling && !this.#rolled) || this.#touched ? 'save' : undefined
    }
    if (
      this.behaviour.saveUninitialized &&
      !this.#savedOnce &&
      this.core.reason !== 'denylist-unavailable'
    ) {
      return 'save-uninitialized'
    }
    return undefined
  }

  /** Runs what must happen before the headers go out. Rejects when a needed save failed. */
  prepare(): Promise<void> {
    return this.enqueue(async () => {
      // A change made while a seal was running is sealed by the next turn.
      for (let turn = 0; turn < 3; turn++) {
        const work = this.pendingWork()
        if (work === undefined) return
        if (work === 'destroy') {
          await this.#destroy()
        } else if (work === 'save') {
          await this.#save()
        } else {
          // An untouched new session that cannot be sealed (denylist down) is not worth a 500.
          await this.#save().catch(() => {
            this.#savedOnce = true
            this.report('the new, uninitialized session could not be saved')
          })
        }
      }
    })
  }

  /** The `Set-Cookie` values of this response. Never throws. */
  cookieHeaders(): string[] {
    const writes = this.core.writes
    if (writes.length === 0) return []
    const cookie = this.cookie
    if (!cookie || !this.cookies) return writes.map((w) => w.header)
    if (!this.cookies.canSet(cookie)) return []
    try {
      return writes.map((w) => cookie.header(w, this.core.expiresAtMs))
    } catch (error) {
      this.report(`the session cookie was not set: ${(error as Error).message}`)
      return []
    }
  }

  // Operations run one at a time, in call order: a save() not awaited still precedes res.end().
  // With none pending, one starts at once, so that what its synchronous part does (regenerate()
  // clearing the data, destroy() ending it) precedes the statements after the call: data set
  // right after a regenerate() not awaited belongs to the new session instead of being erased.
  enqueue(operation: () => Promise<void>): Promise<void> {
    const idle = this.busy === 0
    this.busy++
    const run = (idle ? operation() : this.#queue.then(operation)).finally(() => this.busy--)
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #save(): Promise<void> {
    if (this.sent()) {
      if (this.#isModified())
        this.report(
          'the session was saved after the response headers were sent; the change is lost',
        )
      return
    }
    const data: Record<string, unknown> = { ...this.store }
    if (this.cookie) {
      this.cookie.touch()
      data.cookie = this.cookie.toJSON()
    }
    const json = snapshot(this.store)
    const cookieKey = this.cookie?.settingsKey()
    await this.core.save(data)
    this.#sealed = json
    this.#sealedCookie = cookieKey
    this.#lastSealed = { ...this.store }
    this.#savedOnce = this.#rolled = true
    this.#touched = false
  }

  async #regenerate(): Promise<void> {
    const pending = this.core.regenerate()
    if (!this.#destroyed) {
      clear(this.store)
      if (this.cookies) this.cookie = this.cookies.create()
      this.#markSealed()
      this.#savedOnce = false
    }
    await pending
    if (this.sent())
      this.report('regenerate() after the response headers were sent: the cookie was not replaced')
  }

  async #destroy(options?: DestroyOptions): Promise<void> {
    const pending = this.core.destroy(options)
    clear(this.store)
    this.#markSealed()
    this.#destroyed = true
    // As in express-session: req.session is gone; a reference kept to it refuses data.
    if (this.req.session === this.proxy) delete this.req.session
    try {
      await pending
    } finally {
      if (this.sent())
        this.report('destroy() after the response headers were sent: the cookie was not cleared')
    }
  }

  async #reload(): Promise<void> {
    if (this.#destroyed) throw new SessionError('ERR_SESSION_STATE', 'reload() after destroy()')
    clear(this.store)
    copyInto(this.store, this.#lastSealed, undefined)
    await Promise.resolve()
  }

  #controls: Record<string, unknown> = {
    regenerate: (callback?: SessionCallback) =>
      settle(
        this.enqueue(() => this.#regenerate()),
        callback,
      ),
    // express-session's destroy(callback), plus cachet's destroy({ everywhere }) (a promise).
    destroy: (arg?: SessionCallback | DestroyOptions) =>
      typeof arg === 'function'
        ? settle(
            this.enqueue(() => this.#destroy()),
            arg,
          )
        : settle(
            this.enqueue(() => this.#destroy(arg)),
            undefined,
          ),
    save: (callback?: SessionCallback) =>
      settle(
        this.enqueue(() => this.#save()),
        callback,
      ),
    reload: (callback?: SessionCallback) =>
      settle(
        this.enqueue(() => this.#reload()),
        callback,
      ),
    touch: () => {
      this.#touched = true
      this.cookie?.touch()
    },
  }

  #control(key: string): unknown {
    if (key === 'id') return this.core.id
    if (key === 'state') return this.core.state
    if (key === 'reason') return this.core.reason
    if (key === 'cookie') return this.cookie
    return this.#controls[key]
  }

  #isControl(key: string | symbol): boolean {
    return (
      typeof key === 'string' &&
      (BASE_CONTROLS.includes(key) || (key === 'cookie' && this.cookie !== undefined))
    )
  }

  #guard(key: string | symbol): void {
    if (this.#isControl(key)) {
      throw new SessionError(
        'ERR_SESSION_STATE',
        `req.session.${String(key)} is reserved and cannot be set`,
      )
    }
    if (this.#destroyed) {
      throw new SessionError('ERR_SESSION_STATE', 'req.session was destroyed; it cannot hold data')
    }
  }

  #afterChange(): void {
    if (this.sent())
      this.report('the session changed after the response headers were sent; the change is lost')
  }

  #makeProxy(): RequestSession {
    return SessionHandle.#proxyOf(this)
  }

  static #proxyOf(handle: SessionHandle): RequestSession {
    return new Proxy(handle.store, {
      get(target, key) {
        if (handle.#isControl(key)) return handle.#control(key as string)
        if (Object.hasOwn(target, key)) return Reflect.get(target, key)
        // An ordinary object to code that inspects it: hasOwnProperty, toString, valueOf…
        if (key !== '__proto__' && key in Object.prototype)
          return Reflect.get(Object.prototype, key, handle.proxy)
        return undefined
      },
      has(target, key) {
        return handle.#isControl(key) || Reflect.has(target, key) || key in Object.prototype
      },
      ownKeys(target) {
        const keys = Reflect.ownKeys(target)
        return handle.cookie !== undefined ? ['cookie', ...keys] : keys
      },
      getOwnPropertyDescriptor(target, key) {
        if (key === 'cookie' && handle.cookie !== undefined) {
          return { value: handle.cookie, writable: true, enumerable: true, configurable: true }
        }
        return Reflect.getOwnPropertyDescriptor(target, key)
      },
      getPrototypeOf() {
        return Object.prototype
      },
      set(target, key, value) {
        handle.#guard(key)
        const done = Reflect.set(target, key, value)
        handle.#afterChange()
        return done
      },
      defineProperty(target, key, descriptor) {
        handle.#guard(key)
        // A non-configurable property could not be deleted: it would survive regenerate().
        if (descriptor.configurable === false) {
          throw new SessionError('ERR_SESSION_STATE', 'req.session data must stay configurable')
        }
        const done = Reflect.defineProperty(target, key, { ...descriptor, configurable: true })
        handle.#afterChange()
        return done
      },
      deleteProperty(target, key) {
        handle.#guard(key)
        const done = Reflect.deleteProperty(target, key)
        handle.#afterChange()
        return done
      },
      // A frozen store would keep its data through regenerate() (and re-seal it under the new
      // id); a prototype would be read through as data. Both are refused.
      preventExtensions() {
        throw new SessionError('ERR_SESSION_STATE', 'req.session cannot be frozen or sealed')
      },
      setPrototypeOf() {
        throw new SessionError('ERR_SESSION_STATE', 'req.session cannot take a prototype')
      },
    }) as unknown as RequestSession
  }
}
