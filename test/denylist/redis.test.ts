// The Redis denylist on a real single redis-server (a free port, never :6379): the contract, two
// app instances with separate connections, the key layout, the local cache and pub/sub.

import { Redis } from 'ioredis'
import { beforeAll, describe, expect, test } from 'vitest'
import { createRedisDenylist, type RedisDenylistOptions } from '../../src/denylist/index.js'
import type { SessionOptions } from '../../src/session/index.js'
import {
  denylistContract,
  deviceIndexContract,
  HOSTILE_IDS,
  rejectsWith,
} from '../helpers/denylist-contract.js'
import { eventually, startRedis, type RedisServer } from '../helpers/redis-server.mjs'
import {
  freshPrefix,
  servers,
  redisClient,
  readyClient,
  redisDenylist,
  commandsOf,
  type User,
  type Instance,
  instance,
  cookieOf,
  login,
  stateOf,
  settles,
} from '../helpers/denylist-fixtures.js'

// --- Redis, single server ---

describe('Redis denylist, single server', () => {
  let server: RedisServer
  let client: Redis
  let admin: Redis

  beforeAll(async () => {
    server = await startRedis()
    servers.push(server)
    client = await readyClient(server.port)
    admin = await readyClient(server.port)
  })

  denylistContract('Redis', () => redisDenylist(client, { prefix: freshPrefix() }))
  deviceIndexContract('Redis', () => redisDenylist(client, { prefix: freshPrefix() }))

  test('stores a session revocation with the TTL given and counters without one (PTTL)', async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    await d.revokeSession('sid1', 3600)
    await d.revokeSession('sid2', 1.5)
    await d.revokeUser('alice', { exceptSessionId: 'sid3', ttlSeconds: 600 })
    await d.revokeAll()
    await d.current(undefined)
    const sid1 = await admin.pttl(`${prefix}{s:sid1}`)
    expect(sid1).toBeGreaterThan(3_590_000)
    expect(sid1).toBeLessThanOrEqual(3_600_000)
    const sid2 = await admin.pttl(`${prefix}{s:sid2}`)
    expect(sid2).toBeGreaterThan(0)
    expect(sid2).toBeLessThanOrEqual(1500)
    const keep = await admin.pttl(`${prefix}{u:alice}:k:sid3`)
    expect(keep).toBeGreaterThan(590_000)
    expect(keep).toBeLessThanOrEqual(600_000)
    expect(await admin.get(`${prefix}{u:alice}:k:sid3`)).toBe('1')
    expect(await admin.pttl(`${prefix}{u:alice}:v`)).toBe(-1)
    expect(await admin.pttl(`${prefix}{store}:epoch`)).toBe(-1)
    expect(await admin.pttl(`${prefix}{store}:generation`)).toBe(-1)
  })

  test('session.destroy() stores the id for the remaining absolute lifetime plus clock skew', async () => {
    const prefix = freshPrefix()
    let now = 1_700_000_000_000
    const app = instance(redisDenylist(client, { prefix }), {
      now: () => now,
      clockSkewSeconds: 60,
    })
    const { cookie, id } = await login(app, 'alice')
    now += 600_000
    const session = await app.sessions.read(cookie)
    await session.destroy()
    const pttl = await admin.pttl(`${prefix}{s:${id}}`)
    // 3600 s lifetime - 600 s elapsed + 60 s skew.
    expect(pttl).toBeGreaterThan(3_050_000)
    expect(pttl).toBeLessThanOrEqual(3_060_000)
    await app.sessions.revoke(id)
    expect(await admin.pttl(`${prefix}{s:${id}}`)).toBeGreaterThan(3_650_000)
  })

  test('keys stay under the prefix and short, whatever the ids', async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    for (const id of HOSTILE_IDS) {
      await d.revokeSession(id, 60)
      await d.revokeUser(id, { exceptSessionId: id })
    }
    await d.revokeAll()
    await d.current(undefined)
    const keys = await admin.keys(`${prefix}*`)
    expect(keys.length).toBe(HOSTILE_IDS.length * 3 + 2) // + the epoch and the generation
    for (const key of keys) {
      expect(key.startsWith(prefix)).toBe(true)
      // At most '{u:' + 64 + '}:k:' + 64: a plain id is at most 64 characters, a hashed one 44.
      expect(key.length).toBeLessThanOrEqual(prefix.length + 3 + 64 + 4 + 64)
      // Exactly one hash tag, opened right after the prefix.
      expect(key.indexOf('{')).toBe(prefix.length)
      expect(key.split('{').length).toBe(2)
      expect(key.split('}').length).toBe(2)
    }
  })

  test('a check is exactly one command (MGET); so is current()', async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    await d.revokeUser('alice')
    const withUser = await commandsOf([admin], () =>
      d.check({ sessionId: 's', userId: 'alice', userVersion: 1, epoch: 0 }),
    )
    expect(withUser).toEqual({ mget: 1 })
    const withoutUser = await commandsOf([admin], () =>
      d.check({ sessionId: 's', userVersion: 0, epoch: 0 }),
    )
    expect(withoutUser).toEqual({ mget: 1 })
    // The first current() on an empty store also creates the generation (a script: SET NX) and
    // tells other instances; every later one is one MGET.
    expect(await commandsOf([admin], () => d.current('alice'))).toEqual({
      mget: 1,
      eval: 1,
      set: 1,
      publish: 1,
    })
    expect(await commandsOf([admin], () => d.current('alice'))).toEqual({ mget: 1 })
    // A revocation is one write plus the PUBLISH that clears other instances' caches.
    expect(await commandsOf([admin], () => d.revokeSession('s', 60))).toEqual({
      set: 1,
      publish: 1,
    })
    expect(
      await commandsOf([admin], () => d.revokeUser('alice', { exceptSessionId: 's' })),
    ).toEqual({
      eval: 1,
      incr: 1,
      set: 1,
      publish: 1,
    })
  })

  test('a session read adds exactly one command to a request', async () => {
    const app = instance(redisDenylist(client, { prefix: freshPrefix() }))
    const { cookie } = await login(app, 'alice')
    const commands = await commandsOf([admin], async () => {
      const session = await app.sessions.read(cookie)
      expect(session.state).toBe('active')
      await session.save()
    })
    expect(commands).toEqual({ mget: 1 })
  })

  test('garbage in Redis fails closed: reads and current() reject, sessions read as unavailable', async () => {
    const garbage = ['abc', '-1', '1.5', ' 1', '01', '1e3', '99999999999999999999', '', 'a b', 'é']
    for (const value of garbage) {
      for (const where of ['version', 'epoch', 'keep', 'generation'] as const) {
        // Any short token is a valid generation (another writer's): only the others are garbage.
        if (where === 'generation' && /^[A-Za-z0-9_-]{1,64}$/.test(value)) continue
        const prefix = freshPrefix()
        const d = redisDenylist(client, { prefix })
        const app = instance(d)
        const { cookie, id } = await login(app, 'alice')
        const key = {
          version: `${prefix}{u:alice}:v`,
          epoch: `${prefix}{store}:epoch`,
          keep: `${prefix}{u:alice}:k:${id}`,
          generation: `${prefix}{store}:generation`,
        }[where]
        await admin.set(key, value)
        await rejectsWith(
          d.check({ sessionId: id, userId: 'alice', userVersion: 0, epoch: 0 }),
          'ERR_DENYLIST_UNAVAILABLE',
        )
        if (where !== 'keep') await rejectsWith(d.current('alice'), 'ERR_DENYLIST_UNAVAILABLE')
        expect(await stateOf(app, cookie)).toBe('revoked/denylist-unavailable')
        // INCR refuses these (or, for -1, answers 0, which is not a valid new version).
        if (['abc', '-1', '1.5', ''].includes(value)) {
          if (where === 'version')
            await rejectsWith(d.revokeUser('alice'), 'ERR_DENYLIST_UNAVAILABLE')
          if (where === 'epoch') await rejectsWith(d.revokeAll(), 'ERR_DENYLIST_UNAVAILABLE')
        }
      }
    }
  })

  test("the device index: two keys in the user's slot, expiring with the latest session (PTTL); a check still reads one MGET", async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    const nowMs = Date.now()
    const entry = (sessionId: string, lifetimeMs: number) => ({
      sessionId,
      createdAtMs: nowMs,
      lastSeenMs: nowMs,
      expiresAtMs: nowMs + lifetimeMs,
      label: 'Firefox on Linux',
    })
    await d.recordSession('alice', entry('s1', 600_000), { nowMs })
    await d.recordSession('alice', entry('s2', 3_600_000), { nowMs })
    expect((await admin.keys(`${prefix}*`)).sort()).toEqual([
      `${prefix}{u:alice}:d`,
      `${prefix}{u:alice}:e`,
    ])
    for (const key of [`${prefix}{u:alice}:d`, `${prefix}{u:alice}:e`]) {
      const pttl = await admin.pttl(key)
      expect(pttl).toBeGreaterThan(3_500_000)
      expect(pttl).toBeLessThanOrEqual(3_600_000)
    }
    expect(await admin.zscore(`${prefix}{u:alice}:d`, 's1')).toBe(String(nowMs + 600_000))
    // No raw IP, nothing but what was given: id, times, label.
    expect(JSON.parse((await admin.hget(`${prefix}{u:alice}:e`, 's2'))!)).toEqual({
      i: 's2',
      c: nowMs,
      l: nowMs,
      e: nowMs + 3_600_000,
      b: 'Firefox on Linux',
    })
    expect(
      await commandsOf([admin], () =>
        d.check({ sessionId: 's1', userId: 'alice', userVersion: 0, epoch: 0 }),
      ),
    ).toEqual({ mget: 1 })
    expect(await d.forgetSession('alice', 's1', { nowMs, ttlSeconds: 60 })).toBe(true)
    const marker = await admin.pttl(`${prefix}{u:alice}:r:s1`)
    expect(marker).toBeGreaterThan(50_000)
    expect(marker).toBeLessThanOrEqual(60_000)
    // The whole index disappears by itself once every session has expired.
    const short = freshPrefix()
    const e = redisDenylist(client, { prefix: short })
    await e.recordSession('bob', entry('s3', 100), { nowMs })
    await eventually(async () => (await admin.keys(`${short}*`)).length === 0)
  })

  test('a malformed device entry fails listSessions with ERR_DENYLIST_UNAVAILABLE', async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    const nowMs = Date.now()
    for (const garbage of ['{', '{}', '{"i":"s1","c":1,"l":1,"e":1,"b":7}', 'null']) {
      await admin.zadd(`${prefix}{u:alice}:d`, nowMs + 60_000, 's1')
      await admin.hset(`${prefix}{u:alice}:e`, 's1', garbage)
      await rejectsWith(d.listSessions('alice', { nowMs }), 'ERR_DENYLIST_UNAVAILABLE')
    }
  })

  test('prefixes isolate apps sharing a server', async () => {
    const a = redisDenylist(client, { prefix: freshPrefix() })
    const b = redisDenylist(client, { prefix: freshPrefix() })
    await a.revokeSession('s', 60)
    await a.revokeUser('alice')
    await a.revokeAll()
    const { generation, ...counters } = await b.current('alice')
    expect(counters).toEqual({ userVersion: 0, epoch: 0 })
    expect(generation).not.toBe((await a.current(undefined)).generation)
    const claims = { sessionId: 's', userId: 'alice', userVersion: 0, epoch: 0, generation }
    expect(await b.check(claims)).toBe('ok')
  })

  test('validates its options eagerly with ERR_DENYLIST_OPTIONS', () => {
    const pick = (c: Redis) => ({
      status: c.status,
      isCluster: false,
      mget: c.mget.bind(c),
      set: c.set.bind(c),
      incr: c.incr.bind(c),
      eval: c.eval.bind(c),
      publish: c.publish.bind(c),
      on: c.on.bind(c),
      off: c.off.bind(c),
    })
    const bad: [unknown, unknown][] = [
      [undefined, {}],
      [{}, {}],
      [{ mget: 1 }, {}],
      [client, null],
      [client, { prefix: '' }],
      [client, { prefix: 'a{b}:' }],
      [client, { prefix: 'a b' }],
      [client, { prefix: 'x'.repeat(65) }],
      [client, { prefix: 'é' }],
      [client, { timeoutMs: 0 }],
      [client, { timeoutMs: 1.5 }],
      [client, { timeoutMs: 60_001 }],
      [client, { cacheTtlMs: 0 }],
      [client, { cacheTtlMs: Number.POSITIVE_INFINITY }],
      [client, { cacheTtlMs: 100, cacheMaxEntries: 0 }],
      [client, { subscriber: client.duplicate({ lazyConnect: true }) }],
      [client, { cacheTtlMs: 100, subscriber: client }],
      [client, { cacheTtlMs: 100, subscriber: {} }],
      [client, { now: 'soon' }],
      // A client-shaped object without duplicate(): the cache has no way to get a subscriber.
      [{ ...pick(client), duplicate: undefined }, { cacheTtlMs: 100 }],
    ]
    for (const [c, options] of bad) {
      expect(() => createRedisDenylist(c as Redis, options as RedisDenylistOptions)).toThrow(
        expect.objectContaining({ code: 'ERR_DENYLIST_OPTIONS' }),
      )
    }
  })

  test('connects a lazyConnect client on first use', async () => {
    const lazy = redisClient(server.port, { lazyConnect: true })
    expect(lazy.status).toBe('wait')
    const d = redisDenylist(lazy, { prefix: freshPrefix() })
    expect(await d.current('alice')).toMatchObject({ userVersion: 0, epoch: 0 })
  })

  test('fails at once on a client that was closed, and after close()', async () => {
    const ended = await readyClient(server.port)
    const d = redisDenylist(ended, { prefix: freshPrefix() })
    ended.disconnect()
    await eventually(async () => ended.status === 'end')
    await rejectsWith(
      settles(d.check({ sessionId: 's', userVersion: 0, epoch: 0 })),
      'ERR_DENYLIST_UNAVAILABLE',
    )
    const open = redisDenylist(client, { prefix: freshPrefix() })
    await open.close()
    await rejectsWith(open.revokeAll(), 'ERR_DENYLIST_UNAVAILABLE')
  })

  // --- Two app instances ---

  describe('two instances, separate connections', () => {
    let clientA: Redis
    let clientB: Redis
    const pair = (
      optionsB: RedisDenylistOptions = {},
      extra: Partial<SessionOptions<User>> = {},
    ) => {
      const prefix = freshPrefix()
      return {
        prefix,
        a: instance(redisDenylist(clientA, { prefix }), extra),
        b: instance(redisDenylist(clientB, { prefix, ...optionsB }), extra),
      }
    }

    beforeAll(async () => {
      clientA = await readyClient(server.port)
      clientB = await readyClient(server.port)
    })

    test('destroy() on one is seen by the other at once; the other clears the cookie', async () => {
      const { a, b } = pair()
      const { cookie } = await login(a, 'alice')
      expect(await stateOf(b, cookie)).toBe('active')
      await (await a.sessions.read(cookie)).destroy()
      const session = await b.sessions.read(cookie)
      expect(session.state).toBe('revoked')
      expect(session.reason).toBe('session-revoked')
      expect(b.rejects).toEqual(['session-revoked'])
      expect(session.writes.some((w) => w.options.maxAge === 0)).toBe(true)
    })

    test('sessions.revoke(id), revokeUser and revokeAll on one are seen by the other', async () => {
      const { a, b } = pair()
      const s1 = await login(a, 'alice')
      const s2 = await login(a, 'bob')
      await b.sessions.revoke(s1.id)
      expect(await stateOf(a, s1.cookie)).toBe('revoked/session-revoked')
      expect(await stateOf(a, s2.cookie)).toBe('active')
      const s3 = await login(a, 'alice')
      await b.sessions.revokeUser('alice')
      expect(await stateOf(a, s3.cookie)).toBe('revoked/user-revoked')
      expect(await stateOf(a, s2.cookie)).toBe('active')
      await b.sessions.revokeAll()
      expect(await stateOf(a, s2.cookie)).toBe('revoked/epoch-revoked')
    })

    test('regenerate() revokes the previous id', async () => {
      const { a, b } = pair()
      const { cookie: old } = await login(a, 'alice')
      const session = await a.sessions.read(old)
      await session.regenerate()
      await session.save({ userId: 'alice' })
      expect(await stateOf(b, old)).toBe('revoked/session-revoked')
      expect(await stateOf(b, cookieOf(session))).toBe('active')
    })

    test('a cookie refreshed by a request in flight during logout is rejected too', async () => {
      let now = 1_700_000_000_000
      const { a, b } = pair(
        {},
        { now: () => now, idleTimeoutSeconds: 3600, refreshAfterSeconds: 60 },
      )
      const { cookie: first } = await login(a, 'alice')
      now += 61_000
      const [inFlight, logout] = await Promise.all([b.sessions.read(first), a.sessions.read(first)])
      const refreshed = cookieOf(inFlight)
      expect(refreshed).not.toBe('')
      expect(refreshed).not.toBe(first)
      await logout.destroy()
      expect(await stateOf(b, refreshed)).toBe('revoked/session-revoked')
      expect(await stateOf(a, first)).toBe('revoked/session-revoked')
    })

    test('revokeUser with except keeps that session; sessions created afterwards are valid', async () => {
      const { a, b } = pair()
      const kept = await login(a, 'alice')
      const other = await login(a, 'alice')
      await b.sessions.revokeUser('alice', { except: kept.id })
      expect(await stateOf(a, kept.cookie)).toBe('active')
      expect(await stateOf(a, other.cookie)).toBe('revoked/user-revoked')
      const later = await login(b, 'alice')
      expect(await stateOf(a, later.cookie)).toBe('active')
    })

    test('a revocation and a login in the same millisecond are ordered', async () => {
      const frozen = () => 1_700_000_000_000
      const { a, b } = pair({}, { now: frozen })
      const before = await login(a, 'alice')
      await b.sessions.revokeUser('alice')
      const after = await login(a, 'alice')
      expect(await stateOf(b, before.cookie)).toBe('revoked/user-revoked')
      expect(await stateOf(b, after.cookie)).toBe('active')
      const beforeAll = await login(a, 'bob')
      await b.sessions.revokeAll()
      const afterAll = await login(a, 'bob')
      expect(await stateOf(b, beforeAll.cookie)).toBe('revoked/epoch-revoked')
      expect(await stateOf(b, afterAll.cookie)).toBe('active')
    })

    // --- Local cache ---

    /** Reads until one read is answered without an MGET: B's subscriber is live and cached it. */
    async function untilCached(app: Instance, cookie: string) {
      await eventually(async () => {
        expect(await stateOf(app, cookie)).toBe('active')
        const commands = await commandsOf([admin], () => stateOf(app, cookie))
        return commands.mget === undefined
      })
    }

    test('with a cache: repeated reads skip Redis; another instance revokes within milliseconds', async () => {
      // A 60 s cache: only the pub/sub message can explain a revocation seen sooner.
      const { a, b } = pair({ cacheTtlMs: 60_000 })
      const s1 = await login(a, 'alice')
      const s2 = await login(a, 'bob')
      const s3 = await login(a, 'carol')
      for (const s of [s1, s2, s3]) await untilCached(b, s.cookie)
      await (await a.sessions.read(s1.cookie)).destroy()
      const destroyMs = await eventually(
        async () => (await stateOf(b, s1.cookie)) === 'revoked/session-revoked',
      )
      expect(await stateOf(b, s2.cookie)).toBe('active')
      await a.sessions.revokeUser('bob')
      const userMs = await eventually(
        async () => (await stateOf(b, s2.cookie)) === 'revoked/user-revoked',
      )
      expect(await stateOf(b, s3.cookie)).toBe('active')
      await a.sessions.revokeAll()
      const allMs = await eventually(
        async () => (await stateOf(b, s3.cookie)) === 'revoked/epoch-revoked',
      )
      console.info(
        `cache invalidation seen after ${destroyMs} / ${userMs} / ${allMs} ms (destroy / revokeUser / revokeAll)`,
      )
    })

    test('with a cache: a local revocation invalidates the local cache at once', async () => {
      const { a, b } = pair({ cacheTtlMs: 60_000 })
      const s1 = await login(a, 'alice')
      const s2 = await login(a, 'bob')
      const s3 = await login(a, 'carol')
      for (const s of [s1, s2, s3]) await untilCached(b, s.cookie)
      await b.sessions.revoke(s1.id)
      expect(await stateOf(b, s1.cookie)).toBe('revoked/session-revoked')
      await b.sessions.revokeUser('bob')
      expect(await stateOf(b, s2.cookie)).toBe('revoked/user-revoked')
      await b.sessions.revokeAll()
      expect(await stateOf(b, s3.cookie)).toBe('revoked/epoch-revoked')
    })

    test('with a cache and lost messages, a cached answer is at most cacheTtlMs old', async () => {
      // The subscriber listens on another server: messages never arrive (a silent pub/sub loss).
      const elsewhere = await startRedis()
      servers.push(elsewhere)
      let now = 0
      const subscriber = redisClient(elsewhere.port)
      const { a, b } = pair({ cacheTtlMs: 1000, subscriber, now: () => now })
      const s = await login(a, 'alice')
      await untilCached(b, s.cookie)
      await (await a.sessions.read(s.cookie)).destroy()
      now = 999
      expect(await stateOf(b, s.cookie)).toBe('active')
      now = 1000
      expect(await stateOf(b, s.cookie)).toBe('revoked/session-revoked')
    })

    test('with a cache: while the subscriber is down nothing is cached', async () => {
      const elsewhere = await startRedis()
      servers.push(elsewhere)
      const subscriber = redisClient(elsewhere.port)
      const { a, b } = pair({ cacheTtlMs: 60_000, subscriber })
      const s = await login(a, 'alice')
      await untilCached(b, s.cookie)
      // The subscriber's server goes away: the cache is dropped and every read asks Redis.
      await elsewhere.kill()
      await eventually(
        async () => (await commandsOf([admin], () => stateOf(b, s.cookie))).mget === 1,
      )
      for (let i = 0; i < 3; i++) {
        expect(await commandsOf([admin], () => stateOf(b, s.cookie))).toEqual({ mget: 1 })
      }
      await (await a.sessions.read(s.cookie)).destroy()
      expect(await stateOf(b, s.cookie)).toBe('revoked/session-revoked')
      // When it is back, caching resumes.
      await elsewhere.start()
      const s2 = await login(a, 'bob')
      await untilCached(b, s2.cookie)
    })
  })
})
