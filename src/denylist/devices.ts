/**
 * The device index contract: per user, the sessions that are signed in (id, created, last seen,
 * expiry and a short label), written at login, refresh and logout only, for "where you're signed
 * in" pages and a per-user session cap. Opt-in: a store implements {@link DeviceIndex} next to
 * the {@link Denylist} methods, and `createSessions({ devices })` uses it.
 *
 * @module
 */

import { boundedInteger, optionError, requireId, ttlMs } from './contract.js'

// --- Types ---

/** One signed-in session of a user, as the device index holds it. */
export interface DeviceRecord {
  /** The session id. */
  readonly sessionId: string
  /** When the session was created (login), ms since epoch. */
  readonly createdAtMs: number
  /** When the session was last written (login or rolling refresh), ms since epoch. */
  readonly lastSeenMs: number
  /** The session's absolute expiry, ms since epoch: the entry disappears then by itself. */
  readonly expiresAtMs: number
  /** A short, app-supplied description (e.g. `'Firefox on Linux'`); at most 200 characters. */
  readonly label: string
  /** The session's revocation stamps, so that a listing can check each entry. */
  readonly userVersion?: number
  readonly epoch?: number
}

/** What happens at login when a user already has `maxSessions` sessions. */
export type SessionLimitPolicy = 'revoke-oldest' | 'refuse-new'

/** Options of {@link DeviceIndex.recordSession}. */
export interface RecordSessionOptions {
  /** The caller's clock, ms since epoch: entries expiring at or before it are pruned. */
  readonly nowMs: number
  /**
   * The most sessions a user may have. Applies only to an id not yet listed (a login); an update
   * of a listed id (a refresh) is never refused. Absent: no cap.
   */
  readonly maxSessions?: number
  /**
   * At the cap: `'revoke-oldest'` (default) revokes the sessions that expire first (with one
   * `maxAgeSeconds`, the oldest logins) to make room; `'refuse-new'` records nothing.
   */
  readonly policy?: SessionLimitPolicy
  /** Added to the remaining lifetime of a session revoked to make room. Default 60. */
  readonly clockSkewSeconds?: number
}

/** The result of {@link DeviceIndex.recordSession}. */
export interface RecordOutcome {
  /** False when the session was not recorded: refused at the cap, or revoked already. */
  readonly recorded: boolean
  /** Sessions revoked, in the same atomic step, to make room (`'revoke-oldest'`). */
  readonly evicted: readonly string[]
}

/** Options of {@link DeviceIndex.listSessions}. */
export interface ListSessionsOptions {
  /** The caller's clock, ms since epoch: entries expiring at or before it are not listed. */
  readonly nowMs: number
}

/** Options of {@link DeviceIndex.forgetSession}. */
export interface ForgetSessionOptions {
  /** The caller's clock, ms since epoch. */
  readonly nowMs: number
  /**
   * How long the session stays revoked under this user: its remaining absolute lifetime plus
   * clock skew (when unknown, `maxAgeSeconds` plus skew).
   */
  readonly ttlSeconds: number
}

/**
 * A per-user index of signed-in sessions, implemented by the memory and Redis denylists. Every
 * method rejects with `ERR_DENYLIST_UNAVAILABLE` when the store did not answer or confirm in
 * time, and with `ERR_DENYLIST_OPTIONS` for an invalid argument. Never read on an ordinary
 * request: a check costs the same with or without the index.
 */
export interface DeviceIndex {
  /**
   * Lists a session under its user, or updates its entry; with `maxSessions`, enforces the cap
   * in one atomic step (two concurrent logins cannot both take the last place). A session
   * revoked through {@link DeviceIndex.forgetSession} or evicted is never listed again.
   */
  recordSession(
    userId: string,
    record: DeviceRecord,
    options: RecordSessionOptions,
  ): Promise<RecordOutcome>
  /** The user's live sessions, most recently seen first. */
  listSessions(userId: string, options: ListSessionsOptions): Promise<DeviceRecord[]>
  /**
   * Removes a session from its user's list and revokes it for that user, atomically (a
   * concurrent refresh cannot list it again). The revocation applies only to sessions of
   * `userId`: an id of another user is left valid.
   * @returns Whether the session was listed (and live) under this user.
   */
  forgetSession(userId: string, sessionId: string, options: ForgetSessionOptions): Promise<boolean>
}

// --- Validation ---

/** The longest label kept. */
export const MAX_LABEL_LENGTH = 200
/** The highest `maxSessions` accepted. */
export const MAX_SESSIONS_CAP = 1000

const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

export function checkNow(value: unknown): number {
  if (!isTime(value)) optionError('nowMs must be a non-negative integer (ms since epoch)')
  return value
}

export function checkRecord(userId: unknown, record: DeviceRecord): void {
  requireId('userId', userId)
  if (typeof record !== 'object' || record === null) optionError('record must be an object')
  requireId('sessionId', record.sessionId)
  if (!isTime(record.createdAtMs) || !isTime(record.lastSeenMs) || !isTime(record.expiresAtMs))
    optionError('createdAtMs, lastSeenMs and expiresAtMs must be non-negative integers')
  for (const stamp of [record.userVersion, record.epoch])
    if (stamp !== undefined && !isTime(stamp))
      optionError('userVersion and epoch must be non-negative integers')
  if (typeof record.label !== 'string' || record.label.length > MAX_LABEL_LENGTH)
    optionError(`label must be a string of at most ${MAX_LABEL_LENGTH} characters`)
}

export interface RecordPolicy {
  readonly nowMs: number
  /** 0: no cap. */
  readonly maxSessions: number
  readonly policy: SessionLimitPolicy
  readonly skewMs: number
}

export function checkRecordOptions(options: RecordSessionOptions): RecordPolicy {
  if (typeof options !== 'object' || options === null) optionError('options must be an object')
  const nowMs = checkNow(options.nowMs)
  const maxSessions =
    options.maxSessions === undefined
      ? 0
      : boundedInteger('maxSessions', options.maxSessions, { min: 1, max: MAX_SESSIONS_CAP })
  const policy = options.policy ?? 'revoke-oldest'
  if (policy !== 'revoke-oldest' && policy !== 'refuse-new')
    optionError("policy must be 'revoke-oldest' or 'refuse-new'")
  const skew = options.clockSkewSeconds ?? 60
  if (typeof skew !== 'number' || !Number.isFinite(skew) || skew < 0 || skew > 3600)
    optionError('clockSkewSeconds must be from 0 to 3600')
  return { nowMs, maxSessions, policy, skewMs: Math.ceil(skew * 1000) }
}

export function checkForget(
  userId: unknown,
  sessionId: unknown,
  options: ForgetSessionOptions,
): { nowMs: number; ttlMs: number } {
  requireId('userId', userId)
  requireId('sessionId', sessionId)
  if (typeof options !== 'object' || options === null) optionError('options must be an object')
  return { nowMs: checkNow(options.nowMs), ttlMs: ttlMs(options.ttlSeconds) }
}

/** Most recently seen first; ties by id so that the order is stable across stores. */
export function byLastSeen(a: DeviceRecord, b: DeviceRecord): number {
  return b.lastSeenMs - a.lastSeenMs || (a.sessionId < b.sessionId ? -1 : 1)
}
