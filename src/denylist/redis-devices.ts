/**
 * The device index of the Redis denylist: a sorted set and a hash per user in the user's slot,
 * written by the scripts of `device-scripts.ts`, never read by a check.
 *
 * @module
 */

import { type RedisDenylistClient } from './client.js'
import { requireId, unavailable } from './contract.js'
import { FORGET_SCRIPT, LIST_SCRIPT, RECORD_SCRIPT } from './device-scripts.js'
import {
  byLastSeen,
  checkForget,
  checkNow,
  checkRecord,
  checkRecordOptions,
  MAX_LABEL_LENGTH,
  type DeviceIndex,
  type DeviceRecord,
} from './devices.js'
import { keyPart, type KeyLayout } from './keys.js'
import type { Caller } from './circuit.js'

/** What the index needs of the Redis store (redis.ts), declared here to keep imports one way. */
export interface DeviceStore {
  readonly caller: Caller
  write<R>(message: string, send: () => Promise<unknown>, parse: (reply: unknown) => R): Promise<R>
  notify(message: string): Promise<void>
}

// --- Entries ---

// An entry is stored as compact JSON: i id, c created, l last seen, e expiry, b label, and the
// revocation stamps v user version, p epoch when the session has them.
function encodeEntry(record: DeviceRecord): string {
  return JSON.stringify({
    i: record.sessionId,
    c: record.createdAtMs,
    l: record.lastSeenMs,
    e: record.expiresAtMs,
    b: record.label,
    v: record.userVersion,
    p: record.epoch,
  })
}

const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/** An entry as Redis returns it; anything a healthy server would not hold is refused. */
function decodeEntry(value: unknown): DeviceRecord {
  let e: Record<string, unknown> | null = null
  try {
    if (typeof value === 'string') e = JSON.parse(value) as Record<string, unknown> | null
  } catch {
    // Handled below.
  }
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.i !== 'string' ||
    e.i.length === 0 ||
    !isTime(e.c) ||
    !isTime(e.l) ||
    !isTime(e.e) ||
    typeof e.b !== 'string' ||
    e.b.length > MAX_LABEL_LENGTH ||
    (e.v !== undefined && !isTime(e.v)) ||
    (e.p !== undefined && !isTime(e.p))
  ) {
    throw new TypeError('a device entry is malformed')
  }
  const entry = { sessionId: e.i, createdAtMs: e.c, lastSeenMs: e.l, expiresAtMs: e.e, label: e.b }
  return {
    ...entry,
    ...(e.v !== undefined ? { userVersion: e.v } : {}),
    ...(e.p !== undefined ? { epoch: e.p } : {}),
  }
}

function stringArray(reply: unknown): string[] {
  if (!Array.isArray(reply) || reply.some((v) => typeof v !== 'string'))
    throw new TypeError('a device script answered a wrong shape')
  return reply as string[]
}

function recordReply(reply: unknown): { recorded: boolean; evicted: string[] } {
  if (!Array.isArray(reply) || (reply[0] !== 0 && reply[0] !== 1))
    throw new TypeError('the record script answered a wrong shape')
  // An entry without its hash field ('') is still revoked by its marker; only its id is unknown.
  const evicted = stringArray(reply.slice(1))
    .filter((json) => json !== '')
    .map((json) => decodeEntry(json).sessionId)
  return { recorded: reply[0] === 1, evicted }
}

// --- Index ---

export function createRedisDevices({
  client,
  keys,
  store,
}: {
  readonly client: RedisDenylistClient
  readonly keys: KeyLayout
  readonly store: DeviceStore
}): DeviceIndex {
  return {
    async recordSession(userId, record, options) {
      checkRecord(userId, record)
      const policy = checkRecordOptions(options)
      const userPart = keyPart(userId)
      const outcome = await store.caller.call(
        () =>
          client.eval(
            RECORD_SCRIPT,
            2,
            keys.devices(userPart),
            keys.deviceEntries(userPart),
            keyPart(record.sessionId),
            encodeEntry(record),
            String(policy.nowMs),
            String(record.expiresAtMs),
            String(policy.maxSessions),
            policy.policy,
            keys.deviceRevokedPrefix(userPart),
            String(policy.skewMs),
          ),
        recordReply,
      )
      // Evictions are revocations: other instances drop what they cached for this user.
      if (outcome.evicted.length > 0) await store.notify(`u:${userPart}`)
      return outcome
    },
    async listSessions(userId, options) {
      requireId('userId', userId)
      const nowMs = checkNow(options?.nowMs)
      const userPart = keyPart(userId)
      const entries = await store.caller.call(
        () =>
          client.eval(
            LIST_SCRIPT,
            2,
            keys.devices(userPart),
            keys.deviceEntries(userPart),
            String(nowMs),
          ),
        (reply) => stringArray(reply),
      )
      try {
        return entries
          .filter((json) => json !== '')
          .map(decodeEntry)
          .sort(byLastSeen)
      } catch (cause) {
        throw unavailable('Redis holds a malformed device entry', cause)
      }
    },
    async forgetSession(userId, sessionId, options) {
      const { nowMs, ttlMs } = checkForget(userId, sessionId, options)
      const userPart = keyPart(userId)
      const sidPart = keyPart(sessionId)
      return store.write(
        `u:${userPart}`,
        () =>
          client.eval(
            FORGET_SCRIPT,
            3,
            keys.devices(userPart),
            keys.deviceEntries(userPart),
            keys.deviceRevoked(userPart, sidPart),
            sidPart,
            String(ttlMs),
            String(nowMs),
          ),
        (reply) => {
          if (reply !== 0 && reply !== 1) throw new TypeError('the forget script answered badly')
          return reply === 1
        },
      )
    },
  }
}
