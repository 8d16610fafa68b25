// The Node-runtime session manager, with revocation: a Redis denylist over TCP when REDIS_URL is
// set, else over HTTP when UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are set, else an
// in-memory one (one process only: fine for the demo, not for several instances; a restart of
// the process signs every user out, since its revocations are gone).
import { Redis as HttpRedis } from '@upstash/redis'
import { createSessions } from 'cachet'
import {
  createHttpRedisDenylist,
  createMemoryDenylist,
  createRedisDenylist,
  type Denylist,
  type DeviceIndex,
} from 'cachet/denylist'
import { Redis } from 'ioredis'
import { sessionOptions, type SessionData } from './config'

// Route handlers, pages and actions are separate bundles in one process: keep one denylist (and
// one Redis connection) on globalThis so that a revocation made by one is seen by the others.
const shared = globalThis as typeof globalThis & {
  __cachetDenylist?: Denylist | (Denylist & DeviceIndex)
}

/** Whether the denylist is shared with other processes and the edge (Redis, either way). */
export const sharedStore = Boolean(
  process.env.REDIS_URL ||
  (process.env.UPSTASH_REDIS_REST_URL && process.env.UPSTASH_REDIS_REST_TOKEN),
)

function createDenylist(): Denylist | (Denylist & DeviceIndex) {
  const url = process.env.REDIS_URL
  if (url) {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 })
    return createRedisDenylist(redis, { timeoutMs: 500 })
  }
  if (sharedStore) {
    const redis = new HttpRedis({
      url: process.env.UPSTASH_REDIS_REST_URL,
      token: process.env.UPSTASH_REDIS_REST_TOKEN,
      retry: false,
    })
    return createHttpRedisDenylist(redis, { timeoutMs: 1000 })
  }
  return createMemoryDenylist()
}

export const denylist = (shared.__cachetDenylist ??= createDenylist())

/** The HTTP store has no device index: app/devices then has nothing to list. */
export const hasDeviceIndex = typeof (denylist as Partial<DeviceIndex>).listSessions === 'function'

// devices: each user's signed-in sessions for app/devices (labelled from the User-Agent, no IP
// stored), at most 10 per user (the oldest login is signed out to make room).
export const sessions = createSessions<SessionData>({
  ...sessionOptions,
  denylist,
  ...(hasDeviceIndex ? { devices: { maxSessionsPerUser: 10 } } : {}),
})
