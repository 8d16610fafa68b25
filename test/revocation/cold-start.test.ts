// Issue 9 item 3: a serverless cold start. The first call on a fresh ioredis client must not count
// establishing the connection against the per-command timeout, while a Redis that is down still
// fails closed within a bounded time. A TCP proxy in front of a private redis-server holds every
// new connection 250 ms before forwarding it (what a TLS handshake to a managed Redis looks like).
import { Redis, type RedisOptions } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisDenylist, type RedisDenylist } from '../../src/denylist/index.js'
import { generateSecret } from '../../src/keys.js'
import { createSessions } from '../../src/index.js'
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.js'
import { rejectsWith } from '../helpers/denylist-contract.js'
import { freePort, startRedis, type RedisServer } from '../helpers/redis-server.mjs'

const SECRET = generateSecret()
const CONNECT_DELAY_MS = 250

let server: RedisServer
let proxy: DelayProxy
const clients: Redis[] = []
const denylists: RedisDenylist[] = []

beforeAll(async () => {
  server = await startRedis()
  proxy = await startDelayProxy({ upstreamPort: server.port, delayMs: CONNECT_DELAY_MS })
})

afterAll(async () => {
  await Promise.all(denylists.map((d) => d.close()))
  for (const c of clients) c.disconnect()
  await proxy?.close()
  await server?.stop()
})

function client(port: number, extra: RedisOptions = {}): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, ...extra })
  redis.on('error', () => {})
  clients.push(redis)
  return redis
}

function denylistOf(redis: Redis, options: Parameters<typeof createRedisDenylist>[1] = {}) {
  const denylist = createRedisDenylist(redis, options)
  denylists.push(denylist)
  return denylist
}

/** Awaits `promise` and prints how long it took (figures for the README; nothing asserted on them). */
async function measured<T>(label: string, promise: Promise<T>): Promise<T> {
  const start = performance.now()
  try {
    return await promise
  } finally {
    console.log(`measured ${label}: ${Math.round(performance.now() - start)} ms`)
  }
}

/** A signed-in cookie, made through a warm connection straight to the server. */
async function signedIn(prefix: string): Promise<string> {
  const warm = client(server.port)
  const sessions = createSessions<{ userId: string }>({
    keys: SECRET,
    denylist: denylistOf(warm, { prefix, timeoutMs: 2000 }),
  })
  const session = await sessions.read(undefined)
  await session.save({ userId: 'alice' })
  const write = session.writes[0]!
  return `${write.name}=${write.value}`
}

describe('cold start behind a 250 ms connect', () => {
  for (const lazyConnect of [false, true]) {
    it(`the first read on a fresh client succeeds with the default timeoutMs (lazyConnect: ${lazyConnect})`, async () => {
      const cookie = await signedIn(`cold${Number(lazyConnect)}:`)
      const cold = client(proxy.port, { lazyConnect })
      const sessions = createSessions<{ userId: string }>({
        keys: SECRET,
        // The per-command default (100 ms) is below the connect delay: only a separate connect
        // budget lets this first read through.
        denylist: denylistOf(cold, { prefix: `cold${Number(lazyConnect)}:` }),
      })
      const session = await measured(
        `first read, 250 ms connect, lazyConnect ${lazyConnect}`,
        sessions.read(cookie),
      )
      expect(session.state === 'active' ? 'active' : `${session.state}/${session.reason}`).toBe(
        'active',
      )
    })
  }

  it('the first revocation on a fresh client is confirmed too', async () => {
    const cold = client(proxy.port)
    const denylist = denylistOf(cold, { prefix: 'coldrevoke:' })
    await denylist.revokeAll()
    expect(
      (await denylistOf(client(server.port), { prefix: 'coldrevoke:' }).current(undefined)).epoch,
    ).toBe(1)
  })

  it('connectTimeoutMs is validated like timeoutMs', () => {
    const redis = client(server.port, { lazyConnect: true })
    for (const connectTimeoutMs of [0, -1, 1.5, Number.NaN, 600_001, '3000']) {
      let code: unknown
      try {
        createRedisDenylist(redis, { connectTimeoutMs } as never)
      } catch (error) {
        code = (error as { code?: unknown }).code
      }
      expect(code, String(connectTimeoutMs)).toBe('ERR_DENYLIST_OPTIONS')
    }
  })
})

describe('a Redis that is down still fails closed', () => {
  it('connection refused at cold start: the first read fails closed, and so do later ones', async () => {
    const deadPort = await freePort()
    const cold = client(deadPort, { retryStrategy: () => 50 })
    const denylist = denylistOf(cold, { prefix: 'down:' })
    const claims = { sessionId: 'a'.repeat(22), userVersion: 0, epoch: 0 }
    await rejectsWith(
      measured('refused, first call', denylist.check(claims)),
      'ERR_DENYLIST_UNAVAILABLE',
    )
    await rejectsWith(
      measured('refused, next call', denylist.check(claims)),
      'ERR_DENYLIST_UNAVAILABLE',
    )
  })

  it('a connection that worked, then refused (Redis killed): reads fail closed at the next refused attempt', async () => {
    const own = await startRedis()
    try {
      const warm = client(own.port, { retryStrategy: () => 50 })
      const denylist = denylistOf(warm, { prefix: 'killed:' })
      const { generation } = await denylist.current(undefined)
      const claims = { sessionId: 'a'.repeat(22), userVersion: 0, epoch: 0, generation }
      expect(await denylist.check(claims)).toBe('ok')
      await own.kill()
      await rejectsWith(
        measured('killed, first call', denylist.check(claims)),
        'ERR_DENYLIST_UNAVAILABLE',
      )
      await rejectsWith(
        measured('killed, next call', denylist.check(claims)),
        'ERR_DENYLIST_UNAVAILABLE',
      )
    } finally {
      await own.stop()
    }
  })

  it('a host that accepts and never answers: the first read fails closed after the connect budget', async () => {
    const blackhole = await startDelayProxy({ upstreamPort: server.port, delayMs: 0 })
    blackhole.mode = 'blackhole'
    try {
      const cold = client(blackhole.port)
      const denylist = denylistOf(cold, { prefix: 'hole:', connectTimeoutMs: 300 })
      await rejectsWith(
        measured('blackhole, connectTimeoutMs 300, first call', denylist.current(undefined)),
        'ERR_DENYLIST_UNAVAILABLE',
      )
      // The attempt overran its budget: later calls wait at most timeoutMs (100 ms).
      await rejectsWith(
        measured('blackhole, next call', denylist.current(undefined)),
        'ERR_DENYLIST_UNAVAILABLE',
      )
      // Counted by the proxy: the client did try (not refused by the denylist before connecting).
      expect(blackhole.accepted).toBeGreaterThanOrEqual(1)
    } finally {
      await blackhole.close()
    }
  })
})
