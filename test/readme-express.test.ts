// The README's express-session migration guide: its cachet app is examples/express-app/app.ts,
// shown verbatim, and this test runs that file against a private redis-server over real HTTP.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { generateSecret } from '../src/keys.js'
import { CookieJar } from './helpers/cookie-jar.js'
import { listen, type TestServer } from './helpers/listen.js'
import { startRedis, type RedisServer } from './helpers/redis-server.mjs'

const root = new URL('../', import.meta.url)
const FILE = 'examples/express-app/app.ts'

let redisServer: RedisServer
let server: TestServer
let closeRedis: () => Promise<unknown>

beforeAll(async () => {
  redisServer = await startRedis()
  process.env.REDIS_URL = `redis://127.0.0.1:${redisServer.port}`
  // Rotation as the README shows it: the newest secret first.
  process.env.SESSION_SECRET = `${generateSecret()},${generateSecret()}`
  // Imported by a computed path: the example is type-checked on its own
  // (examples/express-app/tsconfig.json), its SessionData differs from the tests'.
  const path = '../examples/express-app/app.js'
  const example = (await import(path)) as {
    app: Parameters<typeof listen>[0]
    redis: { quit(): Promise<unknown> }
  }
  closeRedis = () => example.redis.quit()
  server = await listen(example.app)
})

afterAll(async () => {
  await server?.close()
  await closeRedis?.()
  await redisServer?.stop()
})

test('docs/migrating.md shows the example app verbatim', () => {
  const readme = readFileSync(new URL('docs/migrating.md', root), 'utf8')
  const source = readFileSync(new URL(FILE, root), 'utf8')
  const block = new RegExp('```ts\\n// ' + FILE.replace(/[.]/g, '\\.') + '\\n([\\s\\S]*?)```').exec(
    readme,
  )
  expect(block?.[1]).toBe(source)
})

test('the migrated app: login, remember me, views counter, logout revokes copies of the cookie', async () => {
  const jar = new CookieJar()
  const form = await jar.fetch(`${server.url}/`)
  expect(await form.text()).toContain('<form action="/login"')
  expect(form.headers.getSetCookie()).toEqual([]) // saveUninitialized: false

  const login = await jar.fetch(`${server.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ user: 'ada <admin>', pass: 'x', remember: 'on' }),
    redirect: 'manual',
  })
  expect(login.status).toBe(302)
  expect(login.headers.get('location')).toBe('/')
  expect(login.headers.getSetCookie()[0]).toMatch(
    /^connect\.sid=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/,
  )
  expect(await (await jar.fetch(`${server.url}/`)).text()).toBe(
    'hello, ada &#60;admin&#62;! <a href="/logout">Logout</a>',
  )
  for (const expected of [1, 2, 3]) {
    expect(await (await jar.fetch(`${server.url}/views`)).text()).toBe(`<p>views: ${expected}</p>`)
  }
  const copy = jar.clone()
  const logout = await jar.fetch(`${server.url}/logout`, { redirect: 'manual' })
  expect(logout.status).toBe(302)
  expect(await (await jar.fetch(`${server.url}/`)).text()).toContain('<form')
  // The copy taken before logout is revoked in Redis by regenerate().
  expect(await (await copy.fetch(`${server.url}/`)).text()).toContain('<form')
})
