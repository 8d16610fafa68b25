// The Node-runtime session manager, with revocation: a Redis denylist when REDIS_URL is set,
// else an in-memory one (one process only: fine for the demo, not for several instances).
import { createSessions } from 'cachet'
import { createMemoryDenylist, createRedisDenylist, type Denylist } from 'cachet/denylist'
import { Redis } from 'ioredis'
import { sessionOptions, type SessionData } from './config'

// Route handlers, pages and actions are separate bundles in one process: keep one denylist (and
// one Redis connection) on globalThis so that a revocation made by one is seen by the others.
const shared = globalThis as typeof globalThis & { __cachetDenylist?: Denylist }

function createDenylist(): Denylist {
  const url = process.env.REDIS_URL
  if (!url) return createMemoryDenylist()
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  return createRedisDenylist(redis, { timeoutMs: 500 })
}

export const denylist = (shared.__cachetDenylist ??= createDenylist())

export const sessions = createSessions<SessionData>({ ...sessionOptions, denylist })
