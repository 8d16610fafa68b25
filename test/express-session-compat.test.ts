// `cachet/express` as a drop-in for express-session (issue 10): apps written from express-session's
// README, on real Express 4 (the `express4` alias) and Express 5 over real HTTP, with only the
// set-up line changed. One describe block per behaviour of the issue, run on both versions.
import { createHash, randomUUID } from 'node:crypto'
import express5, { type Express, type NextFunction, type Request, type Response } from 'express'
import express4 from 'express4'
import { afterEach, describe, expect, test } from 'vitest'
import { createMemoryDenylist } from '../src/denylist/index.js'
import { isSessionError } from '../src/errors.js'
import { getSession, session, sessionMiddleware, type SessionData } from '../src/express/index.js'
import { generateSecret } from '../src/keys.js'
import { createSessions } from '../src/session/index.js'
import { code } from './helpers/error-code.js'
import { CookieJar } from './helpers/cookie-jar.js'
import { listen, type TestServer } from './helpers/listen.js'

declare module '../src/express/index.js' {
  interface SessionData {
    views?: number
    login?: string | null
    n?: number
  }
}

const SECRET = generateSecret()
const SID = 'connect.sid'
const DAY_MS = 24 * 3600 * 1000

type Options = Parameters<typeof session>[0]

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const codeOf = (error: unknown) => (isSessionError(error) ? error.code : String(error))

function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction) {
  if (!res.headersSent) res.status(500).json({ code: codeOf(err) })
}

const versions = [
  ['Express 4', express4],
  ['Express 5', express5],
] as const

describe.each(versions)('%s', (_name, express: () => Express) => {
  async function serve(
    options: Options,
    routes: (app: Express) => void,
    before?: (app: Express) => void,
  ) {
    const app = express()
    before?.(app)
    app.use(session(options))
    routes(app)
    app.use(errorHandler)
    const server = await listen(app)
    servers.push(server)
    return server
  }

  describe('item 1: streaming responses keep their changes', () => {
    test("express-session's README view counter (several res.write calls) counts 1, 2, 3, 4", async () => {
      const server = await serve({ secret: SECRET, cookie: { maxAge: 60000 } }, (app) => {
        app.get('/', function (req, res) {
          const sess = req.session
          if (sess.views) {
            sess.views++
            res.setHeader('Content-Type', 'text/html')
            res.write('<p>views: ' + sess.views + '</p>')
            res.write('<p>expires in: ' + sess.cookie.maxAge! / 1000 + 's</p>')
            res.end()
          } else {
            sess.views = 1
            res.end('welcome to the session demo. refresh!')
          }
        })
      })
      const jar = new CookieJar()
      expect(await (await jar.fetch(`${server.url}/`)).text()).toContain('welcome')
      const seen: string[] = []
      for (let i = 0; i < 3; i++) {
        const text = await (await jar.fetch(`${server.url}/`)).text()
        seen.push(/views: (\d+)/.exec(text)![1]!)
        expect(text).toMatch(/expires in: (59|60)(\.\d+)?s/)
      }
      expect(seen).toEqual(['2', '3', '4'])
    })

    test('a change before res.writeHead() / res.flushHeaders() / stream.pipe(res) is in the headers', async () => {
      const server = await serve({ secret: SECRET }, (app) => {
        app.get('/head', (req, res) => {
          req.session.n = (req.session.n ?? 0) + 1
          res.writeHead(200, { 'content-type': 'text/plain' })
          res.write(String(req.session.n))
          res.end()
        })
        app.get('/flush', (req, res) => {
          req.session.n = (req.session.n ?? 0) + 10
          res.flushHeaders()
          res.end(String(req.session.n))
        })
        app.get('/read', (req, res) => {
          res.json({ n: req.session.n ?? 0 })
        })
      })
      const jar = new CookieJar()
      expect(await (await jar.fetch(`${server.url}/head`)).text()).toBe('1')
      expect(await (await jar.fetch(`${server.url}/head`)).text()).toBe('2')
      expect(await (await jar.fetch(`${server.url}/flush`)).text()).toBe('12')
      expect(await (await jar.fetch(`${server.url}/read`)).json()).toEqual({ n: 12 })
    })
  })

  describe('item 2: never crash', () => {
    test('res.send(x) then res.end(), and a second end(), on a changed session: no crash, change kept', async () => {
      const server = await serve({ secret: SECRET }, (app) => {
        app.get('/send-end', (req, res) => {
          req.session.n = (req.session.n ?? 0) + 1
          res.send(`n=${req.session.n}`)
          res.end()
        })
        app.get('/end-end', (req, res) => {
          req.session.n = (req.session.n ?? 0) + 1
          res.end('once')
          res.end('twice')
          res.end()
        })
        app.get('/read', (req, res) => {
          res.json({ n: req.session.n ?? 0 })
        })
      })
      const jar = new CookieJar()
      expect(await (await jar.fetch(`${server.url}/send-end`)).text()).toBe('n=1')
      expect(await (await jar.fetch(`${server.url}/end-end`)).text()).toBe('once')
      expect(await (await jar.fetch(`${server.url}/read`)).json()).toEqual({ n: 2 })
    })
  })

  describe('item 3: req.session.cookie', () => {
    test('"remember me": cookie.maxAge set per request is applied and kept for that session', async () => {
      const server = await serve({ secret: SECRET, maxAgeSeconds: 60 * 24 * 3600 }, (app) => {
        app.post('/login', (req, res) => {
          req.session.login = 'ada'
          if (req.query.remember) req.session.cookie.maxAge = 30 * DAY_MS
          res.json({
            maxAge: req.session.cookie.maxAge,
            original: req.session.cookie.originalMaxAge,
          })
        })
        app.post('/touch-data', (req, res) => {
          req.session.n = 1
          res.json(req.session.cookie)
        })
      })
      const remember = new CookieJar()
      const login = await remember.fetch(`${server.url}/login?remember=1`, { method: 'POST' })
      expect(await login.json()).toMatchObject({ original: 30 * DAY_MS })
      expect(login.headers.getSetCookie()[0]).toMatch(/; Max-Age=2592000(;|$)/)
      // A later save of that session keeps its 30-day lifetime, without the route asking again.
      const later = await remember.fetch(`${server.url}/touch-data`, { method: 'POST' })
      expect(later.headers.getSetCookie()[0]).toMatch(/; Max-Age=2592000(;|$)/)
      expect(await later.json()).toMatchObject({
        originalMaxAge: 30 * DAY_MS,
        httpOnly: true,
        path: '/',
      })

      const plain = new CookieJar()
      const browserSession = await plain.fetch(`${server.url}/login`, { method: 'POST' })
      expect(browserSession.headers.getSetCookie()[0]).not.toMatch(/Max-Age|Expires/i)
      expect(await browserSession.json()).toEqual({ maxAge: null, original: null })
    })

    test('attributes from the options reach the Set-Cookie and req.session.cookie', async () => {
      const server = await serve(
        {
          secret: SECRET,
          name: 'sid',
          cookie: {
            path: '/',
            httpOnly: false,
            secure: true,
            sameSite: 'strict',
            partitioned: true,
            priority: 'high',
            maxAge: 3_600_000,
          },
        },
        (app) => {
          app.get('/', (req, res) => {
            const c = req.session.cookie
            res.json({
              httpOnly: c.httpOnly,
              secure: c.secure,
              sameSite: c.sameSite,
              path: c.path,
              partitioned: c.partitioned,
              priority: c.priority,
              expires: c.expires instanceof Date,
            })
          })
        },
        (app) => app.set('trust proxy', true),
      )
      const response = await fetch(`${server.url}/`, { headers: { 'x-forwarded-proto': 'https' } })
      expect(await response.json()).toEqual({
        httpOnly: false,
        secure: true,
        sameSite: 'strict',
        path: '/',
        partitioned: true,
        priority: 'high',
        expires: true,
      })
      const header = response.headers.getSetCookie()[0]!
      expect(header).toMatch(/^sid=/)
      expect(header).toMatch(/; Max-Age=3600;/)
      expect(header).toMatch(/; Secure/)
      expect(header).toMatch(/; SameSite=Strict/)
      expect(header).toMatch(/; Partitioned/)
      expect(header).toMatch(/; Priority=High/)
      expect(header).not.toMatch(/HttpOnly/)
    })
  })

  describe('item 4: cookie lifetime', () => {
    test('maxAge slides from the last save; rolling resets it on every response; the seal enforces it', async () => {
      let clock = Date.parse('2030-01-01T00:00:00Z')
      const now = () => clock
      const routes = (app: Express) => {
        app.get('/set', (req, res) => {
          req.session.n = (req.session.n ?? 0) + 1
          res.json({ n: req.session.n })
        })
        app.get('/read', (req, res) => {
          res.json({ n: req.session.n ?? 0, maxAge: req.session.cookie.maxAge })
        })
      }
      const sliding = await serve({ secret: SECRET, now, cookie: { maxAge: 60_000 } }, routes)
      const jar = new CookieJar({ now })
      await jar.fetch(`${sliding.url}/set`)
      clock += 50_000
      const read = await jar.fetch(`${sliding.url}/read`)
      expect(read.headers.getSetCookie()).toEqual([]) // not modified, not rolling: no cookie
      expect(await read.json()).toEqual({ n: 1, maxAge: 10_000 })
      const saved = await jar.fetch(`${sliding.url}/set`) // a save starts a new minute
      expect(saved.headers.getSetCookie()[0]).toMatch(/; Max-Age=60;/)
      const replay = jar.header(`${sliding.url}/`)!
      clock += 59_000
      expect(await (await jar.fetch(`${sliding.url}/read`)).json()).toMatchObject({ n: 2 })
      clock += 2_000
      expect(jar.get(SID)).toBeUndefined() // the browser dropped it at Max-Age
      // A copy replayed past its expiry is refused by the seal, as a store would have expired it.
      const replayed = await fetch(`${sliding.url}/read`, { headers: { cookie: replay } })
      expect(await replayed.json()).toMatchObject({ n: 0 })

      const rolling = await serve(
        { secret: SECRET, now, rolling: true, cookie: { maxAge: 60_000 } },
        routes,
      )
      const rjar = new CookieJar({ now })
      await rjar.fetch(`${rolling.url}/set`)
      for (let i = 0; i < 3; i++) {
        clock += 50_000
        const r = await rjar.fetch(`${rolling.url}/read`)
        expect(r.headers.getSetCookie()[0]).toMatch(/; Max-Age=60;/)
        // As in express-session, the handler sees the time left; the response resets it.
        expect(await r.json()).toEqual({ n: 1, maxAge: 10_000 })
      }
    })

    test('Max-Age is never rounded down to 0 for a live session; the absolute lifetime bounds it', async () => {
      let clock = Date.parse('2030-01-01T00:00:00Z')
      const now = () => clock
      const server = await serve(
        { secret: SECRET, now, maxAgeSeconds: 3600, cookie: { maxAge: 400 } },
        (app) => {
          app.get('/set', (req, res) => {
            req.session.n = (req.session.n ?? 0) + 1
            res.json({ n: req.session.n })
          })
        },
      )
      const first = await fetch(`${server.url}/set`)
      expect(first.headers.getSetCookie()[0]).toMatch(/; Max-Age=1;/)
      const long = await serve(
        { secret: SECRET, now, maxAgeSeconds: 3600, cookie: { maxAge: 30 * DAY_MS } },
        (app) => {
          app.get('/set', (req, res) => {
            req.session.n = 1
            res.end()
          })
        },
      )
      const bounded = await fetch(`${long.url}/set`)
      expect(bounded.headers.getSetCookie()[0]).toMatch(/; Max-Age=3600;/)
      clock += 1
    })
  })

  describe('item 5: saveUninitialized', () => {
    test('true (the default): an unmodified new session is saved and keeps its id', async () => {
      const routes = (app: Express) =>
        app.get('/', (req, res) => {
          res.json({ id: req.session.id, sessionID: req.sessionID })
        })
      const server = await serve({ secret: SECRET }, routes)
      const jar = new CookieJar()
      const first = await jar.fetch(`${server.url}/`)
      // express-session's defaults (name, path, HttpOnly, no Max-Age), with SameSite=Lax.
      expect(first.headers.getSetCookie()).toEqual([
        expect.stringMatching(/^connect\.sid=[A-Za-z0-9._-]+; Path=\/; HttpOnly; SameSite=Lax$/),
      ])
      const { id } = (await first.json()) as { id: string }
      const second = await jar.fetch(`${server.url}/`)
      expect(await second.json()).toEqual({ id, sessionID: id })
      expect(second.headers.getSetCookie()).toEqual([])

      const off = await serve({ secret: SECRET, saveUninitialized: false }, routes)
      const none = await fetch(`${off.url}/`)
      expect(none.headers.getSetCookie()).toEqual([])
    })
  })

  describe('item 6: req.session is an ordinary object', () => {
    test('hasOwnProperty, Object.keys, JSON.stringify, String; req.sessionID; destroy removes it', async () => {
      const server = await serve({ secret: SECRET }, (app) => {
        app.get('/inspect', (req, res) => {
          req.session.views = 3
          res.json({
            own: req.session.hasOwnProperty('views'),
            ownCookie: Object.prototype.hasOwnProperty.call(req.session, 'cookie'),
            keys: Object.keys(req.session).sort(),
            json: JSON.parse(JSON.stringify(req.session)) as unknown,
            // eslint-disable-next-line @typescript-eslint/no-base-to-string -- what is tested
            string: String(req.session),
            sessionID: req.sessionID === req.session.id,
          })
        })
        app.post('/destroy', (req, res, next) => {
          req.session.destroy((err) => {
            if (err) return next(err)
            res.json({ after: typeof req.session })
          })
        })
        app.post('/regenerate', (req, res, next) => {
          const before = req.sessionID
          req.session.regenerate((err) => {
            if (err) return next(err)
            res.json({ before, after: req.sessionID, same: req.session.id === req.sessionID })
          })
        })
      })
      const jar = new CookieJar()
      const inspect = (await (await jar.fetch(`${server.url}/inspect`)).json()) as Record<
        string,
        unknown
      >
      expect(inspect).toMatchObject({
        own: true,
        ownCookie: true,
        keys: ['cookie', 'views'],
        string: '[object Object]',
        sessionID: true,
      })
      expect(inspect.json).toMatchObject({ views: 3, cookie: { path: '/', httpOnly: true } })
      const regenerated = (await (
        await jar.fetch(`${server.url}/regenerate`, { method: 'POST' })
      ).json()) as {
        before: string
        after: string
        same: boolean
      }
      expect(regenerated.after).not.toBe(regenerated.before)
      expect(regenerated.same).toBe(true)
      // The empty regenerated session was issued (saveUninitialized): the next request has its id.
      expect(
        ((await (await jar.fetch(`${server.url}/inspect`)).json()) as { json: unknown }).json,
      ).toBeDefined()
      const destroyed = await jar.fetch(`${server.url}/destroy`, { method: 'POST' })
      expect(await destroyed.json()).toEqual({ after: 'undefined' })
    })

    test('reload() puts back the data as last sealed; resave is accepted', async () => {
      const server = await serve({ secret: SECRET, resave: true }, (app) => {
        app.get('/set', (req, res) => {
          req.session.views = 1
          res.end()
        })
        app.get('/reload', (req, res, next) => {
          req.session.views = 50
          req.session.reload((err) => {
            if (err) return next(err)
            res.json({ views: req.session.views ?? null })
          })
        })
      })
      const jar = new CookieJar()
      await jar.fetch(`${server.url}/set`)
      const reloaded = await jar.fetch(`${server.url}/reload`)
      expect(await reloaded.json()).toEqual({ views: 1 })
      expect(reloaded.headers.getSetCookie()).toEqual([]) // back to what the cookie holds
    })

    test('regenerate() on an empty session issues the new session', async () => {
      const server = await serve({ secret: SECRET }, (app) => {
        app.get('/', (req, res) => res.json({ id: req.sessionID }))
        app.post('/regenerate', (req, res, next) => {
          req.session.regenerate((err) => (err ? next(err) : res.json({ id: req.sessionID })))
        })
      })
      const jar = new CookieJar()
      await jar.fetch(`${server.url}/`)
      const { id } = (await (
        await jar.fetch(`${server.url}/regenerate`, { method: 'POST' })
      ).json()) as {
        id: string
      }
      expect(await (await jar.fetch(`${server.url}/`)).json()).toEqual({ id })
    })
  })

  describe('item 7: unset', () => {
    test("unset: 'destroy' revokes the session on req.session = null; 'keep' ignores the request's changes", async () => {
      const denylist = createMemoryDenylist()
      const routes = (app: Express) => {
        app.get('/set', (req, res) => {
          req.session.n = 1
          res.json({ id: req.sessionID })
        })
        app.get('/read', (req, res) => res.json({ n: req.session.n ?? 0 }))
        app.get('/unset', (req, res) => {
          req.session.n = 99
          ;(req as { session: unknown }).session = null
          res.json({ ok: true })
        })
      }
      const destroying = await serve(
        { secret: SECRET, unset: 'destroy', denylist, saveUninitialized: false },
        routes,
      )
      const jar = new CookieJar()
      await jar.fetch(`${destroying.url}/set`)
      const copy = jar.clone()
      const unset = await jar.fetch(`${destroying.url}/unset`)
      expect(unset.headers.getSetCookie()[0]).toMatch(/^connect\.sid=; Max-Age=0/)
      expect(await (await copy.fetch(`${destroying.url}/read`)).json()).toEqual({ n: 0 })

      const keeping = await serve({ secret: SECRET, unset: 'keep' }, routes)
      const kjar = new CookieJar()
      await kjar.fetch(`${keeping.url}/set`)
      const kept = await kjar.fetch(`${keeping.url}/unset`)
      expect(kept.headers.getSetCookie()).toEqual([])
      expect(await (await kjar.fetch(`${keeping.url}/read`)).json()).toEqual({ n: 1 })
    })
  })

  describe('item 8: secure and sameSite', () => {
    const routes = (app: Express) =>
      app.get('/', (req, res) => {
        req.session.n = 1
        res.json({ secure: req.session.cookie.secure, sameSite: req.session.cookie.sameSite })
      })

    test("secure: 'auto' and sameSite: 'auto' follow the request's security (trust proxy, proxy)", async () => {
      const trusted = await serve(
        { secret: SECRET, cookie: { secure: 'auto', sameSite: 'auto' } },
        routes,
        (app) => app.set('trust proxy', true),
      )
      const https = await fetch(`${trusted.url}/`, { headers: { 'x-forwarded-proto': 'https' } })
      expect(await https.json()).toEqual({ secure: true, sameSite: 'none' })
      expect(https.headers.getSetCookie()[0]).toMatch(/; Secure; SameSite=None/)
      const http = await fetch(`${trusted.url}/`)
      expect(await http.json()).toEqual({ secure: false, sameSite: 'lax' })
      expect(http.headers.getSetCookie()[0]).not.toMatch(/Secure/)

      const untrusted = await serve(
        { secret: SECRET, proxy: false, cookie: { secure: 'auto' } },
        routes,
        (app) => app.set('trust proxy', true),
      )
      const spoofed = await fetch(`${untrusted.url}/`, {
        headers: { 'x-forwarded-proto': 'https' },
      })
      expect(await spoofed.json()).toMatchObject({ secure: false })

      const proxied = await serve(
        { secret: SECRET, proxy: true, cookie: { secure: 'auto' } },
        routes,
      )
      const viaProxy = await fetch(`${proxied.url}/`, { headers: { 'x-forwarded-proto': 'https' } })
      expect(await viaProxy.json()).toMatchObject({ secure: true })
    })

    test('secure: true on a plain-http request sets no cookie', async () => {
      const reported: string[] = []
      const server = await serve(
        { secret: SECRET, cookie: { secure: true }, onError: (error) => reported.push(error.code) },
        routes,
      )
      const response = await fetch(`${server.url}/`)
      expect(response.status).toBe(200)
      expect(response.headers.getSetCookie()).toEqual([])
      // The change cannot reach the client: reported, not thrown.
      expect(reported).toEqual(['ERR_SESSION_STATE'])
    })
  })

  describe('item 9: cookie.path', () => {
    test('outside the cookie path the session is left alone', async () => {
      const server = await serve({ secret: SECRET, cookie: { path: '/app' } }, (app) => {
        app.get('/app/set', (req, res) => {
          req.session.n = 5
          res.json({ n: req.session.n })
        })
        app.get('/other', (req, res) => res.json({ session: typeof req.session }))
        app.get('/app/read', (req, res) => res.json({ n: req.session.n ?? 0 }))
      })
      const jar = new CookieJar()
      const set = await jar.fetch(`${server.url}/app/set`)
      expect(set.headers.getSetCookie()[0]).toMatch(/; Path=\/app/)
      const other = await fetch(`${server.url}/other`, {
        headers: { cookie: jar.header(`${server.url}/app/x`)! },
      })
      expect(await other.json()).toEqual({ session: 'undefined' })
      expect(other.headers.getSetCookie()).toEqual([])
      expect(await (await jar.fetch(`${server.url}/app/read`)).json()).toEqual({ n: 5 })
    })
  })

  describe('item 10: touch, genid, cookie function, secret arrays', () => {
    test('touch() resets the expiry; genid(req) names new sessions; cookie as a function of req', async () => {
      let clock = Date.parse('2030-01-01T00:00:00Z')
      const now = () => clock
      let counter = 0
      const server = await serve(
        {
          secret: SECRET,
          now,
          // 22 characters of [A-Za-z0-9_-]: the id as is.
          genid: (req) => `id-${(req as Request).path.slice(1)}-${++counter}`.padEnd(22, 'x'),
          cookie: (req) => ({ maxAge: (req as Request).query.long ? 120_000 : 60_000 }),
        },
        (app) => {
          app.get('/new', (req, res) => res.json({ id: req.sessionID }))
          app.get('/touch', (req, res) => {
            req.session.touch()
            res.json({ maxAge: req.session.cookie.maxAge })
          })
        },
      )
      const jar = new CookieJar({ now })
      const created = await jar.fetch(`${server.url}/new?long=1`)
      expect(await created.json()).toEqual({ id: 'id-new-1xxxxxxxxxxxxxx' })
      expect(created.headers.getSetCookie()[0]).toMatch(/; Max-Age=120;/)
      clock += 100_000
      const touched = await jar.fetch(`${server.url}/touch`)
      expect(await touched.json()).toEqual({ maxAge: 120_000 })
      expect(touched.headers.getSetCookie()[0]).toMatch(/; Max-Age=120;/)
      clock += 100_000
      expect(await (await jar.fetch(`${server.url}/new`)).json()).toEqual({
        id: 'id-new-1xxxxxxxxxxxxxx',
      })
    })

    test('secret arrays: the first seals, all open (rotation)', async () => {
      const oldSecret = generateSecret()
      const newSecret = generateSecret()
      const routes = (app: Express) => {
        app.get('/set', (req, res) => {
          req.session.n = 7
          res.end()
        })
        app.get('/read', (req, res) => res.json({ n: req.session.n ?? 0 }))
      }
      const before = await serve({ secret: oldSecret }, routes)
      const jar = new CookieJar()
      await jar.fetch(`${before.url}/set`)
      const header = jar.header(`${before.url}/`)!
      const after = await serve({ secret: [newSecret, oldSecret] }, routes)
      const read = await fetch(`${after.url}/read`, { headers: { cookie: header } })
      expect(await read.json()).toEqual({ n: 7 })
      const onlyNew = await serve({ secret: newSecret }, routes)
      expect(
        await (await fetch(`${onlyNew.url}/read`, { headers: { cookie: header } })).json(),
      ).toEqual({ n: 0 })
    })

    test('a genid result outside the id rules (a UUID) is hashed; a non-string fails loudly', async () => {
      const uuids: string[] = []
      const hashed = await serve(
        { secret: SECRET, genid: () => uuids[uuids.push(randomUUID()) - 1]! },
        (app) => app.get('/', (req, res) => res.json({ id: req.sessionID })),
      )
      const { id } = (await (await fetch(`${hashed.url}/`)).json()) as { id: string }
      expect(id).toBe(createHash('sha256').update(uuids[0]!).digest('base64url').slice(0, 22))

      const broken = await serve({ secret: SECRET, genid: () => 42 as unknown as string }, (app) =>
        app.get('/', (req, res) => res.json({ id: req.sessionID })),
      )
      const response = await fetch(`${broken.url}/`)
      expect(response.status).toBe(500)
      expect(await response.json()).toEqual({ code: 'ERR_SESSION_OPTIONS' })
    })
  })
})

describe('item 11: unknown options are refused', () => {
  test('createSessions names the cachet counterpart of express-session options', () => {
    for (const name of [
      'secret',
      'name',
      'rolling',
      'genid',
      'saveUninitialized',
      'store',
      'colour',
    ]) {
      expect(code(() => createSessions({ keys: SECRET, [name]: 1 }))).toBe('ERR_SESSION_OPTIONS')
    }
    let message = ''
    try {
      createSessions({ keys: SECRET, rolling: true } as never)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('rolling')
    expect(message).toContain('refreshAfterSeconds')
  })

  test('session() and sessionMiddleware() refuse unknown options; store points at denylist', () => {
    expect(code(() => session({ secret: SECRET, store: {} } as never))).toBe('ERR_SESSION_OPTIONS')
    expect(code(() => session({ secret: SECRET, colour: 'red' } as never))).toBe(
      'ERR_SESSION_OPTIONS',
    )
    expect(code(() => session({ secret: SECRET, unset: 'forget' } as never))).toBe(
      'ERR_SESSION_OPTIONS',
    )
    expect(code(() => session({ secret: 'keyboard cat' }))).toBe('ERR_KEY_WEAK')
    expect(code(() => session({ secret: [] }))).toBe('ERR_SESSION_OPTIONS')
    expect(code(() => session({} as never))).toBe('ERR_SESSION_OPTIONS')
    const sessions = createSessions<SessionData>({ keys: SECRET })
    expect(code(() => sessionMiddleware(sessions, { rolling: true } as never))).toBe(
      'ERR_SESSION_OPTIONS',
    )
    let message = ''
    try {
      session({ secret: SECRET, store: {} } as never)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('denylist')
  })

  test('getSession(req) is the typed accessor for node:http handlers', () => {
    expect(code(() => getSession({}))).toBe('ERR_SESSION_STATE')
  })
})

describe('the cachet-native sessionMiddleware shares the same response handling', () => {
  test.each(versions)(
    '%s: a change before res.write() is kept; send()+end() does not crash',
    async (_name, express) => {
      const app = express()
      app.use(sessionMiddleware(createSessions<SessionData>({ keys: SECRET })))
      app.get('/stream', (req, res) => {
        req.session.n = (req.session.n ?? 0) + 1
        res.write(String(req.session.n))
        res.end()
      })
      app.get('/send-end', (req, res) => {
        req.session.n = (req.session.n ?? 0) + 1
        res.send(String(req.session.n))
        res.end()
      })
      app.get('/own', (req, res) => {
        res.json({ own: req.session.hasOwnProperty('n'), string: String(req.session) }) // eslint-disable-line @typescript-eslint/no-base-to-string
      })
      const server = await listen(app)
      servers.push(server)
      const jar = new CookieJar()
      expect(await (await jar.fetch(`${server.url}/stream`)).text()).toBe('1')
      expect(await (await jar.fetch(`${server.url}/stream`)).text()).toBe('2')
      expect(await (await jar.fetch(`${server.url}/send-end`)).text()).toBe('3')
      expect(await (await jar.fetch(`${server.url}/stream`)).text()).toBe('4')
      expect(await (await jar.fetch(`${server.url}/own`)).json()).toEqual({
        own: true,
        string: '[object Object]',
      })
    },
  )
})
