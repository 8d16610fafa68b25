/**
 * The denylist contract: what a session carries for revocation, what a store answers, the
 * {@link Denylist} interface every store implements, the argument checks they share, and the one
 * rule ({@link evaluate}) that turns what a store holds into a status.
 *
 * @module
 */

import { randomBytes, toBase64url } from '../_internal/bytes.js'
import { MAX_COOKIE_AGE_SECONDS } from '../cookie.js'
import { SessionError } from '../errors.js'
import { MAX_CLOCK_SKEW_SECONDS } from '../session/limits.js'

// --- Types ---

/** What a session carries for revocation checks. */
export interface RevocationClaims {
  /** The session id (128-bit, base64url). */
  readonly sessionId: string
  /** The user the session belongs to, when the data names one. */
  readonly userId?: string
  /** The user's version when the session was created or regenerated. */
  readonly userVersion: number
  /** The global epoch when the session was created or regenerated. */
  readonly epoch: number
  /**
   * The store generation the session was stamped with ({@link RevocationVersions.generation}).
   * cachet's stores refuse a session without theirs (`store-reset`).
   */
  readonly generation?: string | undefined
}

/**
 * The outcome of a revocation check. `store-reset`: the session was stamped by a store that has
 * since lost its data (or by another store), so its revocations are unknown.
 */
export type RevocationStatus =
  'ok' | 'session-revoked' | 'user-revoked' | 'epoch-revoked' | 'store-reset'

/** The counters stamped into a new session. */
export interface RevocationVersions {
  /** The user's counter (0 for a user never revoked, or a session without a user). */
  readonly userVersion: number
  /** The global epoch (0 until the first `revokeAll`). */
  readonly epoch: number
  /**
   * The store's generation: random, created once (Redis: `SET NX` on first use; memory: per
   * instance) and never changed while the store keeps its data. Optional for other stores; when
   * present it is stamped into sessions and passed back to `check`.
   */
  readonly generation?: string
}

/** Options of {@link Denylist.revokeUser}. */
export interface RevokeUserOptions {
  /** A session of the user that stays valid (e.g. the one that changed the password). */
  readonly exceptSessionId?: string
  /**
   * How long the exception must be remembered: the longest remaining lifetime of that session
   * plus clock skew. Default: the longest lifetime cachet allows (400 days + 1 hour).
   */
  readonly ttlSeconds?: number
}

/**
 * A revocation store. Implementations: {@link createMemoryDenylist} (one process),
 * {@link createRedisDenylist} (ioredis `Redis` or `Cluster`) and {@link createHttpRedisDenylist}
 * (`@upstash/redis`, over HTTP). Every method rejects with a
 * `SessionError` `ERR_DENYLIST_UNAVAILABLE` when the store did not answer or confirm in time, and
 * with `ERR_DENYLIST_OPTIONS` for an invalid argument.
 */
export interface Denylist {
  /** The current user version, epoch and generation, stamped into a session when it is created. */
  current(userId: string | undefined): Promise<RevocationVersions>
  /** Whether a session is still valid. One round trip. */
  check(claims: RevocationClaims): Promise<RevocationStatus>
  /** Revokes one session id for `ttlSeconds` (its remaining absolute lifetime plus clock skew). */
  revokeSession(sessionId: string, ttlSeconds: number): Promise<void>
  /** Revokes every session of a user created before now, except `exceptSessionId` if given. */
  revokeUser(userId: string, options?: RevokeUserOptions): Promise<void>
  /** Revokes every session created before now. */
  revokeAll(): Promise<void>
}

// --- Validation ---

// The longest TTL a revocation needs: the 400-day cookie lifetime cap (RFC 6265bis §5.6.2, which
// bounds `maxAgeSeconds`) plus the largest `clockSkewSeconds` createSessions accepts. The one
// owner of the denylist's TTL ceiling: both stores and the `revokeUser` default read it here.
export const MAX_REVOCATION_TTL_SECONDS = MAX_COOKIE_AGE_SECONDS + MAX_CLOCK_SKEW_SECONDS

export function optionError(message: string): never {
  throw new SessionError('ERR_DENYLIST_OPTIONS', message)
}

export function unavailable(message: string, cause?: unknown): SessionError {
  return new SessionError('ERR_DENYLIST_UNAVAILABLE', message, cause === undefined ? {} : { cause })
}

export function requireId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    optionError(`${name} must be a non-empty string`)
  return value
}

/** revokeUser's arguments checked once for both Redis stores: the user, the TTL in ms, the kept id. */
export function revokeUserArgs(
  userId: string,
  options: RevokeUserOptions,
): { readonly ms: number; readonly except: string | undefined } {
  requireId('userId', userId)
  if (typeof options !== 'object' || options === null) optionError('options must be an object')
  const except = options.exceptSessionId
  if (except !== undefined) requireId('exceptSessionId', except)
  return { ms: ttlMs(options.ttlSeconds ?? MAX_REVOCATION_TTL_SECONDS), except }
}

export function ttlMs(value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    value > MAX_REVOCATION_TTL_SECONDS
  ) {
    optionError(`ttlSeconds must be a number above 0 and at most ${MAX_REVOCATION_TTL_SECONDS}`)
  }
  return Math.ceil(value * 1000)
}

export function boundedInteger(
  name: string,
  value: unknown,
  { min, max }: { readonly min: number; readonly max: number },
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    optionError(`${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

export const isCounter = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

// A generation: 16 base64url characters (96 random bits) from cachet's stores; any short token
// from another writer of the same keys.
export const GENERATION = /^[A-Za-z0-9_-]{1,64}$/

export const newGeneration = (): string => toBase64url(randomBytes(12))

export function validateClaims(claims: RevocationClaims): void {
  if (typeof claims !== 'object' || claims === null) optionError('check() needs revocation claims')
  requireId('sessionId', claims.sessionId)
  if (claims.userId !== undefined && typeof claims.userId !== 'string')
    optionError('userId must be a string')
  if (claims.generation !== undefined && typeof claims.generation !== 'string')
    optionError('generation must be a string')
  if (!isCounter(claims.userVersion) || !isCounter(claims.epoch)) {
    optionError('userVersion and epoch must be non-negative safe integers')
  }
}

// --- Evaluation (shared by both stores and the cache) ---

/** What the store holds for one check. */
export interface Snapshot {
  /** The session id is on the denylist. */
  readonly revoked: boolean
  /** The user's counter (0 when absent); ignored without a user. */
  readonly userVersion: number
  /** The version up to which this session survives "log out everywhere", if it was kept. */
  readonly keptUntil: number | undefined
  readonly epoch: number
  /** Undefined while the store has none (never used, or its data was lost). */
  readonly generation: string | undefined
}

export function evaluate(claims: RevocationClaims, snapshot: Snapshot): RevocationStatus {
  // Another generation (or none): the store lost its data since the session was stamped, and
  // with it the revocations that may cover this session. Checked first: the counters below are
  // meaningless across generations.
  if (snapshot.generation === undefined || claims.generation !== snapshot.generation)
    return 'store-reset'
  if (snapshot.revoked) return 'session-revoked'
  if (claims.userId !== undefined) {
    // A counter below the session's version cannot happen unless the store lost its data (a
    // restart without persistence, a flush, an eviction); the revocations it held are gone, so
    // the session is refused rather than trusted.
    if (snapshot.userVersion < claims.userVersion) return 'user-revoked'
    if (
      snapshot.userVersion > claims.userVersion &&
      !(snapshot.keptUntil !== undefined && snapshot.keptUntil >= snapshot.userVersion)
    ) {
      return 'user-revoked'
    }
  }
  // The same reasoning for the epoch: below the session's means lost data.
  if (snapshot.epoch !== claims.epoch) return 'epoch-revoked'
  return 'ok'
}
