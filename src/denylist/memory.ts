/**
 * The in-process denylist: one `Map` per kind of revocation, for tests, demos and single-process
 * apps.
 *
 * @module
 */

import {
  evaluate,
  MAX_REVOCATION_TTL_SECONDS,
  newGeneration,
  optionError,
  requireId,
  ttlMs,
  validateClaims,
  type Denylist,
} from './contract.js'
import type { DeviceIndex } from './devices.js'
import { createMemoryDevices } from './memory-devices.js'

/** Options of {@link createMemoryDenylist}. */
export interface MemoryDenylistOptions {
  /** Clock for revocation TTLs, ms since epoch. Default `Date.now`. */
  now?: () => number
}

/**
 * A denylist held in this process: for tests, demos and single-process apps. Every instance of
 * the app must share the same object; revocations are lost when the process exits, and so every
 * session stamped by it is refused by the next one (`store-reset`: each instance has its own
 * generation, drawn on first use).
 *
 * @param options - `now`: the clock for revocation TTLs.
 * @returns A {@link Denylist} with a {@link DeviceIndex}.
 * @throws `ERR_DENYLIST_OPTIONS` when `now` is not a function.
 * @example
 * ```ts
 * const sessions = createSessions({ keys: secret, denylist: createMemoryDenylist() })
 * ```
 */
export function createMemoryDenylist(options: MemoryDenylistOptions = {}): Denylist & DeviceIndex {
  const now = options.now ?? Date.now
  if (typeof now !== 'function') optionError('now must be a function')
  const revoked = new Map<string, number>() // session id → expiry (ms)
  const versions = new Map<string, number>() // user id → counter
  const kept = new Map<string, Map<string, { version: number; expiresAtMs: number }>>() // user → sid → keep
  const devices = createMemoryDevices(now)
  let epoch = 0
  let writes = 0
  // Drawn on first use, not here: Workers forbid randomness at module scope.
  let generation: string | undefined

  // Expired entries are dropped when read, and all of them every 1024 writes, so memory follows
  // the number of live revocations.
  const sweep = () => {
    if (++writes % 1024 !== 0) return
    const t = now()
    for (const [id, expiresAtMs] of revoked) if (expiresAtMs <= t) revoked.delete(id)
    for (const [user, byId] of kept) {
      for (const [id, keep] of byId) if (keep.expiresAtMs <= t) byId.delete(id)
      if (byId.size === 0) kept.delete(user)
    }
    devices.sweep()
  }
  const live = (expiresAtMs: number | undefined) => expiresAtMs !== undefined && now() < expiresAtMs

  return {
    async current(userId) {
      if (userId !== undefined && typeof userId !== 'string') optionError('userId must be a string')
      generation ??= newGeneration()
      return {
        userVersion: userId === undefined ? 0 : (versions.get(userId) ?? 0),
        epoch,
        generation,
      }
    },
    async check(claims) {
      validateClaims(claims)
      const keep =
        claims.userId === undefined ? undefined : kept.get(claims.userId)?.get(claims.sessionId)
      return evaluate(claims, {
        revoked:
          live(revoked.get(claims.sessionId)) ||
          (claims.userId !== undefined && devices.isRevoked(claims.userId, claims.sessionId)),
        userVersion: claims.userId === undefined ? 0 : (versions.get(claims.userId) ?? 0),
        keptUntil: keep !== undefined && live(keep.expiresAtMs) ? keep.version : undefined,
        epoch,
        generation,
      })
    },
    async revokeSession(sessionId, ttlSeconds) {
      requireId('sessionId', sessionId)
      const ms = ttlMs(ttlSeconds)
      revoked.set(sessionId, now() + ms)
      sweep()
    },
    async revokeUser(userId, revokeOptions = {}) {
      requireId('userId', userId)
      const except = revokeOptions.exceptSessionId
      if (except !== undefined) requireId('exceptSessionId', except)
      const ms = ttlMs(revokeOptions.ttlSeconds ?? MAX_REVOCATION_TTL_SECONDS)
      const version = (versions.get(userId) ?? 0) + 1
      versions.set(userId, version)
      if (except !== undefined) {
        let byId = kept.get(userId)
        if (!byId) kept.set(userId, (byId = new Map()))
        byId.set(except, { version, expiresAtMs: now() + ms })
      }
      sweep()
    },
    async revokeAll() {
      epoch++
    },
    ...devices.index,
  }
}
