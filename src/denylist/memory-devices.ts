/**
 * The device index of the in-process denylist: one `Map` of entries per user, and per user the
 * sessions revoked through the index (forgotten or evicted), which the memory store's check reads.
 *
 * @module
 */

import {
  byLastSeen,
  checkForget,
  checkNow,
  checkRecord,
  checkRecordOptions,
  type DeviceIndex,
  type DeviceRecord,
} from './devices.js'
import { requireId } from './contract.js'

export interface MemoryDevices {
  readonly index: DeviceIndex
  /** Whether `sessionId` was revoked under `userId` through the index (store clock). */
  isRevoked(userId: string, sessionId: string): boolean
  /** Drops expired entries and markers, and empty users. */
  sweep(): void
}

export function createMemoryDevices(now: () => number): MemoryDevices {
  const entries = new Map<string, Map<string, DeviceRecord>>() // user → sid → entry
  const revoked = new Map<string, Map<string, number>>() // user → sid → marker expiry (store clock)

  const live = (userId: string, nowMs: number) => {
    const byId = entries.get(userId)
    if (!byId) return new Map<string, DeviceRecord>()
    for (const [id, entry] of byId) if (entry.expiresAtMs <= nowMs) byId.delete(id)
    if (byId.size === 0) entries.delete(userId)
    return byId
  }
  const isRevoked = (userId: string, sessionId: string) => {
    const until = revoked.get(userId)?.get(sessionId)
    return until !== undefined && now() < until
  }
  const mark = (userId: string, sessionId: string, ms: number) => {
    let byId = revoked.get(userId)
    if (!byId) revoked.set(userId, (byId = new Map()))
    byId.set(sessionId, now() + ms)
  }

  const index: DeviceIndex = {
    async recordSession(userId, record, options) {
      checkRecord(userId, record)
      const policy = checkRecordOptions(options)
      if (isRevoked(userId, record.sessionId)) return { recorded: false, evicted: [] }
      const byId = live(userId, policy.nowMs)
      const evicted: string[] = []
      if (policy.maxSessions > 0 && !byId.has(record.sessionId)) {
        const excess = byId.size - policy.maxSessions + 1
        if (excess > 0 && policy.policy === 'refuse-new') return { recorded: false, evicted }
        // The same order as the Redis sorted set: expiry, then id.
        const oldest = [...byId.values()]
          .sort((a, b) => a.expiresAtMs - b.expiresAtMs || (a.sessionId < b.sessionId ? -1 : 1))
          .slice(0, Math.max(0, excess))
        for (const entry of oldest) {
          byId.delete(entry.sessionId)
          mark(userId, entry.sessionId, entry.expiresAtMs - policy.nowMs + policy.skewMs)
          evicted.push(entry.sessionId)
        }
      }
      byId.set(record.sessionId, { ...record })
      entries.set(userId, byId)
      return { recorded: true, evicted }
    },
    async listSessions(userId, options) {
      requireId('userId', userId)
      const nowMs = checkNow(options?.nowMs)
      // Read-only, as in Redis: expired entries are hidden here and pruned by the next write.
      return [...(entries.get(userId)?.values() ?? [])]
        .filter((entry) => entry.expiresAtMs > nowMs)
        .map((entry) => ({ ...entry }))
        .sort(byLastSeen)
    },
    async forgetSession(userId, sessionId, options) {
      const { nowMs, ttlMs } = checkForget(userId, sessionId, options)
      const byId = live(userId, nowMs)
      const listed = byId.delete(sessionId)
      if (byId.size === 0) entries.delete(userId)
      mark(userId, sessionId, ttlMs)
      return listed
    },
  }

  return {
    index,
    isRevoked,
    sweep() {
      const t = now()
      for (const user of [...entries.keys()]) live(user, t)
      for (const [user, byId] of revoked) {
        for (const [id, until] of byId) if (until <= t) byId.delete(id)
        if (byId.size === 0) revoked.delete(user)
      }
    },
  }
}
