// Denylist tests against real redis-server processes started on free ports (never :6379):
// the contract on memory, a single server and a three-node Cluster; two session managers with
// separate connections acting as two app instances; faults (killed, SIGSTOPped, restarted).
import { EdgeRuntime } from 'edge-runtime'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CookieWrite } from '../src/cookie.js'
import {
  createMemoryDenylist,
  createRedisDenylist,
  type Denylist,
  type RedisDenylist,
  type RedisDenylistOptions,
} from '../src/denylist/index.js'
import { generateSecret } from '../src/keys.js'
import {
  createSessions,
  type RejectReason,
  type SessionOptions,
  type Sessions,
} from '../src/session.js'
import { denylistContract, HOSTILE_IDS, rejectsWith } from './helpers/denylist-contract.js'
import {
  eventually,
  startRedis,
  startRedisCluster,
  type RedisCluster,
  type RedisServer,
} from './helpers/redis-server.js'
import { bundleForEdge } from './helpers/edge-bundle.js'

// --- Fixtures ---

const SECRET = generateSecret()
let prefixes = 0
const freshPrefix = () => `t${process.pid}n${++prefixes}:`
// Functional tests use a long timeout so that a busy CI machine cannot fail them; fault tests
// use the short default.
const SLOW_OK = 2000

const clients: (Redis | Cluster)[] = []
const denylists: RedisDenylist[] = []
const servers: (RedisServer | RedisCluster)[] = []

afterAll(async () => {
  await Promise.all(denylists.map((d) => d.close()))
  for (const c of clients) c.disconnect()
  await Promise.all(servers.map((s) => s.stop()))
})

const ready = (client: Redis | Cluster) =>
  client.status === 'ready'
    ? Promise.resolve()
    : new Promise<void>((r) => client.once('ready', () => r()))

/** A connection to a private server; reconnects every 50 ms so that recovery tests are quick. */
function redisClient(port: number, extra: RedisOptions = {}): Redis {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
    ...extra,
  })
  client.on('error', () => {})
  clients.push(client)
  return client
}

async function readyClient(port: number, extra: RedisOptions = {}): Promise<Redis> {
  const client = redisClient(port, extra)
  await ready(client)
  return client
}

async function clusterClient(cluster: RedisCluster): Promise<Cluster> {
  const client = new Cluster(
    cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    { clusterRetryStrategy: () => 50, redisOptions: { maxRetriesPerRequest: 1 } },
  )
  client.on('error', () => {})
  clients.push(client)
  await ready(client)
  return client
}

function redisDenylist(client: Redis | Cluster, options: RedisDenylistOptions = {}): RedisDenylist {
  const denylist = createRedisDenylist(client, { timeoutMs: SLOW_OK, ...options })
  denylists.push(denylist)
  return denylist
}

/** Command calls per command name on one server (INFO commandstats), without INFO itself. */
async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const info = await admin.info('commandstats')
  const calls = new Map<string, number>()
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    // INFO is the measurement itself; CLUSTER … is ioredis refreshing its slot map.
    if (m[1] !== 'info' && !m[1]!.startsWith('cluster')) calls.set(m[1]!, Number(m[2]))
  }
  return calls
}

/** The commands `action` made on the given servers, summed. */
async function commandsOf(
  admins: readonly Redis[],
  action: () => Promise<unknown>,
): Promise<Record<string, number>> {
  const before = await Promise.all(admins.map(commandCalls))
  await action()
  const after = await Promise.all(admins.map(commandCalls))
  const delta: Record<string, number> = {}
  after.forEach((calls, i) => {
    for (const [name, n] of calls) {
      const d = n - (before[i]!.get(name) ?? 0)
      if (d > 0) delta[name] = (delta[name] ?? 0) + d
    }
  })
  return delta
}

// --- Session instances ---

interface User {
  userId: string
}

interface Instance {
  readonly sessions: Sessions<User>
  readonly rejects: RejectReason[]
}

function instance(denylist: Denylist, extra: Partial<SessionOptions<User>> = {}): Instance {
  const rejects: RejectReason[] = []
  const sessions = createSessions<User>({
    keys: SECRET,
    denylist,
    maxAgeSeconds: 3600,
    onReject: (reason) => rejects.push(reason),
    ...extra,
  })
  return { sessions, rejects }
}

const cookieOf = (session: { readonly writes: readonly CookieWrite[] }) =>
  session.writes
    .filter((w) => w.value !== '')
    .map((w) => `${w.name}=${w.value}`)
    .join('; ')

async function login(app: Instance, userId: string): Promise<{ cookie: string; id: string }> {
  const session = await app.sessions.read(undefined)
  await session.regenerate()
  await session.save({ userId })
  return { cookie: cookieOf(session), id: session.id }
}

async function stateOf(app: Instance, cookie: string): Promise<string> {
  const session = await app.sessions.read(cookie)
  return session.state === 'active' ? 'active' : `${session.state}/${session.reason}`
}

/** Rejects with 'hung' if `promise` does not settle in `ms`: the calls under test must never hang. */
function settles<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('hung')), ms)
  })
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer))
}

// --- Memory ---

describe('memory denylist', () => {
  denylistContract('memory', () => createMemoryDenylist())

  it('expires revocations and exceptions by its clock', async () => {
    let now = 1_000_000
    const d = createMemoryDenylist({ now: () => now })
    await d.revokeSession('s1', 10)
    await d.revokeUser('alice', { exceptSessionId: 'kept', ttlSeconds: 20 })
    now += 9_999
    expect(await d.check({ sessionId: 's1', userVersion: 0, epoch: 0 })).toBe('session-revoked')
    now += 1
    expect(await d.check({ sessionId: 's1', userVersion: 0, epoch: 0 })).toBe('ok')
    expect(await d.check({ sessionId: 'kept', userId: 'alice', userVersion: 0, epoch: 0 })).toBe(
      'ok',
    )
    now += 10_000
    expect(await d.check({ sessionId: 'kept', userId: 'alice', userVersion: 0, epoch: 0 })).toBe(
      'user-revoked',
    )
  })

  it('refuses a clock that is not a function', () => {
    expect(() => createMemoryDenylist({ now: 5 as unknown as () => number })).toThrow(
      expect.objectContaining({ code: 'ERR_DENYLIST_OPTIONS' }),
    )
  })
})

// --- Edge runtime ---

describe('in the edge-runtime VM (no Node globals)', () => {
  it('the memory denylist revokes, and the Redis denylist loads, hashes ids and fails closed', async () => {
    // cachet and cachet/denylist bundled into one script, as an edge platform receives them.
    const bundle = await bundleForEdge(
      `export * from './src/index.ts'\nexport * from './src/denylist/index.ts'`,
    )
    // No Redis package, no Node: cachet only names ioredis in its messages.
    // (`.Buffer` is read off the run-time lookup of node:buffer only; no global Buffer.)
    expect(bundle).not.toMatch(/["']ioredis["']|(?<![.\w$])Buffer\b|\brequire\s*\(/)
    const vm = new EdgeRuntime()
    vm.evaluate(bundle)
    const json = await vm.evaluate<Promise<string>>(`(async () => {
      const sessions = cachet.createSessions({
        keys: ${JSON.stringify(SECRET)},
        denylist: cachet.createMemoryDenylist(),
      })
      const login = await sessions.read(undefined)
      await login.save({ userId: 'a:b {c} é' })
      const cookie = login.writes.map((w) => w.name + '=' + w.value).join('; ')
      const before = (await sessions.read(cookie)).state
      await (await sessions.read(cookie)).destroy()
      const after = await sessions.read(cookie)
      // A Redis denylist over a client that has ended: constructed, ids hashed, call refused.
      const ended = {
        status: 'end', isCluster: false,
        mget() {}, set() {}, incr() {}, eval() {}, publish() {}, subscribe() {}, unsubscribe() {},
        connect() {}, disconnect() {}, duplicate() { return ended }, on() {}, off() {},
      }
      const redis = cachet.createRedisDenylist(ended, { timeoutMs: 50 })
      let code
      try {
        await redis.check({ sessionId: 's', userId: 'x'.repeat(1 << 20), userVersion: 0, epoch: 0 })
      } catch (error) {
        code = error.code
      }
      return JSON.stringify({ before, after: after.state + '/' + after.reason, code })
    })()`)
    expect(JSON.parse(json)).toEqual({
      before: 'active',
      after: 'revoked/session-revoked',
      code: 'ERR_DENYLIST_UNAVAILABLE',
    })
  })
})

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

  it('stores a session revocation with the TTL given and counters without one (PTTL)', async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    await d.revokeSession('sid1', 3600)
    await d.revokeSession('sid2', 1.5)
    await d.revokeUser('alice', { exceptSessionId: 'sid3', ttlSeconds: 600 })
    await d.revokeAll()
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
    expect(await admin.pttl(`${prefix}epoch`)).toBe(-1)
  })

  it('session.destroy() stores the id for the remaining absolute lifetime plus clock skew', async () => {
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

  it('keys stay under the prefix and short, whatever the ids', async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    for (const id of HOSTILE_IDS) {
      await d.revokeSession(id, 60)
      await d.revokeUser(id, { exceptSessionId: id })
    }
    const keys = await admin.keys(`${prefix}*`)
    expect(keys.length).toBe(HOSTILE_IDS.length * 3 + 0)
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

  it('a check is exactly one command (MGET); so is current()', async () => {
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

  it('a session read adds exactly one command to a request', async () => {
    const app = instance(redisDenylist(client, { prefix: freshPrefix() }))
    const { cookie } = await login(app, 'alice')
    const commands = await commandsOf([admin], async () => {
      const session = await app.sessions.read(cookie)
      expect(session.state).toBe('active')
      await session.save()
    })
    expect(commands).toEqual({ mget: 1 })
  })

  it('garbage in Redis fails closed: reads and current() reject, sessions read as unavailable', async () => {
    const garbage = ['abc', '-1', '1.5', ' 1', '01', '1e3', '99999999999999999999', '']
    for (const value of garbage) {
      for (const where of ['version', 'epoch', 'keep'] as const) {
        const prefix = freshPrefix()
        const d = redisDenylist(client, { prefix })
        const app = instance(d)
        const { cookie, id } = await login(app, 'alice')
        const key = {
          version: `${prefix}{u:alice}:v`,
          epoch: `${prefix}epoch`,
          keep: `${prefix}{u:alice}:k:${id}`,
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

  it('prefixes isolate apps sharing a server', async () => {
    const a = redisDenylist(client, { prefix: freshPrefix() })
    const b = redisDenylist(client, { prefix: freshPrefix() })
    await a.revokeSession('s', 60)
    await a.revokeUser('alice')
    await a.revokeAll()
    expect(await b.check({ sessionId: 's', userId: 'alice', userVersion: 0, epoch: 0 })).toBe('ok')
    expect(await b.current('alice')).toEqual({ userVersion: 0, epoch: 0 })
  })

  it('validates its options eagerly with ERR_DENYLIST_OPTIONS', () => {
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

  it('connects a lazyConnect client on first use', async () => {
    const lazy = redisClient(server.port, { lazyConnect: true })
    expect(lazy.status).toBe('wait')
    const d = redisDenylist(lazy, { prefix: freshPrefix() })
    expect(await d.current('alice')).toEqual({ userVersion: 0, epoch: 0 })
  })

  it('fails at once on a client that was closed, and after close()', async () => {
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

    it('destroy() on one is seen by the other at once; the other clears the cookie', async () => {
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

    it('sessions.revoke(id), revokeUser and revokeAll on one are seen by the other', async () => {
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

    it('regenerate() revokes the previous id', async () => {
      const { a, b } = pair()
      const { cookie: old } = await login(a, 'alice')
      const session = await a.sessions.read(old)
      await session.regenerate()
      await session.save({ userId: 'alice' })
      expect(await stateOf(b, old)).toBe('revoked/session-revoked')
      expect(await stateOf(b, cookieOf(session))).toBe('active')
    })

    it('a cookie refreshed by a request in flight during logout is rejected too', async () => {
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

    it('revokeUser with except keeps that session; sessions created afterwards are valid', async () => {
      const { a, b } = pair()
      const kept = await login(a, 'alice')
      const other = await login(a, 'alice')
      await b.sessions.revokeUser('alice', { except: kept.id })
      expect(await stateOf(a, kept.cookie)).toBe('active')
      expect(await stateOf(a, other.cookie)).toBe('revoked/user-revoked')
      const later = await login(b, 'alice')
      expect(await stateOf(a, later.cookie)).toBe('active')
    })

    it('a revocation and a login in the same millisecond are ordered', async () => {
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

    it('with a cache: repeated reads skip Redis; another instance revokes within milliseconds', async () => {
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

    it('with a cache: a local revocation invalidates the local cache at once', async () => {
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

    it('with a cache and lost messages, a cached answer is at most cacheTtlMs old', async () => {
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

    it('with a cache: while the subscriber is down nothing is cached', async () => {
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

// --- Redis Cluster ---

describe('Redis denylist, Cluster (three masters)', () => {
  let cluster: RedisCluster
  let client: Cluster
  let admins: Redis[]

  beforeAll(async () => {
    cluster = await startRedisCluster()
    servers.push(cluster)
    client = await clusterClient(cluster)
    admins = await Promise.all(cluster.nodes.map((n) => readyClient(n.port)))
  })

  denylistContract('Redis Cluster', () => redisDenylist(client, { prefix: freshPrefix() }))

  it("one user's counter and keep markers share a slot; a check is one MGET per slot, sent together", async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    await d.revokeUser('alice', { exceptSessionId: 's1' })
    const slots = await Promise.all(
      [`${prefix}{u:alice}:v`, `${prefix}{u:alice}:k:s1`, `${prefix}{u:alice}:k:other`].map((k) =>
        admins[0]!.cluster('KEYSLOT', k),
      ),
    )
    expect(new Set(slots).size).toBe(1)
    const check = await commandsOf(admins, () =>
      d.check({ sessionId: 's1', userId: 'alice', userVersion: 0, epoch: 0 }),
    )
    expect(check).toEqual({ mget: 3 })
    expect(
      await commandsOf(admins, () => d.check({ sessionId: 's1', userVersion: 0, epoch: 0 })),
    ).toEqual({ mget: 2 })
  })

  it('two instances: destroy, revokeUser with except and revokeAll are seen by the other', async () => {
    const prefix = freshPrefix()
    const other = await clusterClient(cluster)
    const a = instance(redisDenylist(client, { prefix }))
    const b = instance(redisDenylist(other, { prefix }))
    const s1 = await login(a, 'alice')
    const s2 = await login(a, 'alice')
    const s3 = await login(a, 'alice')
    await (await a.sessions.read(s1.cookie)).destroy()
    expect(await stateOf(b, s1.cookie)).toBe('revoked/session-revoked')
    await a.sessions.revokeUser('alice', { except: s2.id })
    expect(await stateOf(b, s2.cookie)).toBe('active')
    expect(await stateOf(b, s3.cookie)).toBe('revoked/user-revoked')
    await b.sessions.revokeAll()
    expect(await stateOf(a, s2.cookie)).toBe('revoked/epoch-revoked')
    expect(await stateOf(a, (await login(b, 'alice')).cookie)).toBe('active')
  })

  it('with a cache: another instance revokes within milliseconds through pub/sub', async () => {
    const prefix = freshPrefix()
    const other = await clusterClient(cluster)
    const a = instance(redisDenylist(client, { prefix }))
    const b = instance(redisDenylist(other, { prefix, cacheTtlMs: 60_000 }))
    const s = await login(a, 'alice')
    await eventually(async () => {
      expect(await stateOf(b, s.cookie)).toBe('active')
      return (await commandsOf(admins, () => stateOf(b, s.cookie))).mget === undefined
    })
    await (await a.sessions.read(s.cookie)).destroy()
    await eventually(async () => (await stateOf(b, s.cookie)) === 'revoked/session-revoked')
  })
})

// --- Faults ---

describe('faults', () => {
  const configs: [string, RedisOptions][] = [
    [
      'ioredis defaults (offline queue, 20 retries)',
      { maxRetriesPerRequest: 20, enableOfflineQueue: true },
    ],
    [
      'recommended options',
      { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 1000 },
    ],
  ]

  async function setup(options: RedisOptions, denylistOptions: RedisDenylistOptions = {}) {
    const server = await startRedis()
    servers.push(server)
    const prefix = freshPrefix()
    const denyClient = await readyClient(server.port, options)
    const deny = instance(redisDenylist(denyClient, { prefix, timeoutMs: 100, ...denylistOptions }))
    const allow = instance(
      redisDenylist(await readyClient(server.port, options), { prefix, timeoutMs: 100 }),
      { onDenylistError: 'allow' },
    )
    return { server, deny, allow, denyClient }
  }

  /** While Redis is unusable: reads fail closed (or open with 'allow'), revocations and logins reject. */
  async function expectUnavailable(deny: Instance, allow: Instance, cookie: string, id: string) {
    deny.rejects.length = 0
    const read = await settles(deny.sessions.read(cookie))
    expect(read.state).toBe('revoked')
    expect(read.reason).toBe('denylist-unavailable')
    expect(deny.rejects).toEqual(['denylist-unavailable'])
    // The cookie is kept: an outage says nothing about it.
    expect(read.writes).toEqual([])
    const allowed = await settles(allow.sessions.read(cookie))
    expect(allowed.state).toBe('active')
    expect(allow.rejects).toContain('denylist-unavailable')
    await rejectsWith(settles(allowed.destroy()), 'ERR_DENYLIST_UNAVAILABLE')
    expect(allowed.writes.some((w) => w.options.maxAge === 0)).toBe(true)
    await rejectsWith(settles(deny.sessions.revoke(id)), 'ERR_DENYLIST_UNAVAILABLE')
    await rejectsWith(settles(deny.sessions.revokeUser('alice')), 'ERR_DENYLIST_UNAVAILABLE')
    await rejectsWith(settles(deny.sessions.revokeAll()), 'ERR_DENYLIST_UNAVAILABLE')
    const fresh = await deny.sessions.read(undefined)
    await rejectsWith(settles(fresh.save({ userId: 'carol' })), 'ERR_DENYLIST_UNAVAILABLE')
    // Many concurrent reads all settle, closed.
    const many = await settles(Promise.all(Array.from({ length: 50 }, () => stateOf(deny, cookie))))
    expect(new Set(many)).toEqual(new Set(['revoked/denylist-unavailable']))
  }

  for (const [label, options] of configs) {
    it(`server killed (connection refused), then restarted: fail closed, then recover (${label})`, async () => {
      const { server, deny, allow } = await setup(options)
      const s = await login(deny, 'alice')
      await server.kill()
      await expectUnavailable(deny, allow, s.cookie, s.id)
      await server.start()
      // The restarted server is empty: the session (version 0) is valid again, without a restart of the app.
      await eventually(async () => (await stateOf(deny, s.cookie)) === 'active')
      await deny.sessions.revoke(s.id)
      await eventually(async () => (await stateOf(allow, s.cookie)) === 'revoked/session-revoked')
    })

    it(`server stopped with SIGSTOP (accepts, never answers): fail closed within the timeout, then recover (${label})`, async () => {
      const { server, deny, allow } = await setup(options)
      const s = await login(deny, 'alice')
      server.pause()
      try {
        await expectUnavailable(deny, allow, s.cookie, s.id)
      } finally {
        server.resume()
      }
      // Revocations sent while it was stopped may still land (they were reported as failed):
      // recovery is shown with a new login.
      const fresh = await eventually(async () => {
        try {
          const session = await deny.sessions.read(undefined)
          await session.save({ userId: 'dave' })
          return (await stateOf(allow, cookieOf(session))) === 'active'
        } catch {
          return false
        }
      })
      expect(fresh).toBeGreaterThanOrEqual(0)
    })
  }

  it('while a command is overdue, requests fail at once instead of piling commands up', async () => {
    const { server, deny, denyClient } = await setup(configs[0]![1])
    const admin = await readyClient(server.port)
    const s = await login(deny, 'alice')
    const before = await commandCalls(admin)
    server.pause()
    try {
      // The first read sends its MGET and times out: that command is now overdue.
      expect(await settles(stateOf(deny, s.cookie))).toBe('revoked/denylist-unavailable')
      // A burst: at most one probe goes out, the rest fail without sending anything.
      const burst = await settles(
        Promise.all(Array.from({ length: 100 }, () => stateOf(deny, s.cookie))),
      )
      expect(new Set(burst)).toEqual(new Set(['revoked/denylist-unavailable']))
    } finally {
      server.resume()
    }
    // Redis answers a connection in order: once this PING is answered, the backlog was processed.
    await denyClient.ping()
    const mgets = ((await commandCalls(admin)).get('mget') ?? 0) - (before.get('mget') ?? 0)
    expect(mgets).toBeGreaterThanOrEqual(1)
    expect(mgets).toBeLessThanOrEqual(2)
    await eventually(async () => (await stateOf(deny, s.cookie)) === 'active')
  })

  it('a restart that lost the counters refuses sessions stamped with higher versions', async () => {
    const { server, deny } = await setup(configs[1]![1])
    await deny.sessions.revokeUser('alice')
    const alice = await login(deny, 'alice')
    const bob = await login(deny, 'bob')
    expect(await stateOf(deny, alice.cookie)).toBe('active')
    await server.kill()
    await server.start()
    await eventually(async () => (await stateOf(deny, bob.cookie)) === 'active')
    expect(await stateOf(deny, alice.cookie)).toBe('revoked/user-revoked')
  })

  it('with a cache: a failed check is never cached', async () => {
    const { server, deny } = await setup(configs[1]![1], { cacheTtlMs: 60_000 })
    const s = await login(deny, 'alice')
    server.pause()
    try {
      expect(await settles(stateOf(deny, s.cookie))).toBe('revoked/denylist-unavailable')
    } finally {
      server.resume()
    }
    await eventually(async () => (await stateOf(deny, s.cookie)) === 'active')
  })
})
