// The Next.js adapter against Next's own cookie stores, NextRequest/NextResponse and a real Node
// HTTP server for Pages API routes. The real App Router runs in test/e2e/next-app.test.ts.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { RequestCookies, ResponseCookies } from 'next/dist/compiled/@edge-runtime/cookies/index.js'
import {
  MutableRequestCookiesAdapter,
  RequestCookiesAdapter,
} from 'next/dist/server/web/spec-extension/adapters/request-cookies.js'
import { NextRequest, NextResponse } from 'next/server.js'
import { describe, expect, test } from 'vitest'
import { isSessionError } from '../src/errors.js'
import { generateSecret } from '../src/keys.js'
import {
  applySessionCookies,
  forwardSessionHeaders,
  getApiSession,
  getSession,
  readSession,
} from '../src/next.js'
import { getSession as getWebSession } from '../src/web.js'
import { createSessions, type Session } from '../src/session/index.js'
import { createMemoryDenylist } from '../src/denylist/index.js'

type Data = { userId: string; name?: string }
const K1 = generateSecret()
const K2 = generateSecret()
const sessions = createSessions<Data>({ keys: { current: 'k1', keys: { k1: K1 } } })
const rotated = createSessions<Data>({ keys: { current: 'k2', keys: { k2: K2, k1: K1 } } })

/** A signed-in cookie pair (`name=value`) sealed under k1. */
async function signedInCookie(): Promise<string> {
  const session = await sessions.read(undefined)
  await session.save({ userId: 'u1' })
  const write = session.writes[0]!
  return `${write.name}=${write.value}`
}

/** Next's mutable `cookies()` of route handlers and server actions; records the Set-Cookie it emits. */
function mutableStore(cookie: string) {
  const emitted: string[][] = []
  const store = MutableRequestCookiesAdapter.wrap(
    new RequestCookies(new Headers({ cookie })),
    (c) => emitted.push(c),
  )
  return { store, emitted }
}

/** Next's read-only `cookies()` of server components. */
const readOnlyStore = (cookie: string) =>
  RequestCookiesAdapter.seal(new RequestCookies(new Headers({ cookie })))

const kidOf = (value: string) => value.split('.')[1]

const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  )

describe('App Router: getSession(await cookies(), sessions)', () => {
  test('sign in through the mutable store, then read it back', async () => {
    const { store, emitted } = mutableStore('theme=dark')
    const session = await getSession(store, sessions)
    expect(session.state).toBe('new')
    await session.regenerate()
    await session.save({ userId: 'u1', name: 'Ada' })
    const last = emitted.at(-1)!
    expect(last).toHaveLength(1)
    expect(last[0]).toMatch(
      /^__Host-session=c1\.k1\.[A-Za-z0-9_-]+; Path=\/; Expires=.*; Max-Age=604800; Secure; HttpOnly; SameSite=lax$/,
    )
    // A later read in the same request (the re-render after an action) sees the new session.
    const again = await getSession(store, sessions)
    expect(again.state).toBe('active')
    expect(again.data).toEqual({ userId: 'u1', name: 'Ada' })
  })

  test('destroy clears the cookie and a re-read in the same request is anonymous', async () => {
    const { store, emitted } = mutableStore(await signedInCookie())
    const session = await getSession(store, sessions)
    expect(session.state).toBe('active')
    await session.destroy()
    expect(emitted.at(-1)![0]).toMatch(
      /^__Host-session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0;/,
    )
    expect((await getSession(store, sessions)).state).toBe('new')
  })

  test('a cookie sealed with an old key is re-sealed at read time where writes are allowed', async () => {
    const { store, emitted } = mutableStore(await signedInCookie())
    const session = await getSession(store, rotated)
    expect(session.state).toBe('active')
    const value = store.get('__Host-session')!.value
    expect(kidOf(value)).toBe('k2')
    expect(emitted).toHaveLength(1)
  })

  test('server component: reading works, a pending refresh is skipped, saving throws ERR_READ_ONLY', async () => {
    const store = readOnlyStore(await signedInCookie())
    const session = await getSession(store, rotated) // re-seal due, cannot be written: no throw
    expect(session.state).toBe('active')
    expect(session.writes).toHaveLength(1)
    for (const call of [
      () => session.save(),
      () => session.regenerate(),
      () => session.destroy(),
    ]) {
      expect(await errorOf(call())).toSatisfy((e) => isSessionError(e, 'ERR_READ_ONLY'))
    }
  })

  test('readSession: no write methods in the types, and calling them anyway has no effect', async () => {
    const denylist = createMemoryDenylist()
    const revocable = createSessions<Data>({ keys: K1, denylist })
    const first = await revocable.read(undefined)
    await first.save({ userId: 'u1' })
    const cookie = `${first.writes[0]!.name}=${first.writes[0]!.value}`

    const session = (await readSession(readOnlyStore(cookie), revocable)) as Session<Data>
    expect(session.state).toBe('active')
    for (const call of [
      () => session.save({ userId: 'u2' }), // would switch users: revoke the old id
      () => session.regenerate(), // would revoke the old id
      () => session.destroy(), // would revoke the id
    ]) {
      expect(await errorOf(call())).toSatisfy((e) => isSessionError(e, 'ERR_READ_ONLY'))
    }
    expect(session.state).toBe('active')
    expect((await revocable.read(cookie)).state).toBe('active') // nothing was revoked
  })

  test('getSession in a server component: refused before any effect once a write was refused', async () => {
    const denylist = createMemoryDenylist()
    const v1 = createSessions<Data>({ keys: { current: 'k1', keys: { k1: K1 } }, denylist })
    const v2 = createSessions<Data>({ keys: { current: 'k2', keys: { k2: K2, k1: K1 } }, denylist })
    const first = await v1.read(undefined)
    await first.save({ userId: 'u1' })
    const cookie = `${first.writes[0]!.name}=${first.writes[0]!.value}`

    // The re-seal due at read time is refused: the store is known to be read-only.
    const refused = await getSession(readOnlyStore(cookie), v2)
    expect(await errorOf(refused.destroy())).toSatisfy((e) => isSessionError(e, 'ERR_READ_ONLY'))
    expect(refused.state).toBe('active')
    expect((await v2.read(cookie)).state).toBe('active')

    // Nothing was due at read time: the cookie write is refused before the denylist is touched,
    // so a refused logout revokes nothing behind the developer's back.
    const unknown = await getSession(readOnlyStore(cookie), v1)
    expect(await errorOf(unknown.destroy())).toSatisfy((e) => isSessionError(e, 'ERR_READ_ONLY'))
    expect((await v1.read(cookie)).state).toBe('active')
  })

  test('tampered, foreign or garbage cookies read as anonymous in both stores', async () => {
    const good = await signedInCookie()
    const flipped = good.slice(0, -2) + (good.at(-2) === 'A' ? 'B' : 'A') + good.at(-1)
    for (const cookie of [
      flipped,
      '__Host-session=%E0%A4%A',
      '__Host-session=x%3B%20y',
      '__Host-session=',
    ]) {
      const readOnly = await getSession(readOnlyStore(cookie), sessions)
      expect(readOnly.state).not.toBe('active')
      const { store } = mutableStore(cookie)
      const mutable = await getSession(store, sessions)
      expect(mutable.state).not.toBe('active')
    }
    // Next merges a proxy's `Set-Cookie: __Host-session=` (a deletion) into the render's cookies
    // as a cookie whose value is undefined (request-store.ts mergeMiddlewareCookies).
    const merged = new RequestCookies(new Headers({ cookie: good }))
    for (const c of new ResponseCookies(
      new Headers({ 'set-cookie': '__Host-session=; Max-Age=0' }),
    ).getAll()) {
      merged.set(c)
    }
    expect(merged.get('__Host-session')?.value).toBeUndefined()
    expect((await getSession(RequestCookiesAdapter.seal(merged), sessions)).state).toBe('new')

    const { store, emitted } = mutableStore(flipped)
    const session = await getSession(store, sessions)
    expect(session.reason).toBe('invalid')
    expect(emitted.at(-1)![0]).toMatch(/^__Host-session=; .*Max-Age=0/) // cleared at once
  })
})

describe('proxy / middleware', () => {
  test('a re-sealed cookie goes to the response and to the forwarded request, nothing else', async () => {
    const cookie = await signedInCookie()
    const request = new NextRequest('http://app.test/dashboard', {
      headers: {
        cookie: `theme=dark; ${cookie}; other=1`,
        authorization: 'Bearer secret',
        'x-user': 'admin',
      },
    })
    const session = await getWebSession(request, rotated)
    expect(session.state).toBe('active')
    const forwarded = forwardSessionHeaders(request, session)
    const response = applySessionCookies(
      NextResponse.next({ request: { headers: forwarded } }),
      session,
    )

    const written = session.writes[0]!
    expect(kidOf(written.value)).toBe('k2')
    expect(forwarded.get('cookie')).toBe(`theme=dark; other=1; __Host-session=${written.value}`)
    expect(forwarded.get('authorization')).toBe('Bearer secret')
    expect(response.headers.get('x-middleware-request-cookie')).toBe(forwarded.get('cookie'))
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.getSetCookie()[0]).toMatch(
      /^__Host-session=c1\.k2\..*; HttpOnly; SameSite=lax$/,
    )
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    // Request headers never become response headers.
    expect(response.headers.get('authorization')).toBeNull()
    expect(response.headers.get('x-user')).toBeNull()
    expect(response.headers.get('cookie')).toBeNull()

    // The render behind the proxy reads the forwarded cookie: active, nothing left to write.
    const downstream = await rotated.read(forwarded)
    expect(downstream.state).toBe('active')
    expect(downstream.writes).toEqual([])
  })

  test('no writes: headers forwarded unchanged, response untouched', async () => {
    const request = new NextRequest('http://app.test/', {
      headers: { cookie: await signedInCookie() },
    })
    const session = await getWebSession(request, sessions)
    expect(session.writes).toEqual([])
    expect(forwardSessionHeaders(request, session).get('cookie')).toBe(
      request.headers.get('cookie'),
    )
    const response = applySessionCookies(NextResponse.next(), session)
    expect(response.headers.getSetCookie()).toEqual([])
    expect(response.headers.get('cache-control')).toBeNull()
  })

  test('a tampered cookie: anonymous, cleared on the redirect and dropped from the forwarded request', async () => {
    const request = new NextRequest('http://app.test/dashboard', {
      headers: { cookie: '__Host-session=c1.k1.AAAA; a=b' },
    })
    const session = await getWebSession(request, sessions)
    expect(session.state).toBe('invalid')
    expect(forwardSessionHeaders(request, session).get('cookie')).toBe('a=b')
    const redirect = applySessionCookies(
      NextResponse.redirect(new URL('/signin', request.url)),
      session,
    )
    expect(redirect.status).toBe(307)
    expect(redirect.headers.getSetCookie()[0]).toMatch(/^__Host-session=; .*Max-Age=0/)
  })

  test('a session destroyed in the proxy leaves no Cookie header behind', async () => {
    const request = new NextRequest('http://app.test/', {
      headers: { cookie: await signedInCookie() },
    })
    const session = await getWebSession(request, sessions)
    await session.destroy()
    expect(forwardSessionHeaders(request, session).has('cookie')).toBe(false)
  })
})

describe('Pages Router API routes: getApiSession(req, res, sessions)', () => {
  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
    const errors: unknown[] = []
    const server = createServer((req, res) => {
      handler(req, res).catch((error: unknown) => {
        errors.push(error)
        if (!res.headersSent) res.writeHead(500)
        res.end()
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    return {
      errors,
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  }

  test('sign in keeps Set-Cookie headers set by others and emits only the final session cookie', async () => {
    const app = await serve(async (req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2'])
      const session = await getApiSession(req, res, sessions)
      if (req.url === '/login') {
        await session.regenerate()
        await session.save({ userId: 'u1' })
      }
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ state: session.state, data: session.data }))
    })
    try {
      const login = await fetch(`${app.url}/login`, { headers: { cookie: await signedInCookie() } })
      const setCookie = login.headers.getSetCookie()
      expect(setCookie.slice(0, 2)).toEqual(['a=1', 'b=2'])
      expect(setCookie).toHaveLength(3)
      expect(setCookie[2]).toMatch(/^__Host-session=c1\.k1\./)
      expect(login.headers.get('cache-control')).toBe('private, no-store')

      const me = await fetch(`${app.url}/me`, { headers: { cookie: setCookie[2]!.split(';')[0]! } })
      expect(await me.json()).toEqual({ state: 'active', data: { userId: 'u1' } })
      expect(me.headers.getSetCookie()).toEqual(['a=1', 'b=2'])

      const bad = await fetch(`${app.url}/me`, { headers: { cookie: '__Host-session=%%%; x=1' } })
      expect(bad.status).toBe(200)
      expect(await bad.json()).toEqual({ state: 'invalid', data: {} })
      expect(bad.headers.getSetCookie()[2]).toMatch(/^__Host-session=; Max-Age=0/)
      expect(app.errors).toEqual([])
    } finally {
      await app.close()
    }
  })

  // Next sets no Cache-Control on Pages API routes (measured on examples/next-app): a response
  // that read a signed-in session is that user's, so getApiSession marks it private. A handler may
  // still set its own after the call; an anonymous response is left alone.
  test('a response for a signed-in session is private, no-store; an anonymous one is left alone', async () => {
    const app = await serve(async (req, res) => {
      if (req.url === '/own') res.setHeader('cache-control', 'no-cache')
      const session = await getApiSession(req, res, sessions)
      if (req.url === '/after') res.setHeader('cache-control', 'private, max-age=60')
      res.end(session.state)
    })
    try {
      const cookie = await signedInCookie()
      const me = await fetch(`${app.url}/me`, { headers: { cookie } })
      expect(await me.text()).toBe('active')
      expect(me.headers.getSetCookie()).toEqual([])
      expect(me.headers.get('cache-control')).toBe('private, no-store')
      const own = await fetch(`${app.url}/own`, { headers: { cookie } })
      expect(own.headers.get('cache-control')).toBe('private, no-store')
      const after = await fetch(`${app.url}/after`, { headers: { cookie } })
      expect(after.headers.get('cache-control')).toBe('private, max-age=60')
      const anonymous = await fetch(`${app.url}/me`)
      expect(await anonymous.text()).toBe('new')
      expect(anonymous.headers.get('cache-control')).toBeNull()
      expect(app.errors).toEqual([])
    } finally {
      await app.close()
    }
  })

  test('saving after the response was sent throws ERR_READ_ONLY', async () => {
    let caught: unknown
    const app = await serve(async (req, res) => {
      const session = await getApiSession(req, res, sessions)
      res.end('done')
      await session.save({ userId: 'u1' }).catch((error: unknown) => (caught = error))
    })
    try {
      expect(await (await fetch(app.url)).text()).toBe('done')
      await expect.poll(() => isSessionError(caught, 'ERR_READ_ONLY')).toBe(true)
    } finally {
      await app.close()
    }
  })

  test('a response sent while save() was pending (async schema) also gives ERR_READ_ONLY', async () => {
    let caught: unknown
    let send: () => void = () => {}
    // An async schema: another branch of the handler sends the response during validation, after
    // save() passed its guard and before the cookie is written.
    const validating = createSessions<Data>({
      keys: { current: 'k1', keys: { k1: K1 } },
      schema: {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: async (value: unknown) => {
            await new Promise((resolve) => setTimeout(resolve, 1))
            send()
            return { value: value as Data }
          },
        },
      },
    })
    const app = await serve(async (req, res) => {
      const session = await getApiSession(req, res, validating)
      send = () => res.end('done')
      await session.save({ userId: 'u1' }).catch((error: unknown) => (caught = error))
    })
    try {
      const response = await fetch(app.url)
      expect(await response.text()).toBe('done')
      expect(response.headers.getSetCookie()).toEqual([])
      await expect.poll(() => caught !== undefined).toBe(true)
      expect(isSessionError(caught, 'ERR_READ_ONLY')).toBe(true)
      expect(app.errors).toEqual([])
    } finally {
      await app.close()
    }
  })
})
