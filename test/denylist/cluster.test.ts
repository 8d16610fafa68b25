// The Redis denylist on a real three-master Redis Cluster.

import { Cluster, Redis } from 'ioredis'
import { beforeAll, describe, expect, test } from 'vitest'
import { denylistContract, deviceIndexContract } from '../helpers/denylist-contract.js'
import { eventually, startRedisCluster, type RedisCluster } from '../helpers/redis-server.mjs'
import {
  freshPrefix,
  servers,
  readyClient,
  clusterClient,
  redisDenylist,
  commandsOf,
  instance,
  login,
  stateOf,
} from '../helpers/denylist-fixtures.js'

const admin0Exists = async (admins: Redis[], key: string) =>
  (await Promise.all(admins.map((a) => a.exists(key).catch(() => 0)))).some((n) => n === 1)

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
  deviceIndexContract('Redis Cluster', () => redisDenylist(client, { prefix: freshPrefix() }))

  test("one user's counter, keep markers and device index share a slot; a check is one MGET per slot, sent together", async () => {
    const prefix = freshPrefix()
    const d = redisDenylist(client, { prefix })
    await d.revokeUser('alice', { exceptSessionId: 's1' })
    const nowMs = Date.now()
    const device = { createdAtMs: nowMs, lastSeenMs: nowMs, expiresAtMs: nowMs + 60_000, label: '' }
    await d.recordSession('alice', { sessionId: 's1', ...device }, { nowMs })
    await d.recordSession('alice', { sessionId: 's2', ...device }, { nowMs, maxSessions: 1 })
    const slots = await Promise.all(
      [
        `${prefix}{u:alice}:v`,
        `${prefix}{u:alice}:k:s1`,
        `${prefix}{u:alice}:k:other`,
        `${prefix}{u:alice}:d`,
        `${prefix}{u:alice}:e`,
        `${prefix}{u:alice}:r:s1`,
      ].map((k) => admins[0]!.cluster('KEYSLOT', k)),
    )
    expect(new Set(slots).size).toBe(1)
    expect(await admin0Exists(admins, `${prefix}{u:alice}:r:s1`)).toBe(true)
    // The epoch and the generation share a slot too: a check stays one MGET per slot group.
    const store = await Promise.all(
      [`${prefix}{store}:epoch`, `${prefix}{store}:generation`].map((k) =>
        admins[0]!.cluster('KEYSLOT', k),
      ),
    )
    expect(new Set(store).size).toBe(1)
    const check = await commandsOf(admins, () =>
      d.check({ sessionId: 's1', userId: 'alice', userVersion: 0, epoch: 0 }),
    )
    expect(check).toEqual({ mget: 3 })
    expect(
      await commandsOf(admins, () => d.check({ sessionId: 's1', userVersion: 0, epoch: 0 })),
    ).toEqual({ mget: 2 })
  })

  test('two instances: destroy, revokeUser with except and revokeAll are seen by the other', async () => {
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

  test('with a cache: another instance revokes within milliseconds through pub/sub', async () => {
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
