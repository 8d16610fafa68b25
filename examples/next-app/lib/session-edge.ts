// The session manager for edge routes (and the proxy when REDIS_URL is not set). It verifies the
// cookie (seal, expiry, key rotation) and, when UPSTASH_REDIS_REST_URL and
// UPSTASH_REDIS_REST_TOKEN are set, asks the denylist over HTTP: the same Redis, keys and prefix
// as the Node parts' ioredis denylist (lib/session.ts), reached with fetch, which is all an edge
// runtime has. Without those variables it cannot see revocations (ioredis needs TCP; the memory
// denylist lives in the Node process): use it for optimistic checks and non-sensitive reads.
import { Redis } from '@upstash/redis'
import { createSessions } from 'cachet'
import { createHttpRedisDenylist } from 'cachet/denylist'
import { sessionOptions, type SessionData } from './config'

const url = process.env.UPSTASH_REDIS_REST_URL
const token = process.env.UPSTASH_REDIS_REST_TOKEN

/** Whether edge reads ask the denylist (the HTTP Redis variables are set). */
export const edgeRevocation = Boolean(url && token)

export const edgeSessions = createSessions<SessionData>({
  ...sessionOptions,
  ...(edgeRevocation
    ? {
        // retry: false — a failed request fails closed at once rather than after backoffs.
        denylist: createHttpRedisDenylist(new Redis({ url, token, retry: false }), {
          timeoutMs: 1000,
        }),
      }
    : {}),
})
