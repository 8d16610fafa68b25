// cachet inspect: the report of real cookies (fresh, chunked, rotated, expired, revoked against a
// real redis-server), the command's arguments and output, and hostile input.

import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createMemoryDenylist, createRedisDenylist } from '../src/denylist/index.js'
import { runInspect } from '../src/inspect-command.js'
import { inspectCookie } from '../src/inspect.js'
import { generateSecret } from '../src/keys.js'
import { createSessions } from '../src/session/index.js'
import { startRedis, type RedisServer } from './helpers/redis-server.mjs'

const SECRET = generateSecret()
const OLD = generateSecret()
const T0 = 1_700_000_000_000
const HOUR = 3_600_000

const cookieOf = (session: { writes: readonly { name: string; value: string }[] }) =>
  session.writes
    .filter((w) => w.value !== '')
    .map((w) => `${w.name}=${w.value}`)
    .join('; ')

async function login(data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const sessions = createSessions({
    keys: SECRET,
    maxAgeSeconds: 24 * 3600,
    now: () => T0,
    ...extra,
  })
  const session = await sessions.read(undefined)
  await session.save(data)
  return { cookie: cookieOf(session), id: session.id }
}

let server: RedisServer
let redis: Redis
beforeAll(async () => {
  server = await startRedis()
  redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 })
})
afterAll(async () => {
  redis.disconnect()
  await server.stop()
})

test('describes a fresh cookie: format, key id, size, times, stamps, and the state a read gives', async () => {
  const denylist = createMemoryDenylist()
  await denylist.revokeUser('alice')
  await denylist.revokeAll()
  const { cookie, id } = await login({ userId: 'alice', role: 'admin' }, { denylist })
  const report = await inspectCookie(cookie, {
    keys: SECRET,
    maxAgeSeconds: 24 * 3600,
    idleTimeoutSeconds: 1800,
    now: () => T0 + 60_000,
  })
  expect(report).toMatchObject({
    cookieName: '__Host-session',
    cookies: ['__Host-session'],
    chunked: false,
    valueBytes: cookie.length - '__Host-session='.length,
    formatVersion: 'c1',
    keyId: 'k0',
    keyKnown: true,
    keyCurrent: true,
    openError: undefined,
    sessionId: id,
    userId: 'alice',
    createdAtMs: T0,
    lastSeenMs: T0,
    expiresAtMs: T0 + 24 * HOUR,
    idleExpiresAtMs: T0 + 1_800_000,
    userVersion: 1,
    epoch: 1,
    revocationChecked: false,
    state: 'active',
    reason: undefined,
  })
  expect('data' in report).toBe(false)
  // The policy in force: an idle timeout passed reads as expired.
  const idle = await inspectCookie(cookie, {
    keys: SECRET,
    idleTimeoutSeconds: 1800,
    now: () => T0 + 1_800_000,
  })
  expect([idle.state, idle.reason]).toEqual(['expired', 'idle-timeout'])
})

test('a chunked cookie, a cookie under an older key, an expired one and an unknown key', async () => {
  const big = await login({ userId: 'bob', blob: 'x'.repeat(6000) })
  const chunked = await inspectCookie(big.cookie, { keys: SECRET, now: () => T0 })
  expect(chunked.chunked).toBe(true)
  const names = big.cookie.split('; ').map((pair) => pair.slice(0, pair.indexOf('=')))
  expect(names.length).toBeGreaterThan(1)
  expect(chunked.cookies).toEqual(names)
  expect(names.every((name, i) => name === `__Host-session.${i}`)).toBe(true)
  expect(chunked.state).toBe('active')
  expect(chunked.valueBytes).toBeGreaterThan(6000)

  const old = await login({ userId: 'bob' }, { keys: { current: 'k1', keys: { k1: OLD } } })
  const ring = { current: 'k2', keys: { k2: SECRET, k1: OLD } }
  const rotated = await inspectCookie(old.cookie, { keys: ring, now: () => T0 })
  expect(rotated).toMatchObject({ keyId: 'k1', keyKnown: true, keyCurrent: false, state: 'active' })

  const small = await login({ userId: 'bob' })
  const expired = await inspectCookie(small.cookie, { keys: SECRET, now: () => T0 + 24 * HOUR })
  expect(expired).toMatchObject({
    openError: 'expired',
    expiresAtMs: T0 + 24 * HOUR,
    createdAtMs: T0,
    state: 'expired',
    reason: 'expired',
  })

  const unknown = await inspectCookie(old.cookie, { keys: SECRET, now: () => T0 })
  expect(unknown).toMatchObject({
    keyId: 'k1',
    keyKnown: false,
    openError: 'unknown-key',
    sessionId: undefined,
    state: 'invalid',
    reason: 'unknown-key',
  })
})

test('with a denylist: the revocation check of a real redis-server', async () => {
  const prefix = `inspect${process.pid}:`
  const denylist = createRedisDenylist(redis, { prefix, timeoutMs: 2000 })
  const now = Date.now()
  const { cookie, id } = await login({ userId: 'carol' }, { denylist, now: () => now })
  const before = await inspectCookie(cookie, { keys: SECRET, denylist, now: () => now })
  expect([before.state, before.revocationChecked]).toEqual(['active', true])
  await denylist.revokeSession(id, 60)
  const after = await inspectCookie(cookie, { keys: SECRET, denylist, now: () => now })
  expect([after.state, after.reason]).toEqual(['revoked', 'session-revoked'])
  await denylist.close()

  // The same through the command, with --denylist redis://… and --prefix.
  const result = await runInspect(
    [cookie, '--denylist', `redis://127.0.0.1:${server.port}`, '--prefix', prefix, '--json'],
    { SESSION_SECRET: SECRET },
  )
  expect(result.code).toBe(0)
  expect(JSON.parse(result.stdout)).toMatchObject({ state: 'revoked', reason: 'session-revoked' })
})

test('the command prints no key, and the data only with --data', async () => {
  const { cookie } = await login({ userId: 'dave', note: 'private-note' })
  const env = { SESSION_KEYS: `k0:${SECRET},kold:${OLD}`, SESSION_CURRENT_KEY: 'k0' }
  for (const args of [
    [cookie],
    [cookie, '--json'],
    [cookie, '--data'],
    [cookie, '--data', '--json'],
  ]) {
    const result = await runInspect([...args, '--max-age', '86400'], env)
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain(SECRET)
    expect(result.stdout).not.toContain(OLD)
    expect(result.stdout.includes('private-note')).toBe(args.includes('--data'))
  }
  const text = (await runInspect([cookie, '--max-age', '86400'], env)).stdout
  expect(text).toMatch(/^format +c1$/m)
  expect(text).toMatch(/^key id +k0 \(current\)$/m)
  expect(text).toMatch(/^user +dave$/m)
  // A bare value works like a Cookie header.
  const bare = cookie.slice(cookie.indexOf('=') + 1)
  expect(
    JSON.parse((await runInspect([bare, '--json', '--max-age', '86400'], env)).stdout).sessionId,
  ).toBe(
    JSON.parse((await runInspect([cookie, '--json', '--max-age', '86400'], env)).stdout).sessionId,
  )
})

test('usage errors exit 2 and invalid keys exit 1, without echoing a secret', async () => {
  const env = { SESSION_SECRET: SECRET }
  for (const args of [
    [],
    ['--json'],
    ['a', 'b'],
    ['a', '--nope'],
    ['a', '--max-age', 'x'],
    ['a', '--name'],
  ]) {
    const result = await runInspect(args, env)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
  }
  expect((await runInspect(['a'], {})).code).toBe(2)
  const weak = await runInspect(['a'], { SESSION_SECRET: 'short-secret' })
  expect(weak.code).toBe(1)
  expect(weak.stderr).toContain('ERR_KEY_WEAK')
  expect(weak.stderr).not.toContain('short-secret')
  expect((await runInspect(['--help'], {})).code).toBe(0)
})

test('property: any cookie text gives a report (exit 0), never an exception', async () => {
  const env = { SESSION_SECRET: SECRET }
  const { cookie } = await login({ userId: 'erin' })
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ minLength: 1, maxLength: 300 }),
        fc.nat(cookie.length).map((n) => cookie.slice(0, n) + 'A' + cookie.slice(n + 1)),
      ),
      async (text) => {
        fc.pre(text.trim() !== '' && !text.startsWith('--') && !['-h'].includes(text))
        const result = await runInspect([text], env)
        expect(result.code).toBe(0)
        expect(result.stdout).toMatch(/^read now +(new|invalid|expired)/m)
      },
    ),
    { numRuns: 200 },
  )
})

test('npx cachet inspect runs from the built CLI', async () => {
  const { cookie } = await login({ userId: 'frank' })
  const run = spawnSync(
    process.execPath,
    ['dist/cli.js', 'inspect', cookie, '--max-age', '86400'],
    {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', SESSION_SECRET: SECRET },
      encoding: 'utf8',
    },
  )
  expect(run.status).toBe(0)
  expect(run.stdout).toMatch(/^user +frank$/m)
  expect(run.stdout).not.toContain(SECRET)
})
