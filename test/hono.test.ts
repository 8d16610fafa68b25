// cachet/hono in process (Hono's app.request()); test/runtimes/hono-worker.test.ts runs the
// example app on workerd and on Node.

import { Hono } from 'hono'
import { describe, expect, expectTypeOf, test } from 'vitest'
import { createSessions, generateSecret, type Session } from '../src/index.js'
import { sessionMiddleware } from '../src/hono.js'
import { code } from './helpers/error-code.js'

type Data = { userId: string }
const sessions = createSessions<Data>({ keys: generateSecret() })
const cookieOf = (response: Response) => response.headers.getSetCookie()[0]!.split(';')[0]!

function app() {
  return new Hono()
    .use(sessionMiddleware(sessions))
    .post('/login', async (c) => {
      const session = c.get('session')
      await session.regenerate()
      await session.save({ userId: 'u1' })
      return c.redirect('/me', 303)
    })
    .post('/logout', async (c) => {
      await c.get('session').destroy()
      return new Response('bye') // a Response built by hand, not by c
    })
    .get('/me', (c) => {
      const session = c.get('session')
      expectTypeOf(session).toEqualTypeOf<Session<Data>>()
      if (session.state !== 'active')
        return c.json({ state: session.state, reason: session.reason }, 401)
      expectTypeOf(session.data.userId).toEqualTypeOf<string>()
      return c.json({ userId: session.data.userId })
    })
    .get('/proxied', () => Response.redirect('https://example.com/', 302)) // immutable headers
}

describe('sessionMiddleware', () => {
  test('sets the session cookie on a redirect and reads it back', async () => {
    const login = await app().request('/login', { method: 'POST' })
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/me')
    expect(login.headers.getSetCookie()).toHaveLength(1)
    expect(login.headers.get('cache-control')).toBe('private, no-store')
    const me = await app().request('/me', { headers: { cookie: cookieOf(login) } })
    expect(me.status).toBe(200)
    expect(await me.json()).toEqual({ userId: 'u1' })
    expect(me.headers.getSetCookie()).toEqual([])
    expect(me.headers.get('cache-control')).toBeNull()
  })

  test('clears the cookie on a response the handler built itself', async () => {
    const login = await app().request('/login', { method: 'POST' })
    const logout = await app().request('/logout', {
      method: 'POST',
      headers: { cookie: cookieOf(login) },
    })
    expect(await logout.text()).toBe('bye')
    expect(logout.headers.getSetCookie()[0]).toMatch(/^__Host-session=; Max-Age=0;/)
  })

  test('clears a tampered cookie on a response with immutable headers', async () => {
    const login = await app().request('/login', { method: 'POST' })
    const cookie = cookieOf(login)
    const i = cookie.length - 10
    const tampered = cookie.slice(0, i) + (cookie[i] === 'A' ? 'B' : 'A') + cookie.slice(i + 1)
    const me = await app().request('/me', { headers: { cookie: tampered } })
    expect(me.status).toBe(401)
    expect(await me.json()).toEqual({ state: 'invalid', reason: 'invalid' })
    const proxied = await app().request('/proxied', { headers: { cookie: tampered } })
    expect(proxied.status).toBe(302)
    expect(proxied.headers.getSetCookie()[0]).toMatch(/^__Host-session=; Max-Age=0;/)
  })

  test('refuses something that is not a session manager at construction', () => {
    expect(code(() => sessionMiddleware({} as never))).toBe('ERR_SESSION_OPTIONS')
  })
})
