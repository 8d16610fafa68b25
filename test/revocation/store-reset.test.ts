// Issue 9 item 2: a store that lost its data (restart without persistence, FLUSHALL, a new
// memory denylist after a process restart) must not bring revoked sessions back, however many
// revocations follow the loss (they climb the counters back to the values old sessions carry).
// Sessions stamped before the loss are refused with `store-reset`; logins after it work. On a
// private single redis-server (FLUSHALL and a restart) and on the three-node Cluster (FLUSHALL
// on every master).
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createMemoryDenylist,
  createRedisDenylist,
  type Denylist,
  type RedisDenylist,
} from '../../src/denylist/index.js'
import { createSessions, type Sessions } from '../../src/index.js'
import { jwtStrategy } from '../../src/jwt/index.js'
import { generateSecret } from '../../src/keys.js'
import {
  eventually,
  rawCommand,
  startRedis,
  startRedisCluster,
  type RedisCluster,
  type RedisServer,
} from '../helpers/redis-server.mjs'

type User = { userId: string }

const SECRET = generateSecret()
const clients: (Redis | Cluster)[] = []
const denylists: RedisDenylist[] = []

afterAll(async () => {
  await Promise.all(denylists.map((d) => d.close()))
  for (const c of clients) c.disconnect()
})

const ready = (client: Redis | Cluster) =>
  client.status === 'ready'
    ? Promise.resolve()
    : new Promise<void>((r) => client.once('ready', () => r()))

function sessionsOf(denylist: Denylist): Sessions<User> {
  return createSessions<User>({ keys: SECRET, denylist, maxAgeSeconds: 3600 })
}

async function login(sessions: Sessions<User>, userId: string): Promise<string> {
  const session = await sessions.read(undefined)
  await session.regenerate()
  await session.save({ userId })
  return session.writes
    .filter((w) => w.value !== '')
    .map((w) => `${w.name}=${w.value}`)
    .join('; ')
}

async function stateOf(sessions: Sessions<User>, cookie: string): Promise<string> {
  const session = await sessions.read(cookie)
  return session.state === 'active' ? 'active' : `${session.state}/${session.reason}`
}

interface Revoked {
  readonly cookies: readonly string[]
}

/**
 * Sessions revoked every way there is, before the loss: by id (destroy), by user (at versions 0
 * and 1), by epoch; and one session that was never revoked.
 */
async function revokeEveryWay(sessions: Sessions<User>): Promise<Revoked & { kept: string }> {
  const byId = await login(sessions, 'ada')
  const destroyed = await sessions.read(byId)
  await destroyed.destroy()
  const userV0 = await login(sessions, 'alice')
  await sessions.revokeUser('alice')
  const userV1 = await login(sessions, 'alice')
  await sessions.revokeUser('alice')
  const epoch0 = await login(sessions, 'bob')
  await sessions.revokeAll()
  const kept = await login(sessions, 'carol')
  const revoked = [byId, userV0, userV1, epoch0]
  for (const cookie of revoked) expect(await stateOf(sessions, cookie)).toMatch(/^revoked\//)
  expect(await stateOf(sessions, kept)).toBe('active')
  return { cookies: revoked, kept }
}

/** After the loss: every earlier session stays refused through any number of revocations. */
async function expectNoResurrection(
  sessions: Sessions<User>,
  before: Revoked & { kept: string },
): Promise<void> {
  const all = [...before.cookies, before.kept]
  for (const cookie of all) expect(await stateOf(sessions, cookie)).toBe('revoked/store-reset')
  for (let round = 0; round < 3; round++) {
    await sessions.revokeUser('alice')
    await sessions.revokeAll()
    for (const cookie of all) expect(await stateOf(sessions, cookie)).toBe('revoked/store-reset')
  }
  // New logins after the loss work, and are revoked as usual.
  const fresh = await login(sessions, 'alice')
  expect(await stateOf(sessions, fresh)).toBe('active')
  await sessions.revokeUser('alice')
  expect(await stateOf(sessions, fresh)).toBe('revoked/user-revoked')
}

describe('memory denylist: a new instance (a process restart)', () => {
  it('refuses every session stamped by the previous instance', async () => {
    const before = await revokeEveryWay(sessionsOf(createMemoryDenylist()))
    await expectNoResurrection(sessionsOf(createMemoryDenylist()), before)
  })

  it('the JWT strategy carries the generation too (claim gen)', async () => {
    const strategy = jwtStrategy({
      algorithm: 'HS256',
      keys: { current: 'j1', keys: { j1: generateSecret() } },
      issuer: 'https://app.test',
      audience: 'https://app.test',
    })
    const jwtSessions = (denylist: Denylist) =>
      createSessions<User>({ keys: SECRET, denylist, maxAgeSeconds: 3600, strategy })
    const first = createMemoryDenylist()
    const cookie = await login(jwtSessions(first), 'alice')
    const { generation } = await first.current(undefined)
    const payload = JSON.parse(
      new TextDecoder().decode(
        Uint8Array.from(atob(cookie.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
          c.charCodeAt(0),
        ),
      ),
    ) as { gen?: unknown }
    expect(payload.gen).toBe(generation)
    expect(await stateOf(jwtSessions(first), cookie)).toBe('active')
    expect(await stateOf(jwtSessions(createMemoryDenylist()), cookie)).toBe('revoked/store-reset')
  })
})

describe('Redis, single server', () => {
  let server: RedisServer
  let redis: Redis
  beforeAll(async () => {
    server = await startRedis()
    redis = new Redis({
      port: server.port,
      host: '127.0.0.1',
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    })
    redis.on('error', () => {})
    clients.push(redis)
    await ready(redis)
  })
  afterAll(async () => {
    await server?.stop()
  })

  const denylistOf = () => {
    const d = createRedisDenylist(redis, { timeoutMs: 2000 })
    denylists.push(d)
    return d
  }

  it('FLUSHALL: revoked sessions stay refused after any number of revocations', async () => {
    const sessions = sessionsOf(denylistOf())
    const before = await revokeEveryWay(sessions)
    expect(await rawCommand(server.port, 'FLUSHALL')).toBe('+OK\r\n')
    await expectNoResurrection(sessions, before)
  })

  it('a restart without persistence: the same, without restarting the app', async () => {
    await rawCommand(server.port, 'FLUSHALL')
    const sessions = sessionsOf(denylistOf())
    const before = await revokeEveryWay(sessions)
    await server.kill()
    await server.start()
    await eventually(async () => (await redis.ping().catch(() => '')) === 'PONG')
    await expectNoResurrection(sessions, before)
  })
})

describe('Redis Cluster (three masters)', () => {
  let cluster: RedisCluster
  let client: Cluster
  beforeAll(async () => {
    cluster = await startRedisCluster()
    client = new Cluster(
      cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
      { clusterRetryStrategy: () => 50, redisOptions: { maxRetriesPerRequest: 1 } },
    )
    client.on('error', () => {})
    clients.push(client)
    await ready(client)
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('FLUSHALL on every master: revoked sessions stay refused after any number of revocations', async () => {
    const denylist = createRedisDenylist(client, { timeoutMs: 2000 })
    denylists.push(denylist)
    const sessions = sessionsOf(denylist)
    const before = await revokeEveryWay(sessions)
    for (const node of cluster.nodes)
      expect(await rawCommand(node.port, 'FLUSHALL')).toBe('+OK\r\n')
    await expectNoResurrection(sessions, before)
  })
})
