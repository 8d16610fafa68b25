// Shared set-up of the session tests: a manager with an injected clock and a reject log, a
// cookie jar that applies writes as a browser would, and a login.
import type { RejectReason, Session, SessionOptions } from '../../src/session/index.js'
import { createSessions } from '../../src/session/index.js'
import { generateSecret } from '../../src/keys.js'

export type Data = { userId: string; name?: string | undefined; blob?: string | undefined }
export const SECRET = generateSecret()
export const MIN = 60_000

export function setup(options: Partial<SessionOptions<Data>> = {}) {
  const clock = { t: 1_800_000_000_000 }
  const rejects: RejectReason[] = []
  const sessions = createSessions<Data>({
    keys: SECRET,
    now: () => clock.t,
    onReject: (reason) => rejects.push(reason),
    ...options,
  })
  return { sessions, clock, rejects }
}

/** The Cookie header a browser would send back after applying the writes. */
export function jar(session: Session<Data>, previous = ''): string {
  const cookies = new Map(
    previous
      .split('; ')
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  )
  for (const w of session.writes) {
    if (w.options.maxAge > 0) cookies.set(w.name, w.value)
    else cookies.delete(w.name)
  }
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
}

export async function login(
  sessions: ReturnType<typeof setup>['sessions'],
  data: Data = { userId: 'u1' },
) {
  const session = await sessions.read(null)
  await session.regenerate()
  await session.save(data)
  return { session, cookie: jar(session) }
}
