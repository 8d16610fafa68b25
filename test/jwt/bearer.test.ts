// JWT sessions read from `Authorization: Bearer` (with `bearer: true`).

import { decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, test } from 'vitest'
import {
  T0,
  S0,
  COOKIE,
  ed1PublicJwk,
  ed2Jwk,
  setup,
  login,
  cookieOf,
  bearerOf,
} from '../helpers/jwt-fixtures.js'

// --- Bearer ---

describe('Bearer', () => {
  test('ignored unless the strategy enables it', async () => {
    const { sessions } = setup({ bearer: false })
    const { token } = await login(sessions)
    const session = await sessions.read(bearerOf(token))
    expect(session.state).toBe('new')
    expect(session.source).toBeUndefined()
    expect((await sessions.read(cookieOf(token))).source).toBe('cookie')
  })

  test('from a Request or Headers; the scheme is case-insensitive; never from the query string', async () => {
    const { sessions } = setup()
    const { token } = await login(sessions)
    for (const authorization of [`Bearer ${token}`, `bearer ${token}`, `BEARER   ${token}`]) {
      const request = new Request('https://api.example.com/me', { headers: { authorization } })
      const session = await sessions.read(request)
      expect(session.state).toBe('active')
      expect(session.source).toBe('bearer')
    }
    for (const url of [
      `https://api.example.com/me?access_token=${token}`,
      `https://api.example.com/me#${token}`,
    ]) {
      const session = await sessions.read(new Request(url))
      expect(session.state).toBe('new')
      expect(session.source).toBeUndefined()
    }
  })

  test.each([
    ['no token', 'Bearer'],
    ['an empty token', 'Bearer '],
    ['two tokens', 'Bearer aaa bbb'],
    ['two headers joined', 'Bearer aaa.bbb.ccc, Bearer ddd.eee.fff'],
    ['a quoted token', 'Bearer "aaa.bbb.ccc"'],
    ['a character outside b64token', 'Bearer aaa.bbb.c;c'],
    ['70 000 characters', `Bearer ${'a'.repeat(70_000)}`],
  ])(
    'a malformed Authorization header (%s) is invalid, with source bearer',
    async (_name, value) => {
      const { sessions, rejects } = setup()
      const session = await sessions.read(new Headers({ authorization: value }))
      expect(session.state).toBe('invalid')
      expect(session.reason).toBe('invalid')
      expect(session.source).toBe('bearer')
      expect(session.writes).toEqual([])
      expect(rejects).toEqual(['invalid'])
    },
  )

  test('another scheme is someone else’s: a new session', async () => {
    const { sessions } = setup()
    for (const value of ['Basic dXNlcjpwYXNz', 'DPoP abc', 'Bearerx abc', 'Token abc']) {
      const session = await sessions.read(new Headers({ authorization: value }))
      expect(session.state).toBe('new')
      expect(session.reason).toBeUndefined()
    }
  })

  test('the session cookie decides when present, valid or not', async () => {
    const { sessions } = setup()
    const a = await login(sessions, { userId: 'a' })
    const b = await login(sessions, { userId: 'b' })
    const both = new Headers({ cookie: cookieOf(a.token), authorization: `Bearer ${b.token}` })
    const session = await sessions.read(both)
    expect(session.state).toBe('active')
    expect(session.userId).toBe('a')
    expect(session.source).toBe('cookie')
    const broken = new Headers({ cookie: `${COOKIE}=garbage`, authorization: `Bearer ${b.token}` })
    const rejected = await sessions.read(broken)
    expect(rejected.state).toBe('invalid')
    expect(rejected.source).toBe('cookie')
    // The broken cookie is cleared, so the next request falls back to Bearer.
    expect(rejected.writes.map((w) => w.options.maxAge)).toEqual([0])
    const malformedBearer = new Headers({ cookie: cookieOf(a.token), authorization: 'Bearer' })
    expect((await sessions.read(malformedBearer)).state).toBe('active')
  })

  test('refresh and rotation of a Bearer session write no cookie; the new token is in session.token', async () => {
    const { sessions, clock } = setup({}, { maxAgeSeconds: 3600, idleTimeoutSeconds: 600 })
    const { token } = await login(sessions)
    clock.t = T0 + 200_000
    const viaBearer = await sessions.read(bearerOf(token))
    expect(viaBearer.state).toBe('active')
    expect(viaBearer.writes).toEqual([])
    expect(viaBearer.token).toBeDefined()
    expect(decodeJwt(viaBearer.token!).iat).toBe(S0 + 200)
    const viaCookie = await sessions.read(cookieOf(token))
    expect(viaCookie.writes).toHaveLength(1)
    // No refresh due: no token issued.
    clock.t = T0 + 210_000
    expect((await sessions.read(bearerOf(viaBearer.token!))).token).toBeUndefined()

    const rotated = setup({ keys: { current: 'k2', keys: { k2: ed2Jwk, k1: ed1PublicJwk } } })
    rotated.clock.t = T0 + 1000
    const stale = await rotated.sessions.read(bearerOf(token))
    expect(stale.writes).toEqual([])
    expect(decodeProtectedHeader(stale.token!).kid).toBe('k2')
  })

  test('save() on a Bearer session is the app asking: it writes the cookie and exposes the token', async () => {
    const { sessions } = setup()
    const { token } = await login(sessions)
    const session = await sessions.read(bearerOf(token))
    if (session.state !== 'active') throw new Error('expected an active session')
    session.data.role = 'editor'
    await session.save()
    expect(session.writes).toHaveLength(1)
    expect(session.writes[0]!.value).toBe(session.token)
    expect(decodeJwt(session.token!).data).toEqual({ userId: 'u1', role: 'editor' })
  })
})
