// Devices (issue 13) in an Express app over real HTTP: two clients with their own User-Agent sign
// in as one user; the first lists both, signs the second out, and the second's next request is
// refused. The same routes a "where you're signed in" page needs.

import express, { type Request, type Response } from 'express'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createMemoryDenylist } from '../src/denylist/index.js'
import { sessionMiddleware } from '../src/express/index.js'
import { generateSecret } from '../src/keys.js'
import { createSessions } from '../src/session/index.js'
import { CookieJar } from './helpers/cookie-jar.js'
import { listen, type TestServer } from './helpers/listen.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'

declare module '../src/express/index.js' {
  interface SessionData {
    userId?: string
  }
}

const sessions = createSessions<{ userId: string }>({
  keys: generateSecret(),
  cookie: { name: 'sid', secure: false },
  denylist: createMemoryDenylist(),
  devices: { maxSessionsPerUser: 5 },
})

/** What listSessions/revokeOwnSession need of req.session. */
const refOf = (req: Request) => ({
  state: req.session.state,
  id: req.session.id,
  userId: req.session.userId,
})

let server: TestServer
beforeAll(async () => {
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  app.use(sessionMiddleware(sessions))
  app.post('/login', async (req: Request, res: Response) => {
    await req.session.regenerate()
    req.session.userId = String((req.body as { user?: unknown }).user)
    await req.session.save()
    res.end('ok')
  })
  app.get('/devices', async (req: Request, res: Response) => {
    if (req.session.state !== 'active' || req.session.userId === undefined) {
      res.status(401).json({ state: req.session.state, reason: req.session.reason })
      return
    }
    res.json(await sessions.listSessions(req.session.userId, { current: refOf(req) }))
  })
  app.post('/devices/sign-out', async (req: Request, res: Response) => {
    if (req.session.state !== 'active') {
      res.status(401).end()
      return
    }
    const id = String((req.body as { id?: unknown }).id)
    res.json({ revoked: await sessions.revokeOwnSession(refOf(req), id) })
  })
  server = await listen(app)
})
afterAll(() => server.close())

function device(userAgent: string) {
  const jar = new CookieJar()
  const headers = { 'user-agent': userAgent }
  return {
    login: (user: string) =>
      jar.fetch(`${server.url}/login`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: `user=${user}`,
      }),
    devices: () => jar.fetch(`${server.url}/devices`, { headers }),
    signOut: (id: string) =>
      jar.fetch(`${server.url}/devices/sign-out`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: `id=${id}`,
      }),
  }
}

test('Express: the second device appears with its label, is signed out from the first, its next request is refused', async () => {
  const laptop = device(FIREFOX)
  const phone = device(SAFARI)
  expect((await laptop.login('grace')).status).toBe(200)
  expect((await phone.login('grace')).status).toBe(200)
  const list = (await (await laptop.devices()).json()) as {
    id: string
    label: string
    current: boolean
  }[]
  expect(list.map((d) => [d.label, d.current])).toEqual([
    ['Safari 17 on iPhone', false],
    ['Firefox 133 on Linux', true],
  ])
  const phoneId = list.find((d) => !d.current)!.id
  // Another user cannot sign grace's phone out.
  const mallory = device(FIREFOX)
  await mallory.login('mallory')
  expect(await (await mallory.signOut(phoneId)).json()).toEqual({ revoked: false })
  expect((await phone.devices()).status).toBe(200)

  expect(await (await laptop.signOut(phoneId)).json()).toEqual({ revoked: true })
  const after = (await (await laptop.devices()).json()) as { label: string }[]
  expect(after.map((d) => d.label)).toEqual(['Firefox 133 on Linux'])
  const refused = await phone.devices()
  expect(refused.status).toBe(401)
  expect(await refused.json()).toEqual({ state: 'revoked', reason: 'session-revoked' })
})
