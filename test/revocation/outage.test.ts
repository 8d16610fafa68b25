// Issue 9 item 1: logout during an outage. A read whose revocation check failed closed
// (`denylist-unavailable`) still knows the session id and user it decoded; destroy(),
// regenerate() and "sign out everywhere" on it must revoke them or reject with
// ERR_DENYLIST_UNAVAILABLE, never resolve without revoking. The outage is a real redis-server
// stopped with SIGSTOP (it keeps its data, so what was or was not revoked shows once it resumes).
// The same through every adapter: Fetch, Next's cookies() store (server actions), Express.
import { RequestCookies } from 'next/dist/compiled/@edge-runtime/cookies/index.js'
import { MutableRequestCookiesAdapter } from 'next/dist/server/web/spec-extension/adapters/request-cookies.js'
import express, { type NextFunction, type Request, type Response } from 'express'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createRedisDenylist, type RedisDenylist } from '../../src/denylist/index.js'
import { isSessionError } from '../../src/errors.js'
import { sessionMiddleware } from '../../src/express/index.js'
import { createSessions, type Session, type Sessions } from '../../src/index.js'
import { generateSecret } from '../../src/keys.js'
import { getSession as getNextSession } from '../../src/next.js'
import { withSession } from '../../src/web.js'
import { listen } from '../helpers/listen.js'
import { eventually, startRedis, type RedisServer } from '../helpers/redis-server.mjs'

type User = { userId: string }

const SECRET = generateSecret()
let server: RedisServer
let redis: Redis
let denylist: RedisDenylist
let sessions: Sessions<User>
let prefixes = 0

beforeAll(async () => {
  server = await startRedis()
  redis = new Redis({
    port: server.port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
  })
  redis.on('error', () => {})
})

beforeEach(() => {
  denylist = createRedisDenylist(redis, { prefix: `out${++prefixes}:`, timeoutMs: 200 })
  sessions = createSessions<User>({ keys: SECRET, denylist, maxAgeSeconds: 3600 })
})

afterAll(async () => {
  await denylist?.close()
  redis?.disconnect()
  await server?.stop()
})

const codeOf = (error: unknown) => (isSessionError(error) ? error.code : String(error))
const outcomeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => codeOf(error),
  )
const describeState = (s: Session<User>) =>
  s.state === 'active' ? 'active' : `${s.state}/${s.reason}`

async function login(userId: string): Promise<string> {
  const session = await sessions.read(undefined)
  await session.regenerate()
  await session.save({ userId })
  return session.writes
    .filter((w) => w.value !== '')
    .map((w) => `${w.name}=${w.value}`)
    .join('; ')
}

/** Runs `during` while Redis is stopped; resolves once Redis answers again. */
async function outage<T>(during: () => Promise<T>): Promise<T> {
  server.pause()
  try {
    return await during()
  } finally {
    server.resume()
    await eventually(async () => (await redis.ping().catch(() => '')) === 'PONG')
  }
}

/**
 * The rule: the call rejected with ERR_DENYLIST_UNAVAILABLE, or, once Redis is back, `copy` (a
 * copy of the cookie taken before) is refused.
 */
async function expectRevokedOrRejected(outcome: string, copy: string): Promise<void> {
  if (outcome === 'resolved') {
    // Resolved: the revocation must hold once Redis answers again.
    await eventually(async () => (await sessions.read(copy)).state === 'revoked')
    return
  }
  expect(outcome).toBe('ERR_DENYLIST_UNAVAILABLE')
}

describe('a session whose check failed closed', () => {
  it('destroy() revokes its decoded id or rejects with ERR_DENYLIST_UNAVAILABLE', async () => {
    const cookie = await login('alice')
    const outcome = await outage(async () => {
      const session = await sessions.read(cookie)
      expect(describeState(session)).toBe('revoked/denylist-unavailable')
      return outcomeOf(session.destroy())
    })
    // Today destroy() resolves and revokes nothing: the copy is active again.
    expect(outcome).toBe('ERR_DENYLIST_UNAVAILABLE')
    await expectRevokedOrRejected(outcome, cookie)
  })

  it('regenerate() revokes the decoded previous id or rejects', async () => {
    const cookie = await login('alice')
    const outcome = await outage(async () => outcomeOf((await sessions.read(cookie)).regenerate()))
    expect(outcome).toBe('ERR_DENYLIST_UNAVAILABLE')
  })

  it('destroy({ everywhere: true }) revokes the decoded user or rejects', async () => {
    const cookie = await login('alice')
    const other = await login('alice') // another device of the same user
    const outcome = await outage(async () =>
      outcomeOf((await sessions.read(cookie)).destroy({ everywhere: true })),
    )
    expect(outcome).toBe('ERR_DENYLIST_UNAVAILABLE')
    // The rejected command was sent and may have landed once Redis resumed; if not, the same
    // call now revokes. Either way both devices end.
    const again = await sessions.read(cookie)
    if (again.state === 'active') await again.destroy({ everywhere: true })
    expect(describeState(await sessions.read(other))).toBe('revoked/user-revoked')
    expect(describeState(await sessions.read(cookie))).toBe('revoked/user-revoked')
  })

  it('destroy({ everywhere: true }) on an active session ends every device of the user', async () => {
    const [a, b, stranger] = [await login('bob'), await login('bob'), await login('eve')]
    await (await sessions.read(a)).destroy({ everywhere: true })
    expect(describeState(await sessions.read(a))).toBe('revoked/user-revoked')
    expect(describeState(await sessions.read(b))).toBe('revoked/user-revoked')
    expect(describeState(await sessions.read(stranger))).toBe('active')
  })

  it('a rejected destroy() is safe to retry once Redis is back: the copy ends', async () => {
    const cookie = await login('alice')
    await outage(async () => outcomeOf((await sessions.read(cookie)).destroy()))
    const session = await sessions.read(cookie)
    if (session.state === 'active') await session.destroy()
    expect(describeState(await sessions.read(cookie))).toBe('revoked/session-revoked')
  })
})

describe('destroy() options', () => {
  it('everywhere without a denylist, or options that are not an object: ERR_SESSION_OPTIONS', async () => {
    const plain = createSessions<User>({ keys: SECRET })
    const active = await plain.read(undefined)
    await active.save({ userId: 'alice' })
    expect(await outcomeOf(active.destroy({ everywhere: true }))).toBe('ERR_SESSION_OPTIONS')
    expect(await outcomeOf(active.destroy(null as never))).toBe('ERR_SESSION_OPTIONS')
    // Refused before any effect: the session is still active and wrote nothing new.
    expect(active.state).toBe('active')
    await active.destroy()
    expect(active.state).toBe('destroyed')
  })
})

describe('adapters: sign-out during an outage is not reported as done', () => {
  it('Fetch (withSession): the handler rejects with ERR_DENYLIST_UNAVAILABLE', async () => {
    const cookie = await login('alice')
    const app = withSession(sessions, async (_request, session) => {
      await session.destroy()
      return new Response('signed out')
    })
    const outcome = await outage(async () =>
      outcomeOf(
        app(new Request('http://app.test/logout', { method: 'POST', headers: { cookie } })),
      ),
    )
    expect(outcome).toBe('ERR_DENYLIST_UNAVAILABLE')
  })

  it("Next (a server action's cookies() store): destroy() rejects", async () => {
    const cookie = await login('alice')
    const outcome = await outage(async () => {
      const store = MutableRequestCookiesAdapter.wrap(
        new RequestCookies(new Headers({ cookie })),
        () => {},
      )
      const session = await getNextSession(store, sessions)
      return outcomeOf(session.destroy())
    })
    expect(outcome).toBe('ERR_DENYLIST_UNAVAILABLE')
  })

  it('Express: the logout route reaches the error handler with ERR_DENYLIST_UNAVAILABLE', async () => {
    const cookie = await login('alice')
    const app = express()
    app.use(sessionMiddleware(sessions))
    app.post('/logout', async (req, res) => {
      await req.session.destroy()
      res.json({ ok: true })
    })
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(503).json({ code: codeOf(err) })
    })
    const http = await listen(app)
    try {
      const response = await outage(() =>
        fetch(`${http.url}/logout`, { method: 'POST', headers: { cookie } }),
      )
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 503,
        body: { code: 'ERR_DENYLIST_UNAVAILABLE' },
      })
    } finally {
      await http.close()
    }
  })

  it('Express: req.session.destroy({ everywhere: true }) ends every device of the user', async () => {
    const [a, b] = [await login('zoe'), await login('zoe')]
    const app = express()
    app.use(sessionMiddleware(sessions))
    app.post('/logout-everywhere', async (req, res) => {
      await req.session.destroy({ everywhere: true })
      res.json({ ok: true })
    })
    const http = await listen(app)
    try {
      const response = await fetch(`${http.url}/logout-everywhere`, {
        method: 'POST',
        headers: { cookie: a },
      })
      expect(response.status).toBe(200)
      expect(describeState(await sessions.read(b))).toBe('revoked/user-revoked')
    } finally {
      await http.close()
    }
  })
})
