// Session settings shared by every runtime: Node (pages, route handlers, server actions, proxy)
// and edge (app/api/edge). Keys come from the environment, never from code.
import type { KeyRingOptions, SessionOptions } from 'cachet'

/** What the demo keeps in the session. */
export type SessionData = {
  userId: string
  displayName: string
}

/**
 * SESSION_KEYS="k2:<secret>,k1:<secret>" with SESSION_CURRENT_KEY=k2 (rotation: k1 only opens
 * old cookies), or a single SESSION_SECRET. `npm run demo` writes a development secret to
 * .env.local when neither is set; generate real ones with `npx cachet secret`.
 */
function keysFromEnv(): string | KeyRingOptions {
  const ring = process.env.SESSION_KEYS
  if (ring) {
    const keys: Record<string, string> = {}
    for (const entry of ring.split(',')) {
      const at = entry.indexOf(':')
      if (at < 1) throw new Error('SESSION_KEYS must look like "k2:<secret>,k1:<secret>"')
      keys[entry.slice(0, at).trim()] = entry.slice(at + 1).trim()
    }
    const current = process.env.SESSION_CURRENT_KEY ?? Object.keys(keys)[0]!
    return { current, keys }
  }
  const secret = process.env.SESSION_SECRET
  if (secret) return secret
  throw new Error(
    'No session key: set SESSION_SECRET (generate one with `npx cachet secret`), or run `npm run demo`',
  )
}

// `__Host-` cookies must be Secure; browsers accept Secure cookies on http://localhost.
// SESSION_INSECURE_COOKIE=1 is for browsers that do not (plain name, no Secure), never for production.
const insecure = process.env.SESSION_INSECURE_COOKIE === '1'

export const sessionOptions = {
  keys: keysFromEnv(),
  cookie: insecure ? { name: 'session', secure: false } : { name: '__Host-session' },
  maxAgeSeconds: 7 * 24 * 3600,
  idleTimeoutSeconds: 30 * 60,
} satisfies SessionOptions<SessionData>

/** Any user name works with this password: the demo is about the session, not the users. */
export const DEMO_PASSWORD = 'cachet'
