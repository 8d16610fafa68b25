// The session manager for the proxy and edge routes: it verifies the cookie (seal, expiry, key
// rotation) but does not ask the denylist (ioredis needs TCP; the memory one lives in the Node
// process). Use it for optimistic checks and non-sensitive reads; pages and actions use
// lib/session.ts, which also checks revocation.
import { createSessions } from 'cachet'
import { sessionOptions, type SessionData } from './config'

export const edgeSessions = createSessions<SessionData>(sessionOptions)
