// The Node-runtime session manager, with revocation: a Redis denylist when REDIS_URL is set,
// else an in-memory one (one process only: fine for the demo, not for several instances).
import { createSessions } from 'cachet'
import {
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
  __cachetDenylist?: Denylist & DeviceIndex
}

function createDenylist(): Denylist & DeviceIndex {
  const url = process.env.REDIS_URL
  if (!url) return createMemoryDenylist()
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  return createRedisDenylist(redis, { timeoutMs: 500 })
}

export const denylist = (shared.__cachetDenylist ??= createDenylist())

// devices: each user's signed-in sessions for app/devices (labelled from the User-Agent, no IP
// stored), at most 10 per user (the oldest login is signed out to make room).
export const sessions = createSessions<SessionData>({
  ...sessionOptions,
  denylist,
  devices: { maxSessionsPerUser: 10 },
})
