/**
 * Revocation for stateless sessions: a denylist of session ids, per-user versions and a global
 * epoch, checked in one round trip per read.
 *
 * A session carries its id, the user's version (a counter read when the session was created) and
 * the global epoch. It is revoked when its id is on the denylist (logout, regenerate, admin
 * revoke), when the user's counter moved past its version ("log out everywhere"), or when the
 * epoch moved past its epoch ("revoke all"). Counters, not timestamps: Redis orders a revocation
 * and a login made in the same millisecond.
 *
 * Three stores: {@link createMemoryDenylist} (one process: tests, demos),
 * {@link createRedisDenylist} (an ioredis `Redis` or `Cluster`, with timeouts, fail-closed errors
 * and an optional local cache invalidated through pub/sub) and {@link createHttpRedisDenylist}
 * (the same Redis keys over HTTP with an `@upstash/redis` client, for runtimes with only `fetch`).
 * This module imports no Redis package and no Node built-in: it runs on edge runtimes.
 *
 * This file is the public front of `cachet/denylist`: the contract (`contract.ts`), the memory
 * store (`memory.ts`), and the Redis store (`redis.ts`) with its client shape (`client.ts`), key
 * layout (`keys.ts`), replies (`replies.ts`), deadline circuit (`circuit.ts`) and local cache
 * (`cache.ts`); the
 * opt-in device index (`devices.ts`, with `memory-devices.ts`, `redis-devices.ts` and the Lua of
 * `device-scripts.ts`); and the same store over HTTP (`http.ts`).
 *
 * @module
 */

export { createMemoryDenylist } from './memory.js'
export { createRedisDenylist } from './redis.js'
export { createHttpRedisDenylist } from './http.js'

export type { RedisDenylistClient } from './client.js'
export type {
  Denylist,
  RevocationClaims,
  RevocationStatus,
  RevocationVersions,
  RevokeUserOptions,
} from './contract.js'
export type {
  DeviceIndex,
  DeviceRecord,
  ForgetSessionOptions,
  ListSessionsOptions,
  RecordOutcome,
  RecordSessionOptions,
  SessionLimitPolicy,
} from './devices.js'
export type { MemoryDenylistOptions } from './memory.js'
export type { RedisDenylist, RedisDenylistOptions } from './redis.js'
export type { HttpRedisDenylistClient, HttpRedisDenylistOptions } from './http.js'
