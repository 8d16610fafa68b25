// recheckSeconds: bounded staleness without a store read per request. The session carries the
// time of its last successful revocation check; a read asks the denylist only when that is at
// least recheckSeconds old, and a successful check re-seals the cookie with the new time.
// Everything here goes through the public API with a real (memory) denylist, counted.
import { describe, expect, test } from 'vitest'
import { createMemoryDenylist, type Denylist } from '../../src/denylist/index.js'
import { generateSecret, SessionError, createSessions } from '../../src/index.js'
import { jwtStrategy } from '../../src/jwt/index.js'
import type { CookieWrite } from '../../src/cookie.js'
import type { SessionOptions } from '../../src/session/index.js'

const SECRET = generateSecret()
const R = 30 // recheckSeconds
const T0 = 1_700_000_000_000

interface User {
  userId: string
  n?: number
}

/** A real memory denylist whose checks are counted. */
function counted(inner: Denylist = createMemoryDenylist()) {
  const counter = { checks: 0 }
  const denylist: Denylist = {
    current: (userId) => inner.current(userId),
    check: (claims) => {
      counter.checks++
      return inner.check(claims)
    },
    revokeSession: (id, ttl) => inner.revokeSession(id, ttl),
    revokeUser: (id, options) => inner.revokeUser(id, options),
    revokeAll: () => inner.revokeAll(),
  }
  return Object.assign(counter, { denylist })
}

/** A clock the test moves. */
function clock(start = T0) {
  const c = { ms: start, now: () => c.ms }
  return c
}

function instance(
  denylist: Denylist,
  now: () => number,
  extra: Partial<SessionOptions<User>> = {},
) {
  return createSessions<User>({
    keys: SECRET,
    denylist,
    maxAgeSeconds: 3600,
    recheckSeconds: R,
    now,
    ...extra,
  })
}

const cookieOf = (writes: readonly CookieWrite[]) =>
  writes
    .filter((w) => w.value !== '')
    .map((w) => `${w.name}=${w.value}`)
    .join('; ')

async function login(sessions: ReturnType<typeof instance>, userId = 'alice') {
  const session = await sessions.read(undefined)
  await session.regenerate()
  await session.save({ userId })
  return { cookie: cookieOf(session.writes), id: session.id }
}

async function stateOf(sessions: ReturnType<typeof instance>, cookie: string) {
  const s = await sessions.read(cookie)
  return s.state === 'active' ? 'active' : `${s.state}/${s.reason}`
}

describe('recheckSeconds', () => {
  test('needs a denylist and a number of seconds from 1 to 3600 (ERR_SESSION_OPTIONS)', () => {
    const denylist = createMemoryDenylist()
    for (const bad of [0, 0.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 3601, '5', null]) {
      expect(() =>
        createSessions({ keys: SECRET, denylist, recheckSeconds: bad as number }),
      ).toThrow(expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }))
    }
    expect(() => createSessions({ keys: SECRET, recheckSeconds: 5 })).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }),
    )
    expect(() => createSessions({ keys: SECRET, denylist, recheckSeconds: 1 })).not.toThrow()
    expect(() => createSessions({ keys: SECRET, denylist, recheckSeconds: 3600 })).not.toThrow()
  })

  test('a login counts as a check: reads within recheckSeconds ask the store nothing and set no cookie', async () => {
    const c = clock()
    const store = counted()
    const sessions = instance(store.denylist, c.now)
    const { cookie } = await login(sessions)
    for (const after of [0, 1000, R * 1000 - 1]) {
      c.ms = T0 + after
      const s = await sessions.read(cookie)
      expect(s.state).toBe('active')
      expect(s.writes).toEqual([])
    }
    expect(store.checks).toBe(0)
  })

  test('once recheckSeconds passed, one read checks and re-seals; the new cookie skips the next checks', async () => {
    const c = clock()
    const store = counted()
    const sessions = instance(store.denylist, c.now)
    const { cookie } = await login(sessions)
    c.ms = T0 + R * 1000
    const due = await sessions.read(cookie)
    expect(due.state).toBe('active')
    expect(store.checks).toBe(1)
    expect(due.writes).toHaveLength(1)
    const renewed = cookieOf(due.writes)
    expect(renewed).not.toBe(cookie)
    expect(due.data).toEqual({ userId: 'alice' })
    // The renewed cookie counts from the new check.
    c.ms = T0 + 2 * R * 1000 - 1
    expect(await stateOf(sessions, renewed)).toBe('active')
    expect(store.checks).toBe(1)
    // The old cookie does not: its check time is the login's.
    expect(await stateOf(sessions, cookie)).toBe('active')
    expect(store.checks).toBe(2)
  })

  test('a revoked copy is refused within recheckSeconds of the revocation, by any instance, with no state in the process', async () => {
    for (const revoke of ['session', 'user', 'all'] as const) {
      const c = clock()
      const shared = createMemoryDenylist({ now: c.now })
      const a = instance(shared, c.now)
      const { cookie, id } = await login(a)
      // The copy is read (and so re-sealed) at T0 + 10 s; the revocation happens at T0 + 20 s.
      c.ms = T0 + R * 1000 + 10_000
      const copy = await a.read(cookie)
      const checked = cookieOf(copy.writes)
      const checkedAt = c.ms
      c.ms += 10_000
      const admin = instance(shared, c.now)
      if (revoke === 'session') await admin.revoke(id)
      if (revoke === 'user') await admin.revokeUser('alice')
      if (revoke === 'all') await admin.revokeAll()
      // Stale, as documented: accepted until recheckSeconds after its last check...
      expect(await stateOf(a, checked)).toBe('active')
      // ...and refused from then on, by this instance or a fresh one (nothing kept in memory).
      c.ms = checkedAt + R * 1000
      const expected = { session: 'session-revoked', user: 'user-revoked', all: 'epoch-revoked' }
      expect(await stateOf(a, checked)).toBe(`revoked/${expected[revoke]}`)
      expect(await stateOf(instance(shared, c.now), checked)).toBe(`revoked/${expected[revoke]}`)
      // The cookie from before the check was due long ago: refused at once.
      expect(await stateOf(a, cookie)).toBe(`revoked/${expected[revoke]}`)
    }
  })

  test('destroy() and regenerate() revoke in the store at once and clear the cookie', async () => {
    const c = clock()
    const store = counted()
    const sessions = instance(store.denylist, c.now)
    const first = await login(sessions)
    c.ms += 1000
    const s = await sessions.read(first.cookie)
    await s.destroy()
    expect(s.writes.every((w) => w.value === '')).toBe(true)
    // The session carries the store's generation (issue 9): the check states it too.
    const { generation } = await store.denylist.current('alice')
    const claims = { sessionId: first.id, userId: 'alice', userVersion: 0, epoch: 0, generation }
    expect(await store.denylist.check(claims)).toBe('session-revoked')
    // An instance that checks every read refuses the copy at once.
    const strict = createSessions<User>({ keys: SECRET, denylist: store.denylist, now: c.now })
    expect(await stateOf(strict as never, first.cookie)).toBe('revoked/session-revoked')

    const second = await login(sessions)
    const r = await sessions.read(second.cookie)
    await r.regenerate()
    expect(await store.denylist.check({ ...claims, sessionId: second.id })).toBe('session-revoked')
  })

  test('a failed check is not a success: no new time and no cookie; deny refuses, allow accepts', async () => {
    const c = clock()
    const memory = createMemoryDenylist()
    let down = false
    const flaky: Denylist = {
      ...memory,
      current: (u) => memory.current(u),
      revokeSession: (i, t) => memory.revokeSession(i, t),
      revokeUser: (i, o) => memory.revokeUser(i, o),
      revokeAll: () => memory.revokeAll(),
      check: async (claims) => {
        if (down) throw new SessionError('ERR_DENYLIST_UNAVAILABLE', 'down')
        return memory.check(claims)
      },
    }
    const deny = instance(flaky, c.now)
    const allow = instance(flaky, c.now, { onDenylistError: 'allow' })
    const { cookie } = await login(deny)
    // Within the window the outage is not even noticed.
    down = true
    c.ms = T0 + 1000
    expect(await stateOf(deny, cookie)).toBe('active')
    c.ms = T0 + R * 1000
    expect(await stateOf(deny, cookie)).toBe('revoked/denylist-unavailable')
    const allowed = await allow.read(cookie)
    expect(allowed.state).toBe('active')
    expect(allowed.writes).toEqual([])
    // Back up: the check happens and the cookie is renewed.
    down = false
    const renewed = await deny.read(cookie)
    expect(renewed.state).toBe('active')
    expect(renewed.writes).toHaveLength(1)
  })

  test('a revoked answer clears the cookie, as without recheckSeconds', async () => {
    const c = clock()
    const store = counted()
    const sessions = instance(store.denylist, c.now)
    const { cookie, id } = await login(sessions)
    await sessions.revoke(id)
    c.ms = T0 + R * 1000
    const s = await sessions.read(cookie)
    expect(`${s.state}/${s.reason}`).toBe('revoked/session-revoked')
    expect(s.writes.length).toBeGreaterThan(0)
    expect(s.writes.every((w) => w.value === '')).toBe(true)
  })

  test('a cookie without a check time (issued before the option was on) is checked, then re-sealed', async () => {
    const c = clock()
    const store = counted()
    const before = createSessions<User>({
      keys: SECRET,
      denylist: store.denylist,
      maxAgeSeconds: 3600,
      now: c.now,
    })
    const s0 = await before.read(undefined)
    await s0.save({ userId: 'alice' })
    const old = cookieOf(s0.writes)
    const sessions = instance(store.denylist, c.now)
    const s1 = await sessions.read(old)
    expect(s1.state).toBe('active')
    expect(store.checks).toBe(1)
    const renewed = cookieOf(s1.writes)
    expect(renewed).not.toBe('')
    c.ms += 1000
    expect(await stateOf(sessions, renewed)).toBe('active')
    expect(store.checks).toBe(1)
  })

  test('a check time ahead of this instance’s clock does not skip the check', async () => {
    const c = clock()
    const store = counted()
    const ahead = instance(store.denylist, () => c.ms + 5000)
    const { cookie } = await login(ahead)
    const behind = instance(store.denylist, c.now)
    expect(await stateOf(behind, cookie)).toBe('active')
    expect(store.checks).toBe(1)
  })

  test('a rolling refresh or a save() does not move the check time', async () => {
    const c = clock()
    const store = counted()
    const sessions = instance(store.denylist, c.now, {
      idleTimeoutSeconds: 600,
      refreshAfterSeconds: 10,
    })
    const { cookie } = await login(sessions)
    c.ms = T0 + 10_000
    const refreshed = await sessions.read(cookie)
    expect(refreshed.writes).toHaveLength(1) // the rolling refresh
    c.ms = T0 + 20_000
    const saved = await sessions.read(cookieOf(refreshed.writes))
    if (saved.state !== 'active') throw new Error('not active')
    await saved.save({ ...saved.data, n: 1 })
    expect(store.checks).toBe(0)
    c.ms = T0 + R * 1000
    const due = await sessions.read(cookieOf(saved.writes))
    expect(due.state).toBe('active')
    expect(due.data).toEqual({ userId: 'alice', n: 1 })
    expect(store.checks).toBe(1)
  })

  test('without recheckSeconds every read checks, and nothing is re-sealed for it', async () => {
    const c = clock()
    const store = counted()
    const sessions = createSessions<User>({ keys: SECRET, denylist: store.denylist, now: c.now })
    const s = await sessions.read(undefined)
    await s.save({ userId: 'alice' })
    const cookie = cookieOf(s.writes)
    for (let i = 1; i <= 5; i++) {
      c.ms += R * 1000
      const read = await sessions.read(cookie)
      expect(read.state).toBe('active')
      expect(read.writes).toEqual([])
      expect(store.checks).toBe(i)
    }
  })

  test('works the same with the JWT strategy (the token carries the time, re-signed on check)', async () => {
    const c = clock()
    const store = counted()
    const sessions = instance(store.denylist, c.now, {
      strategy: jwtStrategy({
        algorithm: 'HS256',
        keys: { current: 'h', keys: { h: SECRET } },
        issuer: 'https://issuer.test',
        audience: 'app',
      }),
    })
    const { cookie, id } = await login(sessions)
    c.ms = T0 + R * 1000 - 1000
    expect(await stateOf(sessions, cookie)).toBe('active')
    expect(store.checks).toBe(0)
    c.ms = T0 + R * 1000
    const due = await sessions.read(cookie)
    expect(due.state).toBe('active')
    expect(store.checks).toBe(1)
    const renewed = cookieOf(due.writes)
    c.ms += 5000
    expect(await stateOf(sessions, renewed)).toBe('active')
    expect(store.checks).toBe(1)
    await sessions.revoke(id)
    c.ms += R * 1000
    expect(await stateOf(sessions, renewed)).toBe('revoked/session-revoked')
  })

  test('a Bearer client gets the renewed token in session.token, and no Set-Cookie', async () => {
    const c = clock()
    const store = counted()
    const sessions = instance(store.denylist, c.now, {
      strategy: jwtStrategy({
        algorithm: 'HS256',
        keys: { current: 'h', keys: { h: SECRET } },
        issuer: 'https://issuer.test',
        audience: 'app',
        bearer: true,
      }),
    })
    const s = await sessions.read(undefined)
    await s.save({ userId: 'alice' })
    const token = s.token!
    const request = (t: string) =>
      new Request('https://app.test/', { headers: { authorization: `Bearer ${t}` } })
    c.ms = T0 + R * 1000
    const due = await sessions.read(request(token))
    expect(due.state).toBe('active')
    expect(due.writes).toEqual([])
    expect(due.token).toBeDefined()
    expect(due.token).not.toBe(token)
    expect(store.checks).toBe(1)
    c.ms += 1000
    expect((await sessions.read(request(due.token!))).state).toBe('active')
    expect(store.checks).toBe(1)
  })
})
