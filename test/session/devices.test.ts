// Devices (issue 13): the per-user index of signed-in sessions through the session manager, on the
// memory denylist with an injected clock, and on a real redis-server (single and Cluster) for
// what only Redis can show: concurrent logins at the cap and the command count of a read.

import { Cluster, Redis } from 'ioredis'
import { beforeAll, describe, expect, test } from 'vitest'
import { createMemoryDenylist, type Denylist, type DeviceIndex } from '../../src/denylist/index.js'
import { isSessionError } from '../../src/errors.js'
import { createSessions, type Session, type SessionOptions } from '../../src/session/index.js'
import { startRedis, startRedisCluster } from '../helpers/redis-server.mjs'
import {
  clusterClient,
  commandsOf,
  freshPrefix,
  readyClient,
  redisDenylist,
  servers,
} from '../helpers/denylist-fixtures.js'
import { SECRET, jar, type Data } from '../helpers/session.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'
const MIN = 60_000

function app(denylist: Denylist & DeviceIndex, options: Partial<SessionOptions<Data>> = {}) {
  const clock = { t: 1_800_000_000_000 }
  const sessions = createSessions<Data>({
    keys: SECRET,
    denylist,
    devices: true,
    maxAgeSeconds: 3600,
    now: () => clock.t,
    ...options,
  })
  /** A request from a browser: its User-Agent and the cookies it holds. */
  const request = (ua: string, cookie = '') =>
    new Request('https://app.example/', { headers: { 'user-agent': ua, cookie } })
  async function login(userId: string, ua = FIREFOX) {
    const session = await sessions.read(request(ua))
    await session.regenerate()
    await session.save({ userId })
    return { cookie: jar(session), id: session.id }
  }
  const read = (cookie: string, ua = FIREFOX) => sessions.read(request(ua, cookie))
  return { sessions, clock, login, read, request }
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (isSessionError(e) ? e.code : e),
  )

describe('devices on the memory denylist', () => {
  test('refuses devices without a denylist that has an index, and invalid device options', () => {
    const plain: Denylist = {
      current: async () => ({ userVersion: 0, epoch: 0 }),
      check: async () => 'ok',
      revokeSession: async () => {},
      revokeUser: async () => {},
      revokeAll: async () => {},
    }
    const denylist = createMemoryDenylist()
    for (const options of [
      { devices: true },
      { devices: true, denylist: plain },
      { devices: { maxSessionsPerUser: 0 }, denylist },
      { devices: { maxSessionsPerUser: 2.5 }, denylist },
      { devices: { onLimit: 'drop' }, denylist },
      { devices: { label: 'x' }, denylist },
      { devices: 'yes', denylist },
    ]) {
      expect(() =>
        createSessions({ keys: SECRET, ...(options as Partial<SessionOptions<Data>>) }),
      ).toThrow(expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }))
    }
    const off = createSessions<Data>({ keys: SECRET, denylist })
    return expect(codeOf(off.listSessions('u1'))).resolves.toBe('ERR_SESSION_OPTIONS')
  })

  test("lists a user's devices with labels from the User-Agent, the current one marked", async () => {
    const a = app(createMemoryDenylist())
    const laptop = await a.login('alice', FIREFOX)
    a.clock.t += MIN
    const phone = await a.login('alice', SAFARI)
    await a.login('bob', SAFARI)
    const current = await a.read(phone.cookie, SAFARI)
    const list = await a.sessions.listSessions('alice', { current })
    expect(list).toEqual([
      {
        id: phone.id,
        createdAtMs: a.clock.t,
        lastSeenMs: a.clock.t,
        expiresAtMs: a.clock.t + 3600_000,
        label: 'Safari 17 on iPhone',
        current: true,
      },
      expect.objectContaining({ id: laptop.id, label: 'Firefox 133 on Linux', current: false }),
    ])
  })

  test('a revoked device disappears from the list and its next request is refused', async () => {
    const a = app(createMemoryDenylist())
    const laptop = await a.login('alice', FIREFOX)
    const phone = await a.login('alice', SAFARI)
    const mine = await a.read(laptop.cookie)
    expect(await a.sessions.revokeOwnSession(mine, phone.id)).toBe(true)
    expect((await a.sessions.listSessions('alice')).map((d) => d.id)).toEqual([laptop.id])
    const refused = await a.read(phone.cookie, SAFARI)
    expect([refused.state, refused.reason]).toEqual(['revoked', 'session-revoked'])
    expect((await a.read(laptop.cookie)).state).toBe('active')
  })

  test("revokeOwnSession cannot end another user's session", async () => {
    const a = app(createMemoryDenylist())
    const alice = await a.login('alice')
    const bob = await a.login('bob')
    const mine = await a.read(alice.cookie)
    expect(await a.sessions.revokeOwnSession(mine, bob.id)).toBe(false)
    expect(await a.sessions.revokeOwnSession(mine, 'not-an-id')).toBe(false)
    expect((await a.read(bob.cookie)).state).toBe('active')
    expect(await a.sessions.listSessions('bob')).toHaveLength(1)
    const anonymous = await a.sessions.read(undefined)
    expect(await codeOf(a.sessions.revokeOwnSession(anonymous, bob.id))).toBe('ERR_SESSION_STATE')
  })

  test('destroy, regenerate, revoke, revokeUser and revokeAll all take sessions off the list', async () => {
    const a = app(createMemoryDenylist())
    const s1 = await a.login('alice')
    const s2 = await a.login('alice')
    const s3 = await a.login('alice')
    const s4 = await a.login('alice')
    await (await a.read(s1.cookie)).destroy()
    await (await a.read(s2.cookie)).regenerate()
    await a.sessions.revoke(s3.id)
    const ids = async () => (await a.sessions.listSessions('alice')).map((d) => d.id).sort()
    expect(await ids()).toEqual([s4.id])
    const s5 = await a.login('alice')
    await a.sessions.revokeUser('alice', { except: s5.id })
    expect(await ids()).toEqual([s5.id])
    await a.sessions.revokeAll()
    expect(await ids()).toEqual([])
  })

  test("'refuse-new' at the cap: save() throws ERR_SESSION_LIMIT and writes no cookie; a logout frees a place", async () => {
    const a = app(createMemoryDenylist(), {
      devices: { maxSessionsPerUser: 2, onLimit: 'refuse-new' },
    })
    const s1 = await a.login('alice')
    await a.login('alice')
    const third = await a.sessions.read(a.request(SAFARI))
    expect(await codeOf(third.save({ userId: 'alice' }))).toBe('ERR_SESSION_LIMIT')
    expect(third.state).toBe('new')
    expect(third.writes).toEqual([])
    expect(third.token).toBeUndefined()
    await (await a.read(s1.cookie)).destroy()
    const again = await a.sessions.read(a.request(SAFARI))
    await again.save({ userId: 'alice' })
    expect(again.state).toBe('active')
    // Sessions revoked some other way do not hold places either.
    await a.sessions.revokeUser('alice')
    expect((await a.login('alice')).id).toBeTruthy()
  })

  test("'revoke-oldest' at the cap signs out the oldest login", async () => {
    const a = app(createMemoryDenylist(), { devices: { maxSessionsPerUser: 2 } })
    const s1 = await a.login('alice')
    a.clock.t += 1000
    const s2 = await a.login('alice')
    a.clock.t += 1000
    const s3 = await a.login('alice')
    const refused = await a.read(s1.cookie)
    expect([refused.state, refused.reason]).toEqual(['revoked', 'session-revoked'])
    expect((await a.sessions.listSessions('alice')).map((d) => d.id)).toEqual([s3.id, s2.id])
  })

  test('last seen moves at refresh, at most once per refresh interval, however often the app saves', async () => {
    const a = app(createMemoryDenylist(), { idleTimeoutSeconds: 40 * 60 }) // refresh every 10 min
    const s = await a.login('alice')
    const t0 = a.clock.t
    const lastSeen = async () => (await a.sessions.listSessions('alice'))[0]!.lastSeenMs
    let cookie = s.cookie
    for (let minute = 1; minute <= 25; minute++) {
      a.clock.t = t0 + minute * MIN
      const session = await a.read(cookie)
      if (session.state !== 'active') throw new Error(session.state)
      await session.save()
      cookie = jar(session, cookie)
      const expected = t0 + Math.floor(minute / 10) * 10 * MIN
      expect(await lastSeen()).toBe(expected)
    }
  })

  test('an app label function (async, e.g. reading Next headers()) labels logins; without headers or one, or when it throws, the label is "Unknown browser"', async () => {
    const seen: (string | undefined)[] = []
    const a = app(createMemoryDenylist(), {
      devices: {
        label: async ({ userAgent }) => {
          seen.push(userAgent)
          await Promise.resolve()
          return 'Laptop, Lyon'
        },
      },
    })
    await a.login('alice', FIREFOX)
    expect(seen).toEqual([FIREFOX])
    expect((await a.sessions.listSessions('alice'))[0]!.label).toBe('Laptop, Lyon')
    const throwing = app(createMemoryDenylist(), {
      devices: {
        label: () => {
          throw new Error('boom')
        },
      },
    })
    await throwing.login('alice')
    expect((await throwing.sessions.listSessions('alice'))[0]!.label).toBe('Unknown browser')
    const bare = app(createMemoryDenylist())
    const session = await bare.sessions.read(undefined)
    await session.save({ userId: 'bob' })
    expect((await bare.sessions.listSessions('bob'))[0]!.label).toBe('Unknown browser')
  })

  test('an entry expires with its session', async () => {
    const a = app(createMemoryDenylist())
    await a.login('alice')
    a.clock.t += 3600_000 - 1
    expect(await a.sessions.listSessions('alice')).toHaveLength(1)
    a.clock.t += 1
    expect(await a.sessions.listSessions('alice')).toEqual([])
  })

  test("a switch of user moves the session to the new user's list", async () => {
    const a = app(createMemoryDenylist())
    const s = await a.login('alice')
    const session = await a.read(s.cookie)
    await session.save({ userId: 'bob' })
    expect(await a.sessions.listSessions('alice')).toEqual([])
    expect((await a.sessions.listSessions('bob')).map((d) => d.id)).toEqual([session.id])
  })
})

// --- Redis ---

async function concurrentLogins(
  denylist: Denylist & DeviceIndex,
  onLimit: 'refuse-new' | 'revoke-oldest',
) {
  const a = app(denylist, { devices: { maxSessionsPerUser: 2, onLimit } })
  const user = `user-${Math.random().toString(36).slice(2)}`
  await a.login(user)
  const sessions: Session<Data>[] = []
  for (let i = 0; i < 2; i++) sessions.push(await a.sessions.read(a.request(SAFARI)))
  const results = await Promise.all(sessions.map((s) => codeOf(s.save({ userId: user }))))
  return { a, user, results }
}

describe('devices on Redis, single server', () => {
  let client: Redis
  let admin: Redis
  beforeAll(async () => {
    const server = await startRedis()
    servers.push(server)
    client = await readyClient(server.port)
    admin = await readyClient(server.port)
  })

  test("two concurrent logins at the cap ('refuse-new'): exactly one gets the last place", async () => {
    const { a, user, results } = await concurrentLogins(
      redisDenylist(client, { prefix: freshPrefix() }),
      'refuse-new',
    )
    expect(results.sort()).toEqual(['ERR_SESSION_LIMIT', 'resolved'])
    expect(await a.sessions.listSessions(user)).toHaveLength(2)
  })

  test("two concurrent logins at the cap ('revoke-oldest'): both get in, the list stays at the cap", async () => {
    const { a, user, results } = await concurrentLogins(
      redisDenylist(client, { prefix: freshPrefix() }),
      'revoke-oldest',
    )
    expect(results).toEqual(['resolved', 'resolved'])
    expect(await a.sessions.listSessions(user)).toHaveLength(2)
  })

  test('an ordinary read with the index on is one command (MGET); the index is written at login and logout only', async () => {
    const a = app(redisDenylist(client, { prefix: freshPrefix() }), {
      idleTimeoutSeconds: 1800,
    })
    const s = await a.login('alice')
    a.clock.t += MIN
    expect(await commandsOf([admin], () => a.read(s.cookie))).toEqual({ mget: 1 })
    // A save that is not a login, within the refresh interval: no index write either.
    const saved = await commandsOf([admin], async () => {
      const session = await a.read(s.cookie)
      await session.save()
    })
    expect(saved).toEqual({ mget: 1 })
    const login = await commandsOf([admin], () => a.login('alice'))
    expect(login.eval).toBe(1)
  })

  test('a login the index cannot record fails with ERR_DENYLIST_UNAVAILABLE and sends no cookie', async () => {
    const prefix = freshPrefix()
    const a = app(redisDenylist(client, { prefix }))
    // A key of the wrong type where the index lives: Redis refuses the script (WRONGTYPE).
    await admin.set(`${prefix}{u:alice}:d`, 'not a sorted set')
    const session = await a.sessions.read(a.request(FIREFOX))
    expect(await codeOf(session.save({ userId: 'alice' }))).toBe('ERR_DENYLIST_UNAVAILABLE')
    expect([session.state, session.writes, session.token]).toEqual(['new', [], undefined])
    // Other users are unaffected.
    expect((await a.login('bob')).id).toBeTruthy()
  })

  test('a revoked device disappears from the list and its next request is refused (Redis)', async () => {
    const a = app(redisDenylist(client, { prefix: freshPrefix() }))
    const laptop = await a.login('alice', FIREFOX)
    const phone = await a.login('alice', SAFARI)
    expect(await a.sessions.revokeOwnSession(await a.read(laptop.cookie), phone.id)).toBe(true)
    expect((await a.sessions.listSessions('alice')).map((d) => d.id)).toEqual([laptop.id])
    expect((await a.read(phone.cookie, SAFARI)).reason).toBe('session-revoked')
  })
})

describe('devices on a Redis Cluster (three masters)', () => {
  let client: Cluster
  beforeAll(async () => {
    const cluster = await startRedisCluster()
    servers.push(cluster)
    client = await clusterClient(cluster)
  })

  test("two concurrent logins at the cap ('refuse-new') on a Cluster: exactly one gets in", async () => {
    const { a, user, results } = await concurrentLogins(
      redisDenylist(client, { prefix: freshPrefix() }),
      'refuse-new',
    )
    expect(results.sort()).toEqual(['ERR_SESSION_LIMIT', 'resolved'])
    expect(await a.sessions.listSessions(user)).toHaveLength(2)
  })

  test('a revoked device disappears from the list and its next request is refused (Cluster)', async () => {
    const a = app(redisDenylist(client, { prefix: freshPrefix() }), {
      devices: { maxSessionsPerUser: 3 },
    })
    const laptop = await a.login('alice', FIREFOX)
    const phone = await a.login('alice', SAFARI)
    expect(await a.sessions.revokeOwnSession(await a.read(laptop.cookie), phone.id)).toBe(true)
    expect((await a.sessions.listSessions('alice')).map((d) => d.id)).toEqual([laptop.id])
    expect((await a.read(phone.cookie, SAFARI)).reason).toBe('session-revoked')
  })
})
