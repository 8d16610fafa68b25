// The Express adapter on Express 4 (installed as the alias `express4`): the express-session-style
// routes of test/express.test.ts, over real HTTP on 127.0.0.1, with a denylist.
import express4 from 'express4'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createMemoryDenylist } from '../src/denylist/index.js'
import { sessionMiddleware, type SessionData } from '../src/express/index.js'
import { generateSecret } from '../src/keys.js'
import { createSessions } from '../src/session/index.js'
import { CookieJar } from './helpers/cookie-jar.js'
import { listen, type TestServer } from './helpers/listen.js'

declare module '../src/express/index.js' {
  interface SessionData {
    user?: { id: string; name: string }
  }
}

let server: TestServer

beforeAll(async () => {
  const sessions = createSessions<SessionData>({
    keys: generateSecret(),
    userId: (data) => data.user?.id,
    denylist: createMemoryDenylist(),
  })
  const app = express4()
  app.use(sessionMiddleware(sessions))
  app.post('/login', (req, res, next) => {
    // express-session's README login route, unchanged.
    req.session.regenerate((err) => {
      if (err) return next(err)
      req.session.user = { id: 'u1', name: 'Ada' }
      req.session.save((saveErr) => {
        if (saveErr) return next(saveErr)
        res.redirect('/profile')
      })
    })
  })
  app.get('/profile', (req, res) => {
    if (!req.session.user) return res.status(401).json({ state: req.session.state })
    res.json({ id: req.session.id, user: req.session.user })
  })
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err)
      res.send('bye')
    })
  })
  server = await listen(app)
})

afterAll(() => server.close())

test('Express 4: login regenerates, profile reads, logout destroys, a replayed cookie is refused', async () => {
  const jar = new CookieJar()
  const anonymous = await jar.fetch(`${server.url}/profile`)
  expect(anonymous.status).toBe(401)

  const login = await jar.fetch(`${server.url}/login`, { method: 'POST', redirect: 'manual' })
  expect(login.status).toBe(302)
  expect(login.headers.get('cache-control')).toBe('private, no-store')
  const profile = (await (await jar.fetch(`${server.url}/profile`)).json()) as {
    id: string
    user: unknown
  }
  expect(profile.user).toEqual({ id: 'u1', name: 'Ada' })
  expect(profile.id).toMatch(/^[A-Za-z0-9_-]{22}$/)

  const stolen = jar.clone()
  const logout = await jar.fetch(`${server.url}/logout`, { method: 'POST' })
  expect(await logout.text()).toBe('bye')
  expect((await jar.fetch(`${server.url}/profile`)).status).toBe(401)
  const replay = await stolen.fetch(`${server.url}/profile`)
  expect(replay.status).toBe(401)
  expect(await replay.json()).toEqual({ state: 'revoked' })
})
