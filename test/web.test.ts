import { describe, expect, test } from 'vitest'
import { isSessionError, type SessionError } from '../src/errors.js'
import { generateSecret } from '../src/keys.js'
import { createSessions } from '../src/session/index.js'
import { applySession, applySessionHeaders, getSession, withSession } from '../src/web.js'

const sessions = createSessions<{ userId: string }>({ keys: generateSecret() })

const app = withSession(sessions, async (request, session) => {
  const url = new URL(request.url)
  if (url.pathname === '/login') {
    await session.regenerate()
    await session.save({ userId: 'u1' })
    return Response.redirect('http://app.test/me', 303) // immutable headers
  }
  if (url.pathname === '/logout') {
    await session.destroy()
    return new Response('bye')
  }
  if (session.state !== 'active') return new Response('anonymous', { status: 401 })
  return Response.json({ userId: session.data.userId })
})

describe('Fetch API adapter', () => {
  test('login → me → logout', async () => {
    const login = await app(new Request('http://app.test/login', { method: 'POST' }))
    expect(login.status).toBe(303)
    const setCookie = login.headers.getSetCookie()
    expect(setCookie).toHaveLength(1)
    expect(login.headers.get('cache-control')).toBe('private, no-store')
    const cookie = setCookie[0]!.split(';')[0]!

    const me = await app(new Request('http://app.test/me', { headers: { cookie } }))
    expect(await me.json()).toEqual({ userId: 'u1' })
    expect(me.headers.getSetCookie()).toEqual([])
    expect(me.headers.get('cache-control')).toBeNull() // nothing set, caching left to the app

    const logout = await app(new Request('http://app.test/logout', { headers: { cookie } }))
    expect(logout.headers.getSetCookie()[0]).toMatch(/^__Host-session=; Max-Age=0;/)
    expect(logout.headers.get('cache-control')).toBe('private, no-store')
  })

  test('a tampered cookie gives a 401 from the app, never an exception', async () => {
    const res = await app(
      new Request('http://app.test/me', { headers: { cookie: '__Host-session=c1.k0.xx' } }),
    )
    expect(res.status).toBe(401)
    // The rejected cookie is cleared.
    expect(res.headers.getSetCookie()[0]).toMatch(/Max-Age=0/)
  })

  test('applySessionHeaders keeps existing Set-Cookie headers', async () => {
    const session = await getSession(new Request('http://app.test/'), sessions)
    await session.save({ userId: 'u2' })
    const headers = new Headers([['set-cookie', 'theme=dark; Path=/']])
    applySessionHeaders(headers, session)
    expect(headers.getSetCookie()).toHaveLength(2)
    const res = applySession(
      new Response('x', { headers: { 'cache-control': 'public, max-age=600' } }),
      session,
    )
    expect(res.headers.get('cache-control')).toBe('private, no-store')
  })
})

// A change that misses the response is reported (as in cachet/express), never silently dropped.
describe('Fetch API adapter: changes that miss the response', () => {
  const codes = (reported: SessionError[]) =>
    reported.map((error) => (isSessionError(error) ? error.code : 'not a SessionError'))
  const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

  test('withSession: a save() not awaited is reported once with ERR_SESSION_STATE', async () => {
    const reported: SessionError[] = []
    const handler = withSession(
      sessions,
      (_request, session) => {
        void session.save({ userId: 'u1' }) // forgot await
        return new Response('ok')
      },
      { onError: (error) => reported.push(error) },
    )
    const res = await handler(new Request('http://app.test/'))
    await nextTask()
    expect(res.headers.getSetCookie()).toEqual([])
    expect(codes(reported)).toEqual(['ERR_SESSION_STATE'])
  })

  test('withSession: a save() after the handler returned is reported', async () => {
    const reported: SessionError[] = []
    let later: (() => Promise<void>) | undefined
    const handler = withSession(
      sessions,
      (_request, session) => {
        later = () => session.save({ userId: 'u1' })
        return new Response('ok')
      },
      { onError: (error) => reported.push(error) },
    )
    await handler(new Request('http://app.test/'))
    await later!()
    await later!() // once per request
    expect(codes(reported)).toEqual(['ERR_SESSION_STATE'])
  })

  test('withSession: awaited changes are applied and nothing is reported', async () => {
    const reported: SessionError[] = []
    const handler = withSession(
      sessions,
      async (_request, session) => {
        await session.save({ userId: 'u1' })
        return new Response('ok')
      },
      { onError: (error) => reported.push(error) },
    )
    const res = await handler(new Request('http://app.test/'))
    expect(res.headers.getSetCookie()).toHaveLength(1)
    expect(reported).toEqual([])
  })

  test('getSession + applySession: a destroy() after applySession() is reported', async () => {
    const reported: SessionError[] = []
    const session = await getSession(new Request('http://app.test/'), sessions, {
      onError: (error) => reported.push(error),
    })
    await session.save({ userId: 'u3' })
    applySession(new Response('ok'), session)
    expect(reported).toEqual([])
    await session.destroy()
    expect(codes(reported)).toEqual(['ERR_SESSION_STATE'])
  })

  test('by default a late change is a process warning', async () => {
    const warnings: unknown[] = []
    const onWarning = (warning: unknown) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const handler = withSession(sessions, (_request, session) => {
        void session.save({ userId: 'u1' })
        return new Response('ok')
      })
      await handler(new Request('http://app.test/'))
      await nextTask()
      await nextTask()
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.map((w) => (isSessionError(w) ? w.code : 'other'))).toEqual([
      'ERR_SESSION_STATE',
    ])
  })

  test('onError must be a function', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn()
        return 'no error'
      } catch (error) {
        return isSessionError(error) ? error.code : 'not a SessionError'
      }
    }
    expect(codeOf(() => withSession(sessions, () => new Response(), { onError: 1 as never }))).toBe(
      'ERR_SESSION_OPTIONS',
    )
  })
})
