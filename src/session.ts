/**
 * Sessions: turn a request's cookie into a typed `Session<T>` and back into cookie writes.
 *
 * Lifetimes (absolute from creation, optional idle timeout), throttled rolling refresh, re-sealing
 * under the current key, optional schema validation and optional revocation through a denylist.
 * This module never touches a framework object: adapters apply `session.writes`.
 *
 * @module
 */

import {
  createSessionCookie,
  MAX_COOKIE_AGE_SECONDS,
  type CookieOptions,
  type CookieWrite,
  type SessionCookie,
} from './cookie.js'
import type { Denylist } from './denylist/index.js'
import { isSessionError, SessionError, type SessionIssue } from './errors.js'
import { createKeyRing, type KeyRing, type KeyRingOptions, type Secret } from './keys.js'
import { openSealed, seal } from './seal.js'
import { authorizationOf, parseBearer } from './_internal/bearer.js'
import { randomBytes, toBase64url } from './_internal/bytes.js'
import { selectAuthentic } from './_internal/authentic.js'
import { checkRevocation } from './denylist/check.js'
import { nativeBackend } from './_internal/xaes.js'
import { issuesOf, type StandardSchemaV1 } from './_internal/standard-schema.js'

export type { StandardSchemaV1 }

// --- Types ---

/** Why a cookie did not give an active session. Reported to `onReject`, never to the client. */
export type RejectReason =
  /** Malformed, tampered with, truncated, sealed for another purpose or another app. */
  | 'invalid'
  /** Chunk cookies only, none of them a candidate (a gap at index 0, a value outside the alphabet). */
  | 'invalid-chunks'
  /** Sealed with a key id the ring does not hold. */
  | 'unknown-key'
  /** Past its absolute expiry. */
  | 'expired'
  /** Unused for longer than `idleTimeoutSeconds`. */
  | 'idle-timeout'
  /** The data failed the configured schema. */
  | 'schema'
  /** The session id was revoked (logout, regenerate). */
  | 'session-revoked'
  /** The user's sessions were revoked ("log out everywhere"). */
  | 'user-revoked'
  /** Every session was revoked. */
  | 'epoch-revoked'
  /** The denylist could not be asked (fail-closed default). */
  | 'denylist-unavailable'
  /**
   * Two different cookie values (or chunk sets) under the session cookie's names authenticate,
   * or more than `maxChunks + 4` candidates were sent: a planted cookie must not pick the session.
   */
  | 'ambiguous'

/** A session's state. Only `active` has data. */
export type SessionState = 'new' | 'active' | 'expired' | 'invalid' | 'revoked' | 'destroyed'

/** The fields every session has. */
export interface SessionBase<T> {
  /** Why the request's cookie was rejected, when it was. */
  readonly reason: RejectReason | undefined
  /** The session id: 128 random bits, base64url. A new, anonymous session has a fresh one. */
  readonly id: string
  /** Absolute expiry (ms since epoch) of an active session; undefined otherwise. */
  readonly expiresAtMs: number | undefined
  /** When the session was created (login), ms since epoch; undefined unless active. */
  readonly createdAtMs: number | undefined
  /** When the idle timeout ends, ms since epoch; undefined without an idle timeout. */
  readonly idleExpiresAtMs: number | undefined
  /** The cookie writes this session needs (refresh, save, regenerate, destroy). Adapters apply them. */
  readonly writes: readonly CookieWrite[]
  /**
   * The token this request issued (save or refresh), undefined when none was. Bearer clients get
   * no Set-Cookie on refresh: return this to them (body or header) if they should keep it.
   */
  readonly token: string | undefined
  /** Where the request's credential came from: the session cookie, `Authorization: Bearer`, or none. */
  readonly source: 'cookie' | 'bearer' | undefined
  /**
   * Seals the data (given, or the current `data`) and records the cookie write. On an anonymous
   * session this starts a new session (call `regenerate()` first at login).
   * @throws `ERR_SESSION_STATE` after `destroy()`; `ERR_DATA_UNSERIALIZABLE`; `ERR_SESSION_DATA`
   *   when a schema rejects the data; `ERR_COOKIE_TOO_LARGE`; `ERR_DENYLIST_UNAVAILABLE` when a
   *   new session's versions could not be read.
   */
  save(data?: T): Promise<void>
  /**
   * Starts over with a fresh id and no data (call at login, against session fixation); revokes
   * the previous id when a denylist is configured. Follow with `save(data)`.
   * @throws `ERR_SESSION_STATE` after `destroy()`; `ERR_DENYLIST_UNAVAILABLE`.
   */
  regenerate(): Promise<void>
  /**
   * Ends the session: clears the cookie and, with a denylist, revokes the id so that copies of
   * the cookie stop working too. Terminal: a later `save()` throws.
   * @throws `ERR_DENYLIST_UNAVAILABLE` when the revocation was not stored (the cookie is still cleared).
   */
  destroy(): Promise<void>
}

/** A session with valid data. */
export interface ActiveSession<T> extends SessionBase<T> {
  readonly state: 'active'
  /** The session data. Mutate it, then `save()`. */
  data: T
  /** The user id taken from the data by `options.userId`, if any. */
  readonly userId: string | undefined
}

/** A session without valid data: new, rejected or destroyed. */
export interface AnonymousSession<T> extends SessionBase<T> {
  readonly state: Exclude<SessionState, 'active'>
  /** Empty until saved: nothing in it came from the client. */
  data: Partial<T>
  readonly userId: undefined
}

/** A session: narrow on `state` to reach typed data. */
export type Session<T> = ActiveSession<T> | AnonymousSession<T>

/** What `read` accepts: a Fetch `Request`, `Headers`, a Cookie header string, or nothing. */
export type SessionInput = Request | Headers | string | null | undefined

/** The claims a strategy encodes. */
export interface SessionEnvelope {
  readonly sessionId: string
  readonly createdAtMs: number
  readonly lastSeenMs: number
  /** Absent or undefined: the data names no user. */
  readonly userId?: string | undefined
  /** Absent or undefined without a denylist. */
  readonly userVersion?: number | undefined
  /** Absent or undefined without a denylist. */
  readonly epoch?: number | undefined
  readonly data: unknown
}

/** A result of decoding a cookie or token. */
export type DecodeResult =
  | {
      readonly ok: true
      readonly envelope: SessionEnvelope
      readonly expiresAtMs: number
      readonly stale: boolean
    }
  | { readonly ok: false; readonly reason: RejectReason }

/**
 * How a session is encoded: the sealed cookie (default) or a signed JWT (`cachet/jwt`).
 * Implementations never throw from `decode`.
 */
export interface SessionStrategy {
  readonly name: string
  /**
   * Also read `Authorization: Bearer <token>` (RFC 6750 §2.1) when the request has no session
   * cookie. Never a query string.
   */
  readonly bearer?: boolean
  encode(envelope: SessionEnvelope, expiresAtMs: number, nowMs: number): string | Promise<string>
  decode(token: string, nowMs: number): DecodeResult | Promise<DecodeResult>
}

/** Options of {@link createSessions}. */
export interface SessionOptions<T> {
  /** A secret (32+ bytes), a key ring, or `{ current, keys }`. */
  keys: Secret | KeyRing | KeyRingOptions
  /** Cookie settings; secure defaults (`__Host-session`, Secure, HttpOnly, SameSite=Lax, Path=/). */
  cookie?: CookieOptions
  /** Absolute lifetime from creation (login), kept across refreshes. Whole seconds, 1 s to 400 days. Default 7 days. */
  maxAgeSeconds?: number
  /** Optional idle timeout: a session unused this long is expired. */
  idleTimeoutSeconds?: number
  /**
   * Rolling refresh: re-issue the cookie when it was last issued this long ago. Default: a quarter
   * of the idle timeout; no rolling refresh without an idle timeout. Must be below the idle timeout.
   */
  refreshAfterSeconds?: number
  /** `'sealed'` (default) or a strategy such as `jwtStrategy()` from `cachet/jwt`. */
  strategy?: 'sealed' | ((context: StrategyContext) => SessionStrategy)
  /** Optional revocation store (`cachet/denylist`). */
  denylist?: Denylist
  /** With a denylist that fails: `'deny'` (default, fail closed) or `'allow'`. */
  onDenylistError?: 'deny' | 'allow'
  /** Optional Standard Schema (zod, valibot, arktype) the data must pass on read and save. */
  schema?: StandardSchemaV1<unknown, T>
  /** Which user a session belongs to, for "log out everywhere". Default: `data.userId` if a string. */
  userId?: (data: T) => string | undefined
  /** Called with the reason whenever a cookie is rejected. Must not throw (errors are swallowed). */
  onReject?: (reason: RejectReason) => void
  /**
   * Clock, whole ms since epoch. Default `Date.now`. Called once at construction to check it; a
   * later non-integer or non-finite time makes `save()` throw `ERR_SESSION_OPTIONS` and `read()`
   * give an anonymous `invalid` session.
   */
  now?: () => number
  /** Allowed clock difference between instances, added to revocation TTLs. Whole seconds, 0–3600. Default 60. */
  clockSkewSeconds?: number
  /** AEAD backend of the sealed strategy. Default `'auto'`. */
  backend?: 'auto' | 'native' | 'portable'
}

/** What a strategy factory receives from `createSessions`. */
export interface StrategyContext {
  readonly keys: KeyRing
  readonly purpose: string
  readonly backend: 'auto' | 'native' | 'portable'
  /** Longest token accepted: the chunk cap times 4096 bytes. */
  readonly maxTokenLength: number
  /**
   * The sessions' absolute lifetime (`maxAgeSeconds`): a strategy whose tokens carry their own
   * lifetime refuses one longer than this. Absent: the 400-day cap.
   */
  readonly maxAgeSeconds?: number
}

/**
 * How an adapter takes part in a session's writes, for frameworks whose cookie API must be called
 * as writes happen (Next's `cookies().set()`), rather than once on the response.
 */
export interface SessionWriter {
  /** Called before `save()`, `regenerate()` or `destroy()` has any effect; throw to refuse it. */
  guard?(): void
  /**
   * Called with the session's writes as soon as `save()`, `regenerate()` or `destroy()` computed
   * them (before any denylist call, so a logout clears the cookie even when revocation fails).
   * A throw rejects the call.
   */
  apply?(writes: readonly CookieWrite[]): void
}

/** Options of `sessions.read()`. */
export interface ReadOptions {
  readonly writer?: SessionWriter
}

/** A session manager. Create one per app with {@link createSessions}. */
export interface Sessions<T> {
  /** The validated cookie configuration (adapters use it). */
  readonly cookie: SessionCookie
  /** The key ring. */
  readonly keys: KeyRing
  /**
   * Reads the session of a request. Never throws for anything the client sent.
   * @param options.writer How an adapter applies writes as they happen (see {@link SessionWriter}).
   */
  read(input: SessionInput, options?: ReadOptions): Promise<Session<T>>
  /**
   * Revokes one session by id (needs a denylist).
   * @throws `ERR_DENYLIST_UNAVAILABLE`, `ERR_SESSION_OPTIONS` without a denylist.
   */
  revoke(sessionId: string): Promise<void>
  /** "Log out everywhere" for a user, optionally keeping one session (needs a denylist). */
  revokeUser(userId: string, options?: { except?: string }): Promise<void>
  /** Revokes every session (needs a denylist). */
  revokeAll(): Promise<void>
}

// --- Options ---

const DAY = 24 * 3600
const DEFAULT_MAX_AGE = 7 * DAY
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/

function optionError(message: string): never {
  throw new SessionError('ERR_SESSION_OPTIONS', message)
}

// Whole seconds only: a fractional lifetime would make every save() fail later (Max-Age and the
// revocation TTLs are integers), so it fails here instead.
function positiveSeconds(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    optionError(`${name} must be a whole number of seconds from 1 to ${max}`)
  }
  return value
}

/**
 * The clock, checked once at construction (a non-integer, negative or non-finite time would only
 * fail at the first save) and again on every call: a clock that turns bad later throws
 * `ERR_SESSION_OPTIONS`, which `save()` passes on and `read()` turns into an anonymous session
 * (`invalid`): without a trustworthy time no expiry can be judged. No crypto runs here.
 */
function checkedClock(clock: () => number): () => number {
  const now = () => {
    const ms: unknown = clock()
    if (!Number.isSafeInteger(ms) || (ms as number) < 0)
      optionError('now() must return whole milliseconds since the epoch')
    return ms as number
  }
  now()
  return now
}

const defaultUserId = (data: unknown): string | undefined => {
  const id = (data as { userId?: unknown } | null)?.userId
  return typeof id === 'string' && id.length > 0 ? id : undefined
}

// --- Sealed strategy ---

// Compact claim names inside the seal: i id, c created, l last seen, u user, v user version,
// p epoch, d data.
function sealedStrategy(context: StrategyContext): SessionStrategy {
  const { keys, purpose, backend, maxTokenLength } = context
  return {
    name: 'sealed',
    encode(envelope, expiresAtMs, nowMs) {
      const claims: Record<string, unknown> = {
        i: envelope.sessionId,
        c: envelope.createdAtMs,
        l: envelope.lastSeenMs,
      }
      if (envelope.userId !== undefined) claims.u = envelope.userId
      if (envelope.userVersion !== undefined) claims.v = envelope.userVersion
      if (envelope.epoch !== undefined) claims.p = envelope.epoch
      claims.d = envelope.data
      return seal(claims, { keys, purpose, backend, expiresAtMs, now: () => nowMs })
    },
    decode(token, nowMs) {
      let opened
      try {
        opened = openSealed(token, {
          keys,
          purpose,
          backend,
          maxLength: maxTokenLength,
          now: () => nowMs,
        })
      } catch (error) {
        if (isSessionError(error, 'ERR_SEAL_EXPIRED')) return { ok: false, reason: 'expired' }
        if (isSessionError(error, 'ERR_KEY_UNKNOWN')) return { ok: false, reason: 'unknown-key' }
        return { ok: false, reason: 'invalid' }
      }
      const c = opened.data as Record<string, unknown> | null
      if (
        typeof c !== 'object' ||
        c === null ||
        Array.isArray(c) ||
        typeof c.i !== 'string' ||
        !SESSION_ID.test(c.i) ||
        !Number.isSafeInteger(c.c) ||
        !Number.isSafeInteger(c.l) ||
        (c.u !== undefined && typeof c.u !== 'string') ||
        (c.v !== undefined && !Number.isSafeInteger(c.v)) ||
        (c.p !== undefined && !Number.isSafeInteger(c.p)) ||
        !('d' in c)
      ) {
        return { ok: false, reason: 'invalid' }
      }
      const envelope: SessionEnvelope = {
        sessionId: c.i,
        createdAtMs: c.c as number,
        lastSeenMs: c.l as number,
        userId: c.u,
        userVersion: c.v as number | undefined,
        epoch: c.p as number | undefined,
        data: c.d,
      }
      return {
        ok: true,
        envelope,
        expiresAtMs: opened.expiresAtMs,
        stale: opened.kid !== keys.current,
      }
    },
  }
}

// --- Reading input ---

function cookieHeaderOf(input: SessionInput): string | undefined {
  try {
    if (input === null || input === undefined) return undefined
    if (typeof input === 'string') return input
    if (typeof (input as Headers).get === 'function')
      return (input as Headers).get('cookie') ?? undefined
    const headers = (input as Request).headers
    if (headers && typeof headers.get === 'function') return headers.get('cookie') ?? undefined
  } catch {
    // A hostile or broken input object reads as no cookie.
  }
  return undefined
}

function newSessionId(): string {
  return toBase64url(randomBytes(16))
}

// --- Manager ---

/**
 * Creates a session manager. All options are validated here, once.
 *
 * @throws `ERR_KEY_WEAK`, `ERR_KEY_RING_INVALID` for keys; `ERR_COOKIE_OPTIONS` for cookie
 *   attributes; `ERR_SESSION_OPTIONS` for lifetimes, hooks and schema.
 * @example
 * ```ts
 * const sessions = createSessions<{ userId: string }>({
 *   keys: process.env.SESSION_SECRET!,
 *   maxAgeSeconds: 7 * 24 * 3600,
 *   idleTimeoutSeconds: 30 * 60,
 * })
 * const session = await sessions.read(request)
 * if (session.state === 'active') console.log(session.data.userId)
 * ```
 */
export function createSessions<T extends object = Record<string, unknown>>(
  options: SessionOptions<T>,
): Sessions<T> {
  if (typeof options !== 'object' || options === null)
    optionError('createSessions needs an options object')
  const keys = createKeyRing(options.keys)
  const cookie = createSessionCookie(options.cookie)
  if (Number.isFinite(options.maxAgeSeconds) && options.maxAgeSeconds! > MAX_COOKIE_AGE_SECONDS) {
    throw new SessionError(
      'ERR_COOKIE_OPTIONS',
      'maxAgeSeconds must be at most 400 days (RFC 6265bis §5.6.2)',
    )
  }
  const maxAgeSeconds = positiveSeconds(
    'maxAgeSeconds',
    options.maxAgeSeconds ?? DEFAULT_MAX_AGE,
    MAX_COOKIE_AGE_SECONDS,
  )
  const idleSeconds =
    options.idleTimeoutSeconds === undefined
      ? undefined
      : positiveSeconds('idleTimeoutSeconds', options.idleTimeoutSeconds, maxAgeSeconds)
  let refreshSeconds: number | undefined
  if (options.refreshAfterSeconds !== undefined) {
    refreshSeconds = positiveSeconds(
      'refreshAfterSeconds',
      options.refreshAfterSeconds,
      maxAgeSeconds,
    )
    if (idleSeconds !== undefined && refreshSeconds >= idleSeconds) {
      optionError('refreshAfterSeconds must be below idleTimeoutSeconds')
    }
  } else if (idleSeconds !== undefined) {
    refreshSeconds = Math.max(1, Math.floor(idleSeconds / 4))
  }
  const skewSeconds = options.clockSkewSeconds ?? 60
  if (!Number.isInteger(skewSeconds) || skewSeconds < 0 || skewSeconds > 3600) {
    optionError('clockSkewSeconds must be a whole number from 0 to 3600')
  }
  for (const hook of ['onReject', 'now', 'userId'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function')
      optionError(`${hook} must be a function`)
  }
  const schema = options.schema
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    optionError('schema must be a Standard Schema (zod, valibot, arktype, …)')
  }
  const onDenylistError = options.onDenylistError ?? 'deny'
  if (onDenylistError !== 'deny' && onDenylistError !== 'allow')
    optionError("onDenylistError must be 'deny' or 'allow'")
  const denylist = options.denylist
  if (denylist !== undefined && typeof denylist?.check !== 'function')
    optionError('denylist must implement Denylist')
  const backend = options.backend ?? 'auto'
  const context: StrategyContext = {
    keys,
    purpose: `session:${cookie.name}`,
    backend,
    maxTokenLength: cookie.maxChunks * 4096,
    maxAgeSeconds,
  }
  const strategyOption = options.strategy ?? 'sealed'
  if (strategyOption !== 'sealed' && typeof strategyOption !== 'function')
    optionError("strategy must be 'sealed' or a strategy")
  const strategy = strategyOption === 'sealed' ? sealedStrategy(context) : strategyOption(context)
  // Fail now, not on the first request, if the backend cannot run here. Only the backend is
  // looked up: no randomness or crypto runs at construction (Workers forbid it at module scope).
  if (backend !== 'auto' && backend !== 'native' && backend !== 'portable') {
    optionError("backend must be 'auto', 'native' or 'portable'")
  }
  if (strategyOption === 'sealed' && backend === 'native' && !nativeBackend) {
    optionError('backend "native" needs node:crypto, which this runtime does not provide')
  }

  const now = checkedClock(options.now ?? Date.now)
  const userIdOf = options.userId ?? defaultUserId
  const reject = (reason: RejectReason) => {
    try {
      options.onReject?.(reason)
    } catch {
      // A logging hook must not turn a rejected cookie into a 500.
    }
  }

  async function validate(
    data: unknown,
  ): Promise<{ ok: true; value: T } | { ok: false; issues?: SessionIssue[] }> {
    if (!schema) return { ok: true, value: data as T }
    try {
      const result = await schema['~standard'].validate(data)
      return result.issues
        ? { ok: false, issues: issuesOf(result.issues) }
        : { ok: true, value: result.value }
    } catch {
      return { ok: false }
    }
  }

  const needDenylist = (): Denylist =>
    denylist ?? optionError('revocation needs a denylist (options.denylist)')
  const revocationTtl = (expiresAtMs: number) =>
    Math.max(1, Math.ceil((expiresAtMs - now()) / 1000) + skewSeconds)

  class SessionImpl {
    state: SessionState
    reason: RejectReason | undefined
    id: string
    data: Partial<T> | T
    userId: string | undefined = undefined
    expiresAtMs: number | undefined = undefined
    createdAtMs: number | undefined = undefined
    lastSeenMs: number | undefined = undefined
    userVersion: number | undefined = undefined
    epoch: number | undefined = undefined
    writes: readonly CookieWrite[] = []
    token: string | undefined = undefined
    source: 'cookie' | 'bearer' | undefined = undefined
    writer: SessionWriter | undefined = undefined
    readonly present: readonly string[]

    constructor(state: SessionState, reason: RejectReason | undefined, present: readonly string[]) {
      this.state = state
      this.reason = reason
      this.id = newSessionId()
      this.data = {}
      this.present = present
      // A rejected cookie is cleared so the browser stops sending it, except when the denylist
      // was unreachable: that says nothing about the cookie, which must survive the outage.
      if (reason !== undefined && reason !== 'denylist-unavailable')
        this.writes = cookie.clear(present)
    }

    get idleExpiresAtMs(): number | undefined {
      return this.state === 'active' && idleSeconds !== undefined && this.lastSeenMs !== undefined
        ? this.lastSeenMs + idleSeconds * 1000
        : undefined
    }

    activate(envelope: SessionEnvelope, data: T, expiresAtMs: number): void {
      this.state = 'active'
      this.reason = undefined
      this.id = envelope.sessionId
      this.data = data
      this.userId = envelope.userId
      this.createdAtMs = envelope.createdAtMs
      this.lastSeenMs = envelope.lastSeenMs
      this.userVersion = envelope.userVersion
      this.epoch = envelope.epoch
      this.expiresAtMs = expiresAtMs
    }

    async issue(nowMs: number): Promise<void> {
      const expiresAtMs = this.expiresAtMs!
      const envelope: SessionEnvelope = {
        sessionId: this.id,
        createdAtMs: this.createdAtMs!,
        lastSeenMs: nowMs,
        userId: this.userId,
        userVersion: this.userVersion,
        epoch: this.epoch,
        data: this.data,
      }
      const token = await strategy.encode(envelope, expiresAtMs, nowMs)
      // Computing the writes throws ERR_COOKIE_TOO_LARGE before anything is recorded.
      this.writes = cookie.write(token, (expiresAtMs - nowMs) / 1000, this.present)
      this.token = token
      this.lastSeenMs = nowMs
    }

    async save(data?: T): Promise<void> {
      this.writer?.guard?.()
      if (this.state === 'destroyed') {
        throw new SessionError(
          'ERR_SESSION_STATE',
          'save() after destroy(): a destroyed session cannot be revived',
        )
      }
      const candidate = data === undefined ? this.data : data
      const checked = await validate(candidate)
      if (!checked.ok)
        throw new SessionError('ERR_SESSION_DATA', 'the session data failed the schema', {
          issues: checked.issues,
        })
      const value = checked.value
      const nowMs = now()
      const userId = userIdOf(value)
      const previous = {
        state: this.state,
        reason: this.reason,
        id: this.id,
        data: this.data,
        userId: this.userId,
        createdAtMs: this.createdAtMs,
        expiresAtMs: this.expiresAtMs,
        userVersion: this.userVersion,
        epoch: this.epoch,
      }
      const switchesUser = this.state === 'active' && userId !== this.userId
      if (this.state !== 'active' || switchesUser) {
        // A new session, or the same session now naming another user: start a fresh lifetime and
        // stamp the user's current version so that "log out everywhere" covers it.
        const versions = denylist ? await denylistCall(() => denylist.current(userId)) : undefined
        this.createdAtMs = nowMs
        this.expiresAtMs = nowMs + maxAgeSeconds * 1000
        this.userVersion = versions?.userVersion
        this.epoch = versions?.epoch
        // Another user never inherits a session id the client already holds (session fixation,
        // OWASP ASVS V3.2.1), even if the app forgot regenerate().
        if (switchesUser) this.id = newSessionId()
      }
      this.state = 'active'
      this.reason = undefined
      this.data = value
      this.userId = userId
      try {
        await this.issue(nowMs)
      } catch (error) {
        Object.assign(this, previous)
        throw error
      }
      this.writer?.apply?.(this.writes)
      if (switchesUser && denylist && previous.expiresAtMs !== undefined) {
        const old = { id: previous.id, expiresAtMs: previous.expiresAtMs }
        await denylistCall(() => denylist.revokeSession(old.id, revocationTtl(old.expiresAtMs)))
      }
    }

    async regenerate(): Promise<void> {
      this.writer?.guard?.()
      if (this.state === 'destroyed') {
        throw new SessionError('ERR_SESSION_STATE', 'regenerate() after destroy()')
      }
      const old =
        this.state === 'active' ? { id: this.id, expiresAtMs: this.expiresAtMs! } : undefined
      this.state = 'new'
      this.reason = undefined
      this.id = newSessionId()
      this.data = {}
      this.userId = undefined
      this.expiresAtMs = this.createdAtMs = this.lastSeenMs = undefined
      this.userVersion = this.epoch = undefined
      this.token = undefined
      this.writes = cookie.clear(this.present)
      this.writer?.apply?.(this.writes)
      if (old && denylist)
        await denylistCall(() => denylist.revokeSession(old.id, revocationTtl(old.expiresAtMs)))
    }

    async destroy(): Promise<void> {
      this.writer?.guard?.()
      const old =
        this.state === 'active' ? { id: this.id, expiresAtMs: this.expiresAtMs! } : undefined
      this.state = 'destroyed'
      this.data = {}
      this.userId = undefined
      this.expiresAtMs = this.createdAtMs = this.lastSeenMs = undefined
      this.token = undefined
      // Clear the plain name even if the request did not send it (a parallel response may set it).
      this.writes = cookie.clear([...new Set([cookie.name, ...this.present])])
      this.writer?.apply?.(this.writes)
      if (old && denylist)
        await denylistCall(() => denylist.revokeSession(old.id, revocationTtl(old.expiresAtMs)))
    }
  }

  async function denylistCall<R>(call: () => Promise<R>): Promise<R> {
    try {
      return await call()
    } catch (cause) {
      if (isSessionError(cause, 'ERR_DENYLIST_UNAVAILABLE')) throw cause
      throw new SessionError(
        'ERR_DENYLIST_UNAVAILABLE',
        'the denylist did not confirm the operation',
        { cause },
      )
    }
  }

  const anonymous = (
    state: SessionState,
    reason: RejectReason | undefined,
    present: readonly string[],
  ) => {
    if (reason) reject(reason)
    return new SessionImpl(state, reason, present) as unknown as Session<T>
  }

  const stateOf = (reason: RejectReason): SessionState =>
    reason === 'expired' || reason === 'idle-timeout'
      ? 'expired'
      : reason.endsWith('revoked') || reason === 'denylist-unavailable'
        ? 'revoked'
        : 'invalid'

  async function read(input: SessionInput, options?: ReadOptions): Promise<Session<T>> {
    const seen: { source?: 'cookie' | 'bearer' } = {}
    let session: Session<T>
    try {
      session = await readUnsafe(input, seen)
    } catch {
      // Defence in depth: nothing a client sends may become an exception.
      session = anonymous('invalid', 'invalid', [])
    }
    const impl = session as unknown as SessionImpl
    impl.source = seen.source
    impl.writer = options?.writer
    return session
  }

  async function readUnsafe(
    input: SessionInput,
    seen: { source?: 'cookie' | 'bearer' },
  ): Promise<Session<T>> {
    const candidates = cookie.read(cookieHeaderOf(input))
    const { present } = candidates
    let values = candidates.values
    if (present.length > 0) seen.source = 'cookie'
    // Bearer, for strategies that opt in: read only when the request has no session cookie (the
    // cookie decides when present); another scheme is ignored, a malformed Bearer is rejected.
    if (present.length === 0 && strategy.bearer === true) {
      const bearer = parseBearer(authorizationOf(input))
      if (bearer.kind !== 'none') seen.source = 'bearer'
      if (bearer.kind === 'malformed') return anonymous('invalid', 'invalid', present)
      if (bearer.kind === 'token') values = [bearer.token]
    }
    if (values.length === 0) {
      if (present.length === 0) return anonymous('new', undefined, present)
      const why = candidates.overflow ? 'ambiguous' : candidates.malformedChunks && 'invalid-chunks'
      return anonymous('invalid', why || 'invalid', present)
    }
    const nowMs = now()
    // Every candidate is tried; exactly one may authenticate (issue 9.7).
    const found = await selectAuthentic(
      values,
      (v) => strategy.decode(v, nowMs),
      (r) => r.ok,
    )
    if (found.kind === 'ambiguous') return anonymous('invalid', 'ambiguous', present)
    const decoded = found.kind === 'one' ? found.result : found.failure
    if (!decoded?.ok) {
      const reason = decoded?.reason ?? 'invalid'
      return anonymous(stateOf(reason), reason, present)
    }
    const { envelope, expiresAtMs, stale } = decoded
    // Idle timeout: valid while now < lastSeen + idle (the same exclusive bound as expiry).
    if (idleSeconds !== undefined && nowMs >= envelope.lastSeenMs + idleSeconds * 1000) {
      return anonymous('expired', 'idle-timeout', present)
    }
    const checked = await validate(envelope.data)
    if (!checked.ok) return anonymous('invalid', 'schema', present)
    if (denylist) {
      const { status, allowed } = await checkRevocation(denylist, envelope, onDenylistError)
      if (!allowed) return anonymous('revoked', status as RejectReason, present)
      if (status === 'denylist-unavailable') reject(status)
    }
    const session = new SessionImpl('active', undefined, present)
    session.activate(envelope, checked.value, expiresAtMs)
    // Rolling refresh, throttled; and re-seal under the current key (rotation).
    const refreshDue =
      refreshSeconds !== undefined && nowMs - envelope.lastSeenMs >= refreshSeconds * 1000
    if (stale || refreshDue) {
      try {
        await session.issue(nowMs)
        // A Bearer client keeps its token where it chose to: no Set-Cookie unless the app calls
        // save(); the new token is in session.token for the app to hand back.
        if (seen.source === 'bearer') session.writes = []
      } catch {
        // A refresh that cannot be written (e.g. the cookie settings changed and it no longer
        // fits) keeps the current cookie; the session itself is valid.
      }
    }
    return session as unknown as Session<T>
  }

  return Object.freeze({
    cookie,
    keys,
    read,
    async revoke(sessionId: string) {
      const store = needDenylist()
      if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId))
        optionError('revoke() needs a session id')
      await denylistCall(() => store.revokeSession(sessionId, maxAgeSeconds + skewSeconds))
    },
    async revokeUser(userId: string, revokeOptions?: { except?: string }) {
      const store = needDenylist()
      if (typeof userId !== 'string' || userId.length === 0)
        optionError('revokeUser() needs a user id')
      const except = revokeOptions?.except
      await denylistCall(() =>
        store.revokeUser(userId, {
          ttlSeconds: maxAgeSeconds + skewSeconds,
          ...(except !== undefined ? { exceptSessionId: except } : {}),
        }),
      )
    },
    async revokeAll() {
      const store = needDenylist()
      await denylistCall(() => store.revokeAll())
    },
  })
}
