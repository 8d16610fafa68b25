/**
 * Revocation for stateless sessions: a denylist of session ids, per-user versions and a global
 * epoch, checked in one round trip per read.
 *
 * @module
 */

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
}

/** The outcome of a revocation check. */
export type RevocationStatus = 'ok' | 'session-revoked' | 'user-revoked' | 'epoch-revoked'

/**
 * A revocation store. Implementations: {@link createMemoryDenylist} (one process) and
 * `createRedisDenylist` (ioredis `Redis` or `Cluster`). Every method rejects with a
 * `SessionError` `ERR_DENYLIST_UNAVAILABLE` when the store did not answer or confirm in time.
 */
export interface Denylist {
  /** The current user version and epoch, stamped into a session when it is created. */
  current(userId: string | undefined): Promise<{ userVersion: number; epoch: number }>
  /** Whether a session is still valid. One round trip. */
  check(claims: RevocationClaims): Promise<RevocationStatus>
  /** Revokes one session id for `ttlSeconds` (its remaining absolute lifetime plus clock skew). */
  revokeSession(sessionId: string, ttlSeconds: number): Promise<void>
  /** Revokes every session of a user created before now, except `exceptSessionId` if given. */
  revokeUser(userId: string, options?: { exceptSessionId?: string; ttlSeconds?: number }): Promise<void>
  /** Revokes every session created before now. */
  revokeAll(): Promise<void>
}
