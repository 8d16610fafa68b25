// Express 5 and node:http adapter over real HTTP: a real Express app listening on 127.0.0.1, real
// fetch requests, and a cookie jar that applies RFC 6265bis storage rules.
import express, { type NextFunction, type Request, type Response } from 'express'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMemoryDenylist } from '../src/denylist/index.js'
import { isSessionError, type SessionError } from '../src/errors.js'
import { getSession, sessionMiddleware, type SessionData } from '../src/express/index.js'
import { jwtStrategy } from '../src/jwt/index.js'
import { generateSecret } from '../src/keys.js'
import { createSessions, type SessionOptions, type Sessions } from '../src/session/index.js'
import { CookieJar } from './helpers/cookie-jar.js'
import { listen, type TestServer } from './helpers/listen.js'

// The declaration merging express-session users know, against this module.
declare module '../src/express/index.js' {
  interface SessionData {
    user?: { id: string; name: string }
    views?: number
    blob?: string
    touched?: number
  }
}

const SECRET = generateSecret()
const COOKIE = '__Host-session'

const codeOf = (error: unknown) => (isSessionError(error) ? error.code : String(error))

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

interface TestApp {
  server: TestServer
  reported: SessionError[]
  /** Lets the test hold /slow until it says so. */
  slow: { entered: ReturnType<typeof deferred>; release: ReturnType<typeof deferred> }
}

function makeApp(sessions: Sessions<SessionData>) {
  const reported: SessionError[] = []
  const slow = { entered: deferred(), release: deferred() }
  const app = express()
  app.use(sessionMiddleware(sessions, { onError: (error) => reported.push(error) }))
  app.use(express.json())

  app.get('/whoami', (req, res) => {
    res.json({
      id: req.session.id,
      state: req.session.state,
      reason: req.session.reason ?? null,
      user: req.session.user ?? null,
    })
  })
  app.get('/count', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1
    res.json({ id: req.session.id, views: req.session.views })
  })
  app.post('/login', async (req: Request<object, unknown, { user: string }>, res) => {
    const previousId = req.session.id
    await req.session.regenerate()
    req.session.user = { id: req.body.user, name: 'Ada' }
    res.json({ previousId, id: req.session.id })
  })
  // Not awaited: the data set after the call belongs to the new session, as the call order says.
  app.post('/login-unawaited', (req: Request<object, unknown, { user: string }>, res) => {
    void req.session.regenerate()
    req.session.user = { id: req.body.user, name: 'Ada' }
    res.json({ id: req.session.id })
  })
  app.post('/destroy-unawaited', (req, res) => {
    const kept = req.session
    void kept.destroy()
    let code = 'none'
    try {
      kept.views = 1
    } catch (e) {
      code = codeOf(e)
    }
    // As in express-session, req.session is gone after destroy().
    res.json({ code, session: typeof req.session })
  })
  app.get('/profile', (req, res) => {
    if (!req.session.user) {
      res.status(401).json({ state: req.session.state, reason: req.session.reason ?? null })
      return
    }
    res.json({ id: req.session.id, user: req.session.user })
  })
  app.post('/logout', async (req, res) => {
    await req.session.destroy()
    res.json({ ok: true })
  })
  // express-session's README login and logout, callbacks only, unchanged.
  app.post('/login-callbacks', (req: Request<object, unknown, { user: string }>, res, next) => {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      req.session.user = { id: req.body.user, name: 'Bob' }
      req.session.save(function (err) {
        if (err) return next(err)
        res.redirect('/profile')
      })
    })
  })
  app.post('/logout-callbacks', (req, res, next) => {
    delete req.session.user
    req.session.save(function (err) {
      if (err) return next(err)
      req.session.regenerate(function (err) {
        if (err) return next(err)
        res.redirect('/')
      })
    })
  })
  app.post('/destroy-callback', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err)
      res.redirect('/')
    })
  })
  app.get('/keys', (req, res) => {
    res.json({
      keys: Object.keys(req.session),
      json: JSON.parse(JSON.stringify(req.session)) as unknown,
      controls: [
        typeof req.session.save,
        typeof req.session.regenerate,
        typeof req.session.destroy,
      ],
      hasSave: 'save' in req.session,
    })
  })
  app.get('/too-large', async (req, res) => {
    const codes: string[] = []
    req.session.blob = 'x'.repeat(20_000)
    await req.session.save().catch((e: unknown) => codes.push(codeOf(e)))
    await new Promise<void>((resolve) =>
      req.session.save((err) => {
        codes.push(codeOf(err))
        resolve()
      }),
    )
    delete req.session.blob
    res.json({ codes })
  })
  app.get('/too-large-unsaved', (req, res) => {
    req.session.blob = 'x'.repeat(20_000)
    res.json({ sent: true })
  })
  app.get('/proto', (req, res) => {
    ;(req.session as unknown as Record<string, unknown>)['__proto__'] = { polluted: true }
    res.json({ sessionPolluted: 'polluted' in req.session && req.session.views === undefined })
  })
  app.get('/misuse', async (req, res) => {
    const codes: string[] = []
    const attempt = (f: () => unknown) => {
      try {
        f()
        codes.push('none')
      } catch (e) {
        codes.push(codeOf(e))
      }
    }
    const loose = req.session as unknown as Record<string, unknown>
    attempt(() => (loose.id = 'attacker-chosen'))
    attempt(() => (loose.save = () => undefined))
    attempt(() => delete loose.regenerate)
    attempt(() => Object.defineProperty(loose, 'state', { value: 'active' }))
    // A frozen or re-prototyped store would keep data through regenerate() or read through it.
    attempt(() => Object.freeze(loose))
    attempt(() => Object.setPrototypeOf(loose, { views: 7 }))
    attempt(() => (req.session.views = req.session.views === undefined ? 1 : -1))
    attempt(() => Object.defineProperty(loose, 'blob', { value: 'x', enumerable: true }))
    attempt(() => Object.defineProperty(loose, 'touched', { value: 1, configurable: false }))
    await req.session.regenerate()
    codes.push(Object.keys(req.session).length === 0 ? 'cleared' : 'kept')
    // After destroy(), req.session is gone (as in express-session); a reference kept refuses.
    const held = req.session
    await held.destroy()
    attempt(() => (held.views = 1))
    codes.push(await held.save().then(() => 'none', codeOf))
    codes.push(await held.regenerate().then(() => 'none', codeOf))
    res.json({ codes })
  })
  app.get('/late', async (req, res) => {
    const thrown: unknown[] = []
    res.write('a')
    try {
      req.session.views = 99
      await req.session.save()
      await req.session.regenerate()
    } catch (e) {
      thrown.push(e)
    }
    res.on('finish', () => {
      req.session.views = 100
    })
    res.end(`b${thrown.length}`)
  })
  app.post('/late-destroy', async (req, res) => {
    res.write('streaming')
    await req.session.destroy()
    res.end()
  })
  app.get('/stream-unsaved', (req, res) => {
    req.session.views = 5
    res.write('x')
    res.end()
  })
  app.get('/stream-saved', async (req, res) => {
    req.session.views = 5
    await req.session.save()
    res.write('x')
    res.end()
  })
  app.get('/write-head', (req, res) => {
    // Unsaved: the head waits for res.end(), which seals first.
    req.session.views = 1
    res.writeHead(200, { 'Set-Cookie': 'other=1; Path=/', 'Content-Type': 'text/plain' })
    res.end('ok')
  })
  app.get('/write-head-array', async (req, res) => {
    req.session.views = 1
    await req.session.save()
    res.setHeader('Set-Cookie', 'replaced=1')
    res.writeHead(200, 'Fine', ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'])
    res.end('ok')
  })
  app.get('/slow', async (req, res) => {
    slow.entered.resolve()
    await slow.release.promise
    req.session.touched = 1
    res.json({ id: req.session.id })
  })
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ code: codeOf(err) })
  })
  return { app, reported, slow }
}

async function start(sessions: Sessions<SessionData>): Promise<TestApp> {
  const { app, reported, slow } = makeApp(sessions)
  const server = await listen(app)
  return { server, reported, slow }
}

const json = async <R = Record<string, unknown>>(response: Response | globalThis.Response) =>
  (await response.json()) as R

const post = (jar: CookieJar, url: string, body?: unknown) =>
  jar.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  })

function options(extra: Partial<SessionOptions<SessionData>> = {}): SessionOptions<SessionData> {
  return { keys: SECRET, userId: (data) => data.user?.id, ...extra }
}

describe('Express 5 with a denylist', () => {
  let t: TestApp
  let sessions: Sessions<SessionData>
  beforeAll(async () => {
    sessions = createSessions<SessionData>(options({ denylist: createMemoryDenylist() }))
    t = await start(sessions)
  })
  afterAll(() => t.server.close())

  test('login regenerates the id, profile reads it, a read-only request sets no cookie', async () => {
    const jar = new CookieJar()
    const counted = await json<{ id: string; views: number }>(
      await jar.fetch(`${t.server.url}/count`),
    )
    expect(counted.views).toBe(1)
    const anonymousCookie = jar.get(COOKIE)!.value
    const beforeLogin = jar.clone()

    const login = await post(jar, `${t.server.url}/login`, { user: 'u1' })
    expect(login.status).toBe(200)
    const { previousId, id } = await json<{ previousId: string; id: string }>(login)
    expect(previousId).toBe(counted.id)
    expect(id).not.toBe(previousId)
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(login.headers.get('cache-control')).toBe('private, no-store')
    expect(jar.get(COOKIE)!.value).not.toBe(anonymousCookie)
    const cookie = jar.get(COOKIE)!
    expect(cookie).toMatchObject({
      secure: true,
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      hostOnly: true,
    })

    const profile = await jar.fetch(`${t.server.url}/profile`)
    expect(profile.status).toBe(200)
    expect(await json(profile)).toEqual({ id, user: { id: 'u1', name: 'Ada' } })
    expect(profile.headers.getSetCookie()).toEqual([])
    expect(profile.headers.get('cache-control')).toBeNull()

    // The pre-login cookie was revoked by regenerate(): replaying it gives an anonymous session.
    const replay = await json(await beforeLogin.fetch(`${t.server.url}/whoami`))
    expect(replay).toMatchObject({ state: 'revoked', reason: 'session-revoked', user: null })
  })

  test('logout destroys the session; a replayed copy of the cookie is refused', async () => {
    const jar = new CookieJar()
    await post(jar, `${t.server.url}/login`, { user: 'u2' })
    const stolen = jar.clone()
    const logout = await post(jar, `${t.server.url}/logout`)
    expect(logout.status).toBe(200)
    expect(logout.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^__Host-session=; Max-Age=0;/),
    ])
    expect(jar.get(COOKIE)).toBeUndefined()
    expect((await jar.fetch(`${t.server.url}/profile`)).status).toBe(401)

    const replay = await stolen.fetch(`${t.server.url}/profile`)
    expect(replay.status).toBe(401)
    expect(await json(replay)).toEqual({ state: 'revoked', reason: 'session-revoked' })
  })

  test("express-session's callback-style login and logout work unchanged", async () => {
    const jar = new CookieJar()
    const login = await post(jar, `${t.server.url}/login-callbacks`, { user: 'u3' })
    expect(login.status).toBe(302)
    expect(login.headers.get('location')).toBe('/profile')
    expect(login.headers.getSetCookie()).toHaveLength(1)
    const profile = await json<{ user: unknown }>(await jar.fetch(`${t.server.url}/profile`))
    expect(profile.user).toEqual({ id: 'u3', name: 'Bob' })
    const stolen = jar.clone()

    const logout = await post(jar, `${t.server.url}/logout-callbacks`)
    expect(logout.status).toBe(302)
    // regenerate() after save(): the new, empty session is not stored; the cookie is cleared.
    expect(jar.get(COOKIE)).toBeUndefined()
    expect((await stolen.fetch(`${t.server.url}/profile`)).status).toBe(401)

    await post(jar, `${t.server.url}/login-callbacks`, { user: 'u3' })
    const stolenAgain = jar.clone()
    const destroyed = await post(jar, `${t.server.url}/destroy-callback`)
    expect(destroyed.status).toBe(302)
    expect(jar.get(COOKIE)).toBeUndefined()
    expect(await json(await stolenAgain.fetch(`${t.server.url}/whoami`))).toMatchObject({
      state: 'revoked',
      reason: 'session-revoked',
    })
  })

  test('data set right after a regenerate() or destroy() not awaited is neither lost nor revived', async () => {
    const jar = new CookieJar()
    await jar.fetch(`${t.server.url}/count`)
    const before = t.reported.length
    const login = await post(jar, `${t.server.url}/login-unawaited`, { user: 'u7' })
    expect(login.status).toBe(200)
    const { id } = await json<{ id: string }>(login)
    expect(login.headers.getSetCookie()).toHaveLength(1)
    expect(await json(await jar.fetch(`${t.server.url}/profile`))).toEqual({
      id,
      user: { id: 'u7', name: 'Ada' },
    })
    expect(t.reported.slice(before)).toEqual([])

    const destroyed = await post(jar, `${t.server.url}/destroy-unawaited`)
    expect(await json(destroyed)).toEqual({ code: 'ERR_SESSION_STATE', session: 'undefined' })
    expect(jar.get(COOKIE)).toBeUndefined()
  })

  test('save() reports errors to promises and to callbacks alike', async () => {
    const jar = new CookieJar()
    const response = await jar.fetch(`${t.server.url}/too-large`)
    expect(await json(response)).toEqual({
      codes: ['ERR_COOKIE_TOO_LARGE', 'ERR_COOKIE_TOO_LARGE'],
    })
    // The data went back to empty, so nothing is saved at the end.
    expect(response.headers.getSetCookie()).toEqual([])
  })

  test('unsaved changes that cannot be sealed at res.end() go to the error handler', async () => {
    const jar = new CookieJar()
    const response = await jar.fetch(`${t.server.url}/too-large-unsaved`)
    expect(response.status).toBe(500)
    expect(await json(response)).toEqual({ code: 'ERR_COOKIE_TOO_LARGE' })
    expect(response.headers.getSetCookie()).toEqual([])

    const proto = await jar.fetch(`${t.server.url}/proto`)
    expect(proto.status).toBe(500)
    expect(await json(proto)).toEqual({ code: 'ERR_DATA_UNSERIALIZABLE' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('the controls are not data: never in keys, JSON or the cookie, and cannot be overwritten', async () => {
    const jar = new CookieJar()
    await post(jar, `${t.server.url}/login`, { user: 'u4' })
    const keys = await json(await jar.fetch(`${t.server.url}/keys`))
    expect(keys).toEqual({
      keys: ['user'],
      json: { user: { id: 'u4', name: 'Ada' } },
      controls: ['function', 'function', 'function'],
      hasSave: true,
    })
    // What the cookie holds, opened with the same manager.
    const opened = await sessions.read(`${COOKIE}=${jar.get(COOKIE)!.value}`)
    expect(opened.state).toBe('active')
    expect(opened.data).toEqual({ user: { id: 'u4', name: 'Ada' } })

    const misuse = await json(await jar.fetch(`${t.server.url}/misuse`))
    expect(misuse).toEqual({
      codes: [
        'ERR_SESSION_STATE', // id
        'ERR_SESSION_STATE', // save
        'ERR_SESSION_STATE', // delete regenerate
        'ERR_SESSION_STATE', // defineProperty state
        'ERR_SESSION_STATE', // freeze
        'ERR_SESSION_STATE', // setPrototypeOf
        'none', // data still writable
        'none', // defineProperty: configurable by default here, so regenerate() can remove it
        'ERR_SESSION_STATE', // a non-configurable property would survive regenerate()
        'cleared', // regenerate() cleared it
        'ERR_SESSION_STATE', // data after destroy()
        'ERR_SESSION_STATE', // save() after destroy()
        'ERR_SESSION_STATE', // regenerate() after destroy()
      ],
    })
  })

  test('after the headers were sent, changes, save, regenerate and destroy never throw', async () => {
    const jar = new CookieJar()
    await post(jar, `${t.server.url}/login`, { user: 'u5' })
    const before = t.reported.length
    const late = await jar.fetch(`${t.server.url}/late`)
    expect(late.status).toBe(200)
    expect(await late.text()).toBe('ab0')
    expect(late.headers.getSetCookie()).toEqual([])
    const reported = t.reported.slice(before)
    expect(reported.length).toBe(1) // once per request
    expect(reported.map((e) => e.code)).toEqual(['ERR_SESSION_STATE'])
    // regenerate() still revoked the old id on the server, though the cookie stayed.
    expect(await json(await jar.fetch(`${t.server.url}/whoami`))).toMatchObject({
      reason: 'session-revoked',
    })

    await post(jar, `${t.server.url}/login`, { user: 'u5' })
    const destroyed = await post(jar, `${t.server.url}/late-destroy`)
    expect(await destroyed.text()).toBe('streaming')
    expect(destroyed.headers.getSetCookie()).toEqual([])
    expect(jar.get(COOKIE)).toBeDefined()
    expect(await json(await jar.fetch(`${t.server.url}/whoami`))).toMatchObject({
      reason: 'session-revoked',
    })
  })

  test('a change left unsaved when a streamed response starts is sealed before the headers (issue 10, item 1)', async () => {
    const jar = new CookieJar()
    const before = t.reported.length
    const unsaved = await jar.fetch(`${t.server.url}/stream-unsaved`)
    expect(await unsaved.text()).toBe('x')
    expect(unsaved.headers.getSetCookie()).toHaveLength(1)
    expect(t.reported.slice(before)).toEqual([])
    expect(await json(await jar.fetch(`${t.server.url}/count`))).toMatchObject({ views: 6 })

    const saved = await jar.fetch(`${t.server.url}/stream-saved`)
    expect(await saved.text()).toBe('x')
    expect(saved.headers.getSetCookie()).toHaveLength(1)
    expect(await json(await jar.fetch(`${t.server.url}/count`))).toMatchObject({ views: 6 })
  })

  test("Set-Cookie headers given to writeHead() and the session's both go out", async () => {
    const jar = new CookieJar()
    const object = await jar.fetch(`${t.server.url}/write-head`)
    expect(await object.text()).toBe('ok')
    expect(object.headers.get('content-type')).toBe('text/plain')
    const cookies = object.headers.getSetCookie().map((h) => h.split('=')[0])
    expect(cookies).toEqual(['other', COOKIE])

    const array = await jar.fetch(`${t.server.url}/write-head-array`)
    expect(array.statusText).toBe('Fine')
    // As in Node: writeHead's Set-Cookie replaces the one set before; both of its own stay.
    expect(array.headers.getSetCookie().map((h) => h.split('=')[0])).toEqual(['a', 'b', COOKIE])
  })

  test('a request still running when the session is destroyed does not resurrect it', async () => {
    const jar = new CookieJar()
    await post(jar, `${t.server.url}/login`, { user: 'u6' })
    const slowResponse = jar.fetch(`${t.server.url}/slow`) // sent with the logged-in cookie
    await t.slow.entered.promise
    const logout = await post(jar, `${t.server.url}/logout`)
    expect(logout.status).toBe(200)
    expect(jar.get(COOKIE)).toBeUndefined()
    t.slow.release.resolve()
    const late = await slowResponse
    // The slow request saved its change: it re-issued the old session's cookie after logout…
    expect(late.headers.getSetCookie()).toHaveLength(1)
    expect(jar.get(COOKIE)).toBeDefined()
    // …which the denylist refuses.
    const profile = await jar.fetch(`${t.server.url}/profile`)
    expect(profile.status).toBe(401)
    expect(await json(profile)).toEqual({ state: 'revoked', reason: 'session-revoked' })
  })

  test('hostile Cookie headers give an anonymous session, never a 500', async () => {
    const hostile = [
      `${COOKIE}=garbage`,
      `${COOKIE}=c1.k0.${'A'.repeat(5000)}`,
      `${COOKIE}.0=a; ${COOKIE}.2=b`,
      `${COOKIE}=${'x'.repeat(7000)}`,
      ';;;=;=;',
    ]
    for (const cookie of hostile) {
      const response = await fetch(`${t.server.url}/whoami`, { headers: { cookie } })
      expect(response.status).toBe(200)
      expect(await json(response)).toMatchObject({ user: null })
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (value) => {
        const headerValue = value.replace(/[^\x20-\x7e]/g, '')
        const response = await fetch(`${t.server.url}/whoami`, {
          headers: { cookie: `${COOKIE}=${headerValue}` },
        })
        expect(response.status).toBe(200)
        await response.arrayBuffer()
      }),
      { numRuns: 40 },
    )
  })
})

describe('Express 5 without a denylist', () => {
  test('a copy of the cookie outlives logout: revocation needs the denylist', async () => {
    const t = await start(createSessions<SessionData>(options()))
    try {
      const jar = new CookieJar()
      await post(jar, `${t.server.url}/login`, { user: 'u7' })
      const stolen = jar.clone()
      await post(jar, `${t.server.url}/logout`)
      expect((await jar.fetch(`${t.server.url}/profile`)).status).toBe(401)
      // Stateless: the browser forgot the cookie, but a copy still opens until it expires.
      expect((await stolen.fetch(`${t.server.url}/profile`)).status).toBe(200)
    } finally {
      await t.server.close()
    }
  })

  test('rolling refresh: a read-only request re-issues the cookie only once it is due', async () => {
    let clock = Date.UTC(2030, 0, 1)
    const jar = new CookieJar({ now: () => clock })
    const t = await start(
      createSessions<SessionData>(
        options({ now: () => clock, idleTimeoutSeconds: 600, refreshAfterSeconds: 60 }),
      ),
    )
    try {
      await post(jar, `${t.server.url}/login`, { user: 'u8' })
      clock += 59_000
      const early = await jar.fetch(`${t.server.url}/profile`)
      expect(early.status).toBe(200)
      expect(early.headers.getSetCookie()).toEqual([])
      clock += 1_000
      const due = await jar.fetch(`${t.server.url}/profile`)
      expect(due.status).toBe(200)
      expect(due.headers.getSetCookie()).toHaveLength(1)
      // The refreshed cookie carries the idle timeout forward.
      clock += 599_000
      expect((await jar.fetch(`${t.server.url}/profile`)).status).toBe(200)
      clock += 601_000
      expect(await json(await jar.fetch(`${t.server.url}/profile`))).toEqual({
        state: 'expired',
        reason: 'idle-timeout',
      })
    } finally {
      await t.server.close()
    }
  })
})

describe('Express 5 with the JWT strategy and a denylist', () => {
  test('login, profile, logout, and a replayed token refused', async () => {
    const strategy = jwtStrategy({
      algorithm: 'HS256',
      keys: { current: 'j1', keys: { j1: generateSecret() } },
      issuer: 'https://app.test',
      audience: 'https://app.test',
    })
    await strategy.ready
    const t = await start(
      createSessions<SessionData>(options({ strategy, denylist: createMemoryDenylist() })),
    )
    try {
      const jar = new CookieJar()
      await post(jar, `${t.server.url}/login`, { user: 'u9' })
      expect(jar.get(COOKIE)!.value.split('.')).toHaveLength(3) // a JWS
      const profile = await json<{ user: unknown }>(await jar.fetch(`${t.server.url}/profile`))
      expect(profile.user).toEqual({ id: 'u9', name: 'Ada' })
      const stolen = jar.clone()
      await post(jar, `${t.server.url}/logout`)
      expect(await json(await stolen.fetch(`${t.server.url}/profile`))).toEqual({
        state: 'revoked',
        reason: 'session-revoked',
      })
    } finally {
      await t.server.close()
    }
  })
})

describe('plain node:http', () => {
  test('login, profile and logout with callbacks and promises', async () => {
    const sessions = createSessions<SessionData>(options({ denylist: createMemoryDenylist() }))
    const handle = sessionMiddleware(sessions)
    const server = await listen((req, res) => {
      handle(req, res, (error) => {
        if (error) {
          res.writeHead(500).end(codeOf(error))
          return
        }
        const session = getSession(req)
        if (req.url === '/login') {
          session.regenerate((err) => {
            if (err) return res.writeHead(500).end()
            session.user = { id: 'n1', name: 'Node' }
            res.writeHead(204).end()
          })
        } else if (req.url === '/logout') {
          session.destroy().then(
            () => res.writeHead(204).end(),
            () => res.writeHead(500).end(),
          )
        } else {
          res.writeHead(session.user ? 200 : 401, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ user: session.user ?? null, reason: session.reason ?? null }))
        }
      })
    })
    try {
      const jar = new CookieJar()
      const login = await jar.fetch(`${server.url}/login`, { method: 'POST' })
      expect(login.status).toBe(204)
      expect(login.headers.getSetCookie()).toHaveLength(1)
      const profile = await jar.fetch(`${server.url}/profile`)
      expect(await json(profile)).toEqual({ user: { id: 'n1', name: 'Node' }, reason: null })
      const stolen = jar.clone()
      expect((await jar.fetch(`${server.url}/logout`, { method: 'POST' })).status).toBe(204)
      expect(jar.get(COOKIE)).toBeUndefined()
      expect(await json(await stolen.fetch(`${server.url}/profile`))).toEqual({
        user: null,
        reason: 'session-revoked',
      })
    } finally {
      await server.close()
    }
  })

  test('misuse fails at construction or with a typed code', () => {
    expect(codeOf(catching(() => sessionMiddleware({} as Sessions<SessionData>)))).toBe(
      'ERR_SESSION_OPTIONS',
    )
    const sessions = createSessions<SessionData>(options())
    expect(
      codeOf(catching(() => sessionMiddleware(sessions, { onError: 1 as unknown as () => void }))),
    ).toBe('ERR_SESSION_OPTIONS')
    expect(codeOf(catching(() => getSession({})))).toBe('ERR_SESSION_STATE')
    expect(codeOf(catching(() => getSession({ session: { id: 'x' } })))).toBe('ERR_SESSION_STATE')
  })
})

function catching(f: () => unknown): unknown {
  try {
    f()
  } catch (error) {
    return error
  }
  return undefined
}
