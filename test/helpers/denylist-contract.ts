// The denylist contract, written once and run against every implementation (memory, Redis
// single server, Redis Cluster). Each test asks the factory for a fresh, empty store.
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type {
  Denylist,
  DeviceIndex,
  DeviceRecord,
  RecordSessionOptions,
  RevocationClaims,
  RevocationVersions,
} from '../../src/denylist/index.js'
import { isSessionError, type SessionErrorCode } from '../../src/errors.js'
import { eventually } from './redis-server.mjs'

export async function rejectsWith(
  promise: Promise<unknown>,
  code: SessionErrorCode,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isSessionError(error) ? error.code : error).toBe(code)
}

const sid = (n: number) => `session-${String(n).padStart(14, '0')}`
const claimsOf = (
  generation: string | undefined,
  sessionId: string,
  userId: string | undefined,
  userVersion = 0,
  epoch = 0,
): RevocationClaims =>
  userId === undefined
    ? { sessionId, userVersion, epoch, generation }
    : { sessionId, userId, userVersion, epoch, generation }

/** The counters of `current()`, without the generation (random). */
const counters = ({ userVersion, epoch }: RevocationVersions) => ({ userVersion, epoch })

/** Ids that break naive key schemes: separators, glob and hash-tag characters, lone surrogates. */
export const HOSTILE_IDS: readonly string[] = [
  'a',
  'a:b',
  'a:*',
  '*',
  '{a}',
  'a}',
  '{',
  '}',
  '}:v',
  'x}:k:y',
  'u:a}:v',
  ' ',
  'a b',
  'a\r\nSET x 1',
  '~',
  '~AAAA',
  'epoch',
  'revocations',
  '\uD800',
  '\uD801',
  '\uDC00',
  'é',
  'e\u0301',
  '\u0000',
  'A'.repeat(64),
  'A'.repeat(65),
  'x'.repeat(1 << 20),
  'x'.repeat(1 << 20) + 'y',
]

export function denylistContract(name: string, make: () => Denylist | Promise<Denylist>): void {
  /** A fresh store, and claims stamped with its generation as a session would be. */
  async function fresh() {
    const d = await make()
    const { generation } = await d.current(undefined)
    const claims = (sessionId: string, userId: string | undefined, userVersion = 0, epoch = 0) =>
      claimsOf(generation, sessionId, userId, userVersion, epoch)
    return { d, claims, generation }
  }

  describe(`Denylist contract: ${name}`, () => {
    test('stamps one generation: a short token, unchanged by revocations; no or another one is store-reset', async () => {
      const { d, claims, generation } = await fresh()
      expect(generation).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
      await d.revokeUser('alice')
      await d.revokeAll()
      await d.revokeSession(sid(1), 60)
      expect((await d.current('alice')).generation).toBe(generation)
      expect((await d.current(undefined)).generation).toBe(generation)
      const now = await d.current('alice')
      expect(await d.check(claims(sid(2), 'alice', now.userVersion, now.epoch))).toBe('ok')
      for (const other of [undefined, 'x', generation + 'x']) {
        const stamped = claimsOf(other, sid(2), 'alice', now.userVersion, now.epoch)
        expect(await d.check(stamped)).toBe('store-reset')
      }
      // Another store (another generation) never accepts this one's sessions.
      const { d: elsewhere } = await fresh()
      expect(await elsewhere.check(claims(sid(3), undefined, 0, 0))).toBe('store-reset')
    })

    test('a fresh store revokes nothing and reports version 0 and epoch 0', async () => {
      const { d, claims } = await fresh()
      expect(counters(await d.current(undefined))).toEqual({ userVersion: 0, epoch: 0 })
      expect(counters(await d.current('alice'))).toEqual({ userVersion: 0, epoch: 0 })
      expect(await d.check(claims(sid(1), undefined))).toBe('ok')
      expect(await d.check(claims(sid(1), 'alice'))).toBe('ok')
    })

    test('revokeSession revokes that id, with or without a user, and nothing else', async () => {
      const { d, claims } = await fresh()
      await d.revokeSession(sid(1), 3600)
      expect(await d.check(claims(sid(1), undefined))).toBe('session-revoked')
      expect(await d.check(claims(sid(1), 'alice'))).toBe('session-revoked')
      expect(await d.check(claims(sid(2), 'alice'))).toBe('ok')
      expect(counters(await d.current('alice'))).toEqual({ userVersion: 0, epoch: 0 })
      // Idempotent.
      await d.revokeSession(sid(1), 3600)
      expect(await d.check(claims(sid(1), 'alice'))).toBe('session-revoked')
    })

    test('a session revocation ends after its TTL (the store cleans itself)', async () => {
      const { d, claims } = await fresh()
      await d.revokeSession(sid(1), 0.05)
      await d.revokeSession(sid(2), 3600)
      await eventually(async () => (await d.check(claims(sid(1), 'alice'))) === 'ok')
      expect(await d.check(claims(sid(2), 'alice'))).toBe('session-revoked')
    })

    test('revokeUser revokes the sessions created before it; sessions created after are valid', async () => {
      const { d, claims } = await fresh()
      const before = await d.current('alice')
      await d.revokeUser('alice')
      expect(await d.check(claims(sid(1), 'alice', before.userVersion, before.epoch))).toBe(
        'user-revoked',
      )
      const after = await d.current('alice')
      expect(counters(after)).toEqual({ userVersion: 1, epoch: 0 })
      expect(await d.check(claims(sid(2), 'alice', after.userVersion))).toBe('ok')
      // Other users and user-less sessions are untouched.
      expect(await d.check(claims(sid(3), 'bob'))).toBe('ok')
      expect(await d.check(claims(sid(4), undefined))).toBe('ok')
      await d.revokeUser('alice')
      expect(await d.check(claims(sid(2), 'alice', 1))).toBe('user-revoked')
      expect(counters(await d.current('alice'))).toEqual({ userVersion: 2, epoch: 0 })
    })

    test('revokeUser with exceptSessionId keeps that one session until the next revokeUser', async () => {
      const { d, claims } = await fresh()
      await d.revokeUser('alice', { exceptSessionId: sid(1), ttlSeconds: 3600 })
      expect(await d.check(claims(sid(1), 'alice', 0))).toBe('ok')
      expect(await d.check(claims(sid(2), 'alice', 0))).toBe('user-revoked')
      expect(await d.check(claims(sid(3), 'alice', 1))).toBe('ok')
      // The exception belongs to alice only.
      await d.revokeUser('bob')
      expect(await d.check(claims(sid(1), 'bob', 0))).toBe('user-revoked')
      // A later revocation without the exception covers the kept session too.
      await d.revokeUser('alice')
      expect(await d.check(claims(sid(1), 'alice', 0))).toBe('user-revoked')
      expect(await d.check(claims(sid(3), 'alice', 1))).toBe('user-revoked')
    })

    test('a kept session can still be revoked by id', async () => {
      const { d, claims } = await fresh()
      await d.revokeUser('alice', { exceptSessionId: sid(1) })
      expect(await d.check(claims(sid(1), 'alice', 0))).toBe('ok')
      await d.revokeSession(sid(1), 3600)
      expect(await d.check(claims(sid(1), 'alice', 0))).toBe('session-revoked')
    })

    test('revokeAll revokes every earlier session; later ones are valid', async () => {
      const { d, claims } = await fresh()
      await d.revokeUser('alice')
      await d.revokeAll()
      expect(await d.check(claims(sid(1), undefined, 0, 0))).toBe('epoch-revoked')
      expect(await d.check(claims(sid(2), 'alice', 1, 0))).toBe('epoch-revoked')
      expect(counters(await d.current(undefined))).toEqual({ userVersion: 0, epoch: 1 })
      const now = await d.current('alice')
      expect(counters(now)).toEqual({ userVersion: 1, epoch: 1 })
      expect(await d.check(claims(sid(3), 'alice', now.userVersion, now.epoch))).toBe('ok')
      expect(await d.check(claims(sid(4), undefined, 0, 1))).toBe('ok')
    })

    test('concurrent revocations are counted exactly (counters, not timestamps)', async () => {
      const { d } = await fresh()
      await Promise.all([
        ...Array.from({ length: 20 }, () => d.revokeUser('alice')),
        ...Array.from({ length: 20 }, (_, i) => d.revokeUser('alice', { exceptSessionId: sid(i) })),
        ...Array.from({ length: 10 }, () => d.revokeAll()),
      ])
      expect(counters(await d.current('alice'))).toEqual({ userVersion: 40, epoch: 10 })
    })

    test('refuses a session stamped with counters the store does not have (lost data)', async () => {
      const { d, claims } = await fresh()
      expect(await d.check(claims(sid(1), 'alice', 3, 0))).toBe('user-revoked')
      expect(await d.check(claims(sid(1), undefined, 0, 2))).toBe('epoch-revoked')
      // Without a user the user version is not consulted.
      expect(await d.check(claims(sid(1), undefined, 3, 0))).toBe('ok')
    })

    test('hostile ids never reach one another', async () => {
      const { d, claims } = await fresh()
      // Revoke every other id; the rest must stay untouched.
      const revoked = HOSTILE_IDS.filter((_, i) => i % 2 === 0)
      for (const id of revoked) {
        await d.revokeUser(id)
        await d.revokeSession(id, 3600)
      }
      for (const [i, id] of HOSTILE_IDS.entries()) {
        const expected = i % 2 === 0
        expect((await d.current(id)).userVersion).toBe(expected ? 1 : 0)
        expect(await d.check(claims(id, undefined))).toBe(expected ? 'session-revoked' : 'ok')
        expect(await d.check(claims('plain', id, 0))).toBe(expected ? 'user-revoked' : 'ok')
      }
    })

    test('property: revoking one arbitrary id never revokes another', async () => {
      const { d, claims } = await fresh()
      const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
      const id = fc.oneof(
        fc.string({ unit, minLength: 1, maxLength: 80 }),
        fc.string({ minLength: 1 }),
      )
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(id, id).filter(([a, b]) => a !== b),
          async ([a, b]) => {
            const versionBefore = (await d.current(b)).userVersion
            const sessionBefore = await d.check(claims(b, undefined))
            await d.revokeUser(a)
            await d.revokeSession(a, 60)
            expect((await d.current(b)).userVersion).toBe(versionBefore)
            expect(await d.check(claims(b, undefined))).toBe(sessionBefore)
            expect(await d.check(claims(a, undefined))).toBe('session-revoked')
          },
        ),
        { numRuns: 40 },
      )
    })

    test('refuses invalid arguments with ERR_DENYLIST_OPTIONS', async () => {
      const { d, claims } = await fresh()
      for (const ttl of [
        0,
        -1,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        400 * 24 * 3600 + 3601,
        '60',
      ]) {
        await rejectsWith(d.revokeSession(sid(1), ttl as number), 'ERR_DENYLIST_OPTIONS')
      }
      await rejectsWith(d.revokeSession('', 60), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.revokeSession(42 as unknown as string, 60), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.revokeUser(''), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.revokeUser('alice', { exceptSessionId: '' }), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.revokeUser('alice', { ttlSeconds: 0 }), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.check(claims('', 'alice')), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.check(claims(sid(1), 'alice', -1)), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.check(claims(sid(1), 'alice', 0, 1.5)), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.current(7 as unknown as string), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(
        d.check({ ...claims(sid(1), 'alice'), generation: 7 as unknown as string }),
        'ERR_DENYLIST_OPTIONS',
      )
      // Nothing was written by the refused calls.
      expect(counters(await d.current('alice'))).toEqual({ userVersion: 0, epoch: 0 })
      expect(await d.check(claims(sid(1), 'alice'))).toBe('ok')
    })
  })
}

// --- Device index ---

const T0 = 1_700_000_000_000
const HOUR = 3_600_000
const device = (
  sessionId: string,
  createdAtMs: number,
  extra: Partial<DeviceRecord> = {},
): DeviceRecord => ({
  sessionId,
  createdAtMs,
  lastSeenMs: createdAtMs,
  expiresAtMs: createdAtMs + HOUR,
  label: `device ${sessionId}`,
  ...extra,
})

/** The device index contract, run against every store that implements it. */
export function deviceIndexContract(
  name: string,
  make: () => (Denylist & DeviceIndex) | Promise<Denylist & DeviceIndex>,
): void {
  describe(`Device index contract: ${name}`, () => {
    test('a fresh index lists nothing; recorded sessions are listed most recently seen first', async () => {
      const d = await make()
      expect(await d.listSessions('alice', { nowMs: T0 })).toEqual([])
      const a = device(sid(1), T0)
      const b = device(sid(2), T0 + 10, { label: 'Firefox on Linux', userVersion: 3, epoch: 1 })
      expect(await d.recordSession('alice', a, { nowMs: T0 })).toEqual({
        recorded: true,
        evicted: [],
      })
      await d.recordSession('alice', b, { nowMs: T0 + 10 })
      await d.recordSession('bob', device(sid(3), T0), { nowMs: T0 })
      expect(await d.listSessions('alice', { nowMs: T0 + 20 })).toEqual([b, a])
      // A refresh updates the entry in place (one entry per session).
      const seen = { ...a, lastSeenMs: T0 + 50 }
      await d.recordSession('alice', seen, { nowMs: T0 + 50 })
      expect(await d.listSessions('alice', { nowMs: T0 + 60 })).toEqual([seen, b])
      expect((await d.listSessions('bob', { nowMs: T0 })).map((e) => e.sessionId)).toEqual([sid(3)])
    })

    test('index entries expire with the session: listed at expiry - 1, gone at expiry', async () => {
      const d = await make()
      await d.recordSession('alice', device(sid(1), T0, { expiresAtMs: T0 + 1000 }), {
        nowMs: T0,
      })
      await d.recordSession('alice', device(sid(2), T0, { expiresAtMs: T0 + 5000 }), {
        nowMs: T0,
      })
      const ids = async (nowMs: number) =>
        (await d.listSessions('alice', { nowMs })).map((e) => e.sessionId).sort()
      expect(await ids(T0 + 999)).toEqual([sid(1), sid(2)])
      expect(await ids(T0 + 1000)).toEqual([sid(2)])
      expect(await ids(T0 + 5000)).toEqual([])
      // An expired entry takes no place under the cap.
      const late = await d.recordSession('alice', device(sid(3), T0 + 1000), {
        nowMs: T0 + 1000,
        maxSessions: 2,
        policy: 'refuse-new',
      })
      expect(late).toEqual({ recorded: true, evicted: [] })
      expect(await ids(T0 + 1000)).toEqual([sid(2), sid(3)])
    })

    test("'refuse-new' at the cap records nothing; a listed session still refreshes", async () => {
      const d = await make()
      const { generation } = await d.current(undefined)
      const claims = (sessionId: string, userId: string | undefined, userVersion = 0, epoch = 0) =>
        claimsOf(generation, sessionId, userId, userVersion, epoch)
      const cap = { maxSessions: 2, policy: 'refuse-new' } as const
      await d.recordSession('alice', device(sid(1), T0), { nowMs: T0, ...cap })
      await d.recordSession('alice', device(sid(2), T0 + 1), { nowMs: T0 + 1, ...cap })
      expect(
        await d.recordSession('alice', device(sid(3), T0 + 2), { nowMs: T0 + 2, ...cap }),
      ).toEqual({ recorded: false, evicted: [] })
      const refreshed = device(sid(1), T0, { lastSeenMs: T0 + 3 })
      expect((await d.recordSession('alice', refreshed, { nowMs: T0 + 3, ...cap })).recorded).toBe(
        true,
      )
      expect((await d.listSessions('alice', { nowMs: T0 + 3 })).map((e) => e.sessionId)).toEqual([
        sid(1),
        sid(2),
      ])
      // Refused means nothing was written: the refused id is not revoked.
      expect(await d.check(claims(sid(3), 'alice'))).toBe('ok')
      // Another user has their own places.
      expect(
        (await d.recordSession('bob', device(sid(4), T0), { nowMs: T0, ...cap })).recorded,
      ).toBe(true)
    })

    test("'revoke-oldest' at the cap revokes the session that expires first, in the same step", async () => {
      const d = await make()
      const { generation } = await d.current(undefined)
      const claims = (sessionId: string, userId: string | undefined, userVersion = 0, epoch = 0) =>
        claimsOf(generation, sessionId, userId, userVersion, epoch)
      const cap = { maxSessions: 2, policy: 'revoke-oldest' } as const
      await d.recordSession('alice', device(sid(1), T0), { nowMs: T0, ...cap })
      await d.recordSession('alice', device(sid(2), T0 + 1), { nowMs: T0 + 1, ...cap })
      const outcome = await d.recordSession('alice', device(sid(3), T0 + 2), {
        nowMs: T0 + 2,
        ...cap,
      })
      expect(outcome).toEqual({ recorded: true, evicted: [sid(1)] })
      expect((await d.listSessions('alice', { nowMs: T0 + 2 })).map((e) => e.sessionId)).toEqual([
        sid(3),
        sid(2),
      ])
      expect(await d.check(claims(sid(1), 'alice'))).toBe('session-revoked')
      expect(await d.check(claims(sid(2), 'alice'))).toBe('ok')
      // An evicted session is never listed again, even by a late refresh.
      expect((await d.recordSession('alice', device(sid(1), T0), { nowMs: T0 + 3 })).recorded).toBe(
        false,
      )
      expect(await d.listSessions('alice', { nowMs: T0 + 3 })).toHaveLength(2)
    })

    test('two concurrent logins at the cap: exactly the places left are taken (refuse-new), never more than the cap (revoke-oldest)', async () => {
      const d = await make()
      const { generation } = await d.current(undefined)
      const claims = (sessionId: string, userId: string | undefined, userVersion = 0, epoch = 0) =>
        claimsOf(generation, sessionId, userId, userVersion, epoch)
      const refuse = { maxSessions: 3, policy: 'refuse-new' } as const
      await d.recordSession('alice', device(sid(1), T0), { nowMs: T0, ...refuse })
      await d.recordSession('alice', device(sid(2), T0), { nowMs: T0, ...refuse })
      const two = await Promise.all(
        [sid(10), sid(11)].map((id) =>
          d.recordSession('alice', device(id, T0 + 1), { nowMs: T0 + 1, ...refuse }),
        ),
      )
      expect(two.filter((o) => o.recorded)).toHaveLength(1)
      const many = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          d.recordSession('alice', device(sid(20 + i), T0 + 2), { nowMs: T0 + 2, ...refuse }),
        ),
      )
      expect(many.filter((o) => o.recorded)).toHaveLength(0)
      expect(await d.listSessions('alice', { nowMs: T0 + 2 })).toHaveLength(3)

      const oldest = { maxSessions: 3, policy: 'revoke-oldest' } as const
      const rush = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          d.recordSession('bob', device(sid(40 + i), T0 + i), { nowMs: T0 + 20, ...oldest }),
        ),
      )
      expect(rush.every((o) => o.recorded)).toBe(true)
      const evicted = rush.flatMap((o) => o.evicted)
      expect(evicted).toHaveLength(9)
      const listed = (await d.listSessions('bob', { nowMs: T0 + 20 })).map((e) => e.sessionId)
      expect(listed).toHaveLength(3)
      expect(new Set([...evicted, ...listed]).size).toBe(12)
      for (const id of evicted) expect(await d.check(claims(id, 'bob'))).toBe('session-revoked')
      for (const id of listed) expect(await d.check(claims(id, 'bob'))).toBe('ok')
    })

    test('forgetSession removes and revokes a listed session for its user only; never listed again', async () => {
      const d = await make()
      const { generation } = await d.current(undefined)
      const claims = (sessionId: string, userId: string | undefined, userVersion = 0, epoch = 0) =>
        claimsOf(generation, sessionId, userId, userVersion, epoch)
      await d.recordSession('alice', device(sid(1), T0), { nowMs: T0 })
      await d.recordSession('alice', device(sid(2), T0), { nowMs: T0 })
      await d.recordSession('bob', device(sid(3), T0), { nowMs: T0 })
      expect(await d.forgetSession('alice', sid(1), { nowMs: T0 + 1, ttlSeconds: 3600 })).toBe(true)
      expect((await d.listSessions('alice', { nowMs: T0 + 1 })).map((e) => e.sessionId)).toEqual([
        sid(2),
      ])
      expect(await d.check(claims(sid(1), 'alice'))).toBe('session-revoked')
      expect(await d.check(claims(sid(2), 'alice'))).toBe('ok')
      // A refresh racing with the sign-out cannot bring the device back.
      expect((await d.recordSession('alice', device(sid(1), T0), { nowMs: T0 + 2 })).recorded).toBe(
        false,
      )
      expect(await d.listSessions('alice', { nowMs: T0 + 2 })).toHaveLength(1)
      // Bob's session named under alice: not listed there, and bob's session stays valid.
      expect(await d.forgetSession('alice', sid(3), { nowMs: T0 + 3, ttlSeconds: 3600 })).toBe(
        false,
      )
      expect(await d.check(claims(sid(3), 'bob'))).toBe('ok')
      expect(await d.listSessions('bob', { nowMs: T0 + 3 })).toHaveLength(1)
      // An expired entry is not "listed".
      await d.recordSession('carol', device(sid(4), T0, { expiresAtMs: T0 + 10 }), { nowMs: T0 })
      expect(await d.forgetSession('carol', sid(4), { nowMs: T0 + 10, ttlSeconds: 60 })).toBe(false)
    })

    test('the revocation of a forgotten session ends after its TTL', async () => {
      const d = await make()
      const { generation } = await d.current(undefined)
      const claims = (sessionId: string, userId: string | undefined, userVersion = 0, epoch = 0) =>
        claimsOf(generation, sessionId, userId, userVersion, epoch)
      await d.forgetSession('alice', sid(1), { nowMs: T0, ttlSeconds: 0.05 })
      await d.forgetSession('alice', sid(2), { nowMs: T0, ttlSeconds: 3600 })
      await eventually(async () => (await d.check(claims(sid(1), 'alice'))) === 'ok')
      expect(await d.check(claims(sid(2), 'alice'))).toBe('session-revoked')
    })

    test('hostile user and session ids keep separate lists', async () => {
      const d = await make()
      const { generation } = await d.current(undefined)
      const claims = (sessionId: string, userId: string | undefined, userVersion = 0, epoch = 0) =>
        claimsOf(generation, sessionId, userId, userVersion, epoch)
      const ids = HOSTILE_IDS.slice(0, 20)
      for (const [i, id] of ids.entries())
        await d.recordSession(id, device(id, T0 + i), { nowMs: T0, maxSessions: 1 })
      for (const [i, id] of ids.entries()) {
        const listed = await d.listSessions(id, { nowMs: T0 })
        expect(listed).toEqual([device(id, T0 + i)])
      }
      await d.forgetSession(ids[0]!, ids[0]!, { nowMs: T0, ttlSeconds: 60 })
      expect(await d.listSessions(ids[1]!, { nowMs: T0 })).toHaveLength(1)
      expect(await d.check(claims(ids[1]!, ids[1]))).toBe('ok')
    })

    test('refuses invalid arguments with ERR_DENYLIST_OPTIONS and writes nothing', async () => {
      const d = await make()
      const { generation } = await d.current(undefined)
      const claims = (sessionId: string, userId: string | undefined, userVersion = 0, epoch = 0) =>
        claimsOf(generation, sessionId, userId, userVersion, epoch)
      const ok = device(sid(1), T0)
      const bad: [string, DeviceRecord, Record<string, unknown>][] = [
        ['', ok, { nowMs: T0 }],
        ['alice', { ...ok, sessionId: '' }, { nowMs: T0 }],
        ['alice', { ...ok, label: 'x'.repeat(201) }, { nowMs: T0 }],
        ['alice', { ...ok, label: 7 as unknown as string }, { nowMs: T0 }],
        ['alice', { ...ok, expiresAtMs: 1.5 }, { nowMs: T0 }],
        ['alice', { ...ok, createdAtMs: -1 }, { nowMs: T0 }],
        ['alice', ok, { nowMs: Number.NaN }],
        ['alice', ok, {}],
        ['alice', ok, { nowMs: T0, maxSessions: 0 }],
        ['alice', ok, { nowMs: T0, maxSessions: 1001 }],
        ['alice', ok, { nowMs: T0, maxSessions: 1.5 }],
        ['alice', ok, { nowMs: T0, maxSessions: 2, policy: 'drop' }],
        ['alice', ok, { nowMs: T0, clockSkewSeconds: -1 }],
      ]
      for (const [user, record, options] of bad) {
        await rejectsWith(
          d.recordSession(user, record, options as unknown as RecordSessionOptions),
          'ERR_DENYLIST_OPTIONS',
        )
      }
      await rejectsWith(d.listSessions('', { nowMs: T0 }), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(d.listSessions('alice', { nowMs: -1 }), 'ERR_DENYLIST_OPTIONS')
      await rejectsWith(
        d.forgetSession('alice', '', { nowMs: T0, ttlSeconds: 60 }),
        'ERR_DENYLIST_OPTIONS',
      )
      await rejectsWith(
        d.forgetSession('alice', sid(1), { nowMs: T0, ttlSeconds: 0 }),
        'ERR_DENYLIST_OPTIONS',
      )
      expect(await d.listSessions('alice', { nowMs: T0 })).toEqual([])
      expect(await d.check(claims(sid(1), 'alice'))).toBe('ok')
    })
  })
}
