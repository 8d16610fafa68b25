// The Redis denylist under faults: servers killed, SIGSTOPped and restarted; every call settles
// within its deadline and fails closed.

import type { RedisOptions } from 'ioredis'
import { describe, expect, test } from 'vitest'
import { type RedisDenylistOptions } from '../../src/denylist/index.js'
import { rejectsWith } from '../helpers/denylist-contract.js'
import { eventually, startRedis } from '../helpers/redis-server.mjs'
import {
  freshPrefix,
  servers,
  readyClient,
  redisDenylist,
  commandCalls,
  type Instance,
  instance,
  cookieOf,
  login,
  stateOf,
  settles,
} from '../helpers/denylist-fixtures.js'

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
    test(`server killed (connection refused), then restarted: fail closed, then recover (${label})`, async () => {
      const { server, deny, allow } = await setup(options)
      const s = await login(deny, 'alice')
      await server.kill()
      await expectUnavailable(deny, allow, s.cookie, s.id)
      await server.start()
      // The restarted server is empty; the app recovers without a restart.
      await eventually(
        async () => (await stateOf(deny, s.cookie)) !== 'revoked/denylist-unavailable',
      )
      // Sessions stamped before are refused (store-reset); a new login works and is revoked as usual.
      expect(await stateOf(deny, s.cookie)).toBe('revoked/store-reset')
      const again = await login(deny, 'alice')
      expect(await stateOf(allow, again.cookie)).toBe('active')
      await deny.sessions.revoke(again.id)
      expect(await stateOf(allow, again.cookie)).toBe('revoked/session-revoked')
    })

    test(`server stopped with SIGSTOP (accepts, never answers): fail closed within the timeout, then recover (${label})`, async () => {
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

  test('while a command is overdue, requests fail at once instead of piling commands up', async () => {
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

  test('a restart that lost the data refuses every session stamped before it (store-reset)', async () => {
    const { server, deny } = await setup(configs[1]![1])
    await deny.sessions.revokeUser('alice')
    const alice = await login(deny, 'alice')
    const bob = await login(deny, 'bob')
    expect(await stateOf(deny, alice.cookie)).toBe('active')
    await server.kill()
    await server.start()
    await eventually(async () => (await stateOf(deny, bob.cookie)) === 'revoked/store-reset')
    expect(await stateOf(deny, alice.cookie)).toBe('revoked/store-reset')
  })

  test('with a cache: a failed check is never cached', async () => {
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
