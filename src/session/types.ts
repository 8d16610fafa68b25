/**
 * The session types: what `sessions.read()` gives, what a session manager offers, and how an
 * adapter takes part in a session's cookie writes.
 *
 * @module
 */

import type { CookieWrite, SetCookieAttributes } from '../cookie.js'
import type { KeyRing } from '../keys.js'

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
  /**
   * The revocation store lost its data since the session was created (a restart without
   * persistence, a flush, a new memory denylist): its revocations are unknown, so it is refused.
   */
  | 'store-reset'
  /** Created or last seen later than now plus `clockSkewSeconds`: forged or a clock far off. */
  | 'future-dated'
  /** The denylist could not be asked (fail-closed default). */
  | 'denylist-unavailable'
  /**
   * Two different cookie values (or chunk sets) under the session cookie's names authenticate,
   * or more than `maxChunks + 4` candidates were sent: a planted cookie must not pick the session.
   */
  | 'ambiguous'

/**
 * What `onReject` learns besides the reason, never anything secret: for `unknown-key`, the key id
 * the cookie names (an id, not a key: e.g. `'k0'` when cookies sealed with a single secret meet a
 * ring that no longer holds it under id `k0`).
 */
export interface RejectDetail {
  readonly kid?: string
}

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
  destroy(options?: DestroyOptions): Promise<void>
}

/** Options of `session.destroy()`. */
export interface DestroyOptions {
  /**
   * "Sign out everywhere": revoke every session of this session's user created until now, not
   * only this one (needs a denylist). A session without a user revokes only itself.
   */
  readonly everywhere?: boolean
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

/** What users read of a session manager's cookie: its name and attributes. */
export interface SessionCookieSettings {
  readonly name: string
  readonly attributes: Omit<SetCookieAttributes, 'maxAge'>
}

/**
 * How an adapter takes part in a session's writes, for frameworks whose cookie API must be called
 * as writes happen (Next's `cookies().set()`), rather than once on the response.
 */
export interface SessionWriter {
  /** Called before `save()`, `regenerate()` or `destroy()` has any effect; throw to refuse it. */
  guard?(): void
  /**
   * Called with the session's writes as soon as they are computed: at read time (a refresh, a
   * re-seal, the clearing of a rejected cookie) and by `save()`, `regenerate()` or `destroy()`
   * (before any denylist call, so a logout clears the cookie even when revocation fails). A throw
   * rejects `save()`, `regenerate()` or `destroy()`; at read time it is ignored (the write waits
   * for a writable request; reading never throws).
   */
  apply?(writes: readonly CookieWrite[]): void
}

/** Options of `sessions.read()`. */
export interface ReadOptions {
  readonly writer?: SessionWriter
  /**
   * Makes the id of a session this request creates (new, regenerated, or switching user) instead
   * of 128 random bits. Must return 22 characters of `[A-Za-z0-9_-]` (the session id grammar the
   * denylist and the strategies accept); anything else throws `ERR_SESSION_OPTIONS`.
   */
  readonly generateId?: () => string
}

/** A session manager. Create one per app with {@link createSessions}. */
export interface Sessions<T> {
  /** The session cookie's name and attributes, as validated from `options.cookie`. */
  readonly cookie: SessionCookieSettings
  /** The key ring. */
  readonly keys: KeyRing
  /**
   * The AEAD backend the sealed strategy runs on here: `'native'` (node:crypto, found at run time)
   * or `'portable'` (@noble/ciphers); both give identical bytes. `undefined` with a strategy that
   * does not seal (`cachet/jwt`).
   */
  readonly backend: 'native' | 'portable' | undefined
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
  /**
   * The user's signed-in sessions, most recently seen first (needs `devices`). Sessions revoked
   * in any way (logout, `revoke`, `revokeUser`, `revokeAll`, the cap) are left out. Costs one
   * round trip for the list plus one check per entry, sent together.
   * @param options.current The request's session, marked `current: true` in the list.
   * @throws `ERR_SESSION_OPTIONS` without `devices`; `ERR_DENYLIST_UNAVAILABLE`.
   */
  listSessions(userId: string, options?: { current?: SessionRef }): Promise<DeviceSession[]>
  /**
   * Signs out one of the user's other sessions ("sign out this device"), by an id from
   * `listSessions`: revoked only if it is listed under `session`'s user, so that a user can only
   * end their own sessions. Needs `devices`.
   * @returns True when the session was the user's and is now revoked; false otherwise (nothing
   *   changed for anyone else).
   * @throws `ERR_SESSION_STATE` when `session` is not active with a user; `ERR_SESSION_OPTIONS`
   *   without `devices`; `ERR_DENYLIST_UNAVAILABLE`.
   */
  revokeOwnSession(session: SessionRef, sessionId: string): Promise<boolean>
}

/** What `listSessions` and `revokeOwnSession` need of a session (a read-only one will do). */
export type SessionRef = Pick<SessionBase<unknown>, 'id'> & {
  readonly state: SessionState
  readonly userId: string | undefined
}

/** One signed-in session of a user, as `sessions.listSessions()` shows it. Times in ms since epoch. */
export interface DeviceSession {
  readonly id: string
  readonly createdAtMs: number
  readonly lastSeenMs: number
  readonly expiresAtMs: number
  /** The label stored at login (default: from the User-Agent, e.g. "Firefox 133 on Linux"). */
  readonly label: string
  /** True for the session passed as `options.current`. */
  readonly current: boolean
}

/**
 * A reader for another library's session cookie, consulted only when a request carries no cachet
 * session cookie: an accepted old cookie becomes an active session, sealed as cachet's in the same
 * response, and the old cookie is deleted. `ironSessionReader()` from `cachet/iron` is one.
 */
export interface SessionFallback {
  /** The old cookie: its name, and the Path and Domain it was set with (to delete it). */
  readonly cookie: { readonly name: string; readonly path?: string; readonly domain?: string }
  /** Opens the old cookie's value. Should not throw: a throw counts as `invalid`. */
  read(value: string, nowMs: number): FallbackResult | Promise<FallbackResult>
}

/** What a {@link SessionFallback} made of the old cookie. */
export type FallbackResult =
  | { readonly ok: true; readonly data: unknown; readonly expiresAtMs?: number | undefined }
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' }
