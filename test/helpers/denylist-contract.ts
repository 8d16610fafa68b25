// The denylist contract, written once and run against every implementation (memory, Redis
// single server, Redis Cluster). Each test asks the factory for a fresh, empty store.
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { Denylist, RevocationClaims } from '../../src/denylist/index.js'
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
const claims = (
  sessionId: string,
  userId: string | undefined,
  userVersion = 0,
  epoch = 0,
): RevocationClaims =>
  userId === undefined
    ? { sessionId, userVersion, epoch }
    : { sessionId, userId, userVersion, epoch }

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
  describe(`Denylist contract: ${name}`, () => {
    test('a fresh store revokes nothing and reports version 0 and epoch 0', async () => {
      const d = await make()
      expect(await d.current(undefined)).toEqual({ userVersion: 0, epoch: 0 })
      expect(await d.current('alice')).toEqual({ userVersion: 0, epoch: 0 })
      expect(await d.check(claims(sid(1), undefined))).toBe('ok')
      expect(await d.check(claims(sid(1), 'alice'))).toBe('ok')
    })

    test('revokeSession revokes that id, with or without a user, and nothing else', async () => {
      const d = await make()
      await d.revokeSession(sid(1), 3600)
      expect(await d.check(claims(sid(1), undefined))).toBe('session-revoked')
      expect(await d.check(claims(sid(1), 'alice'))).toBe('session-revoked')
      expect(await d.check(claims(sid(2), 'alice'))).toBe('ok')
      expect(await d.current('alice')).toEqual({ userVersion: 0, epoch: 0 })
      // Idempotent.
      await d.revokeSession(sid(1), 3600)
      expect(await d.check(claims(sid(1), 'alice'))).toBe('session-revoked')
    })

    test('a session revocation ends after its TTL (the store cleans itself)', async () => {
      const d = await make()
      await d.revokeSession(sid(1), 0.05)
      await d.revokeSession(sid(2), 3600)
      await eventually(async () => (await d.check(claims(sid(1), 'alice'))) === 'ok')
      expect(await d.check(claims(sid(2), 'alice'))).toBe('session-revoked')
    })

    test('revokeUser revokes the sessions created before it; sessions created after are valid', async () => {
      const d = await make()
      const before = await d.current('alice')
      await d.revokeUser('alice')
      expect(await d.check(claims(sid(1), 'alice', before.userVersion, before.epoch))).toBe(
        'user-revoked',
      )
      const after = await d.current('alice')
      expect(after).toEqual({ userVersion: 1, epoch: 0 })
      expect(await d.check(claims(sid(2), 'alice', after.userVersion))).toBe('ok')
      // Other users and user-less sessions are untouched.
      expect(await d.check(claims(sid(3), 'bob'))).toBe('ok')
      expect(await d.check(claims(sid(4), undefined))).toBe('ok')
      await d.revokeUser('alice')
      expect(await d.check(claims(sid(2), 'alice', 1))).toBe('user-revoked')
      expect(await d.current('alice')).toEqual({ userVersion: 2, epoch: 0 })
    })

    test('revokeUser with exceptSessionId keeps that one session until the next revokeUser', async () => {
      const d = await make()
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
      const d = await make()
      await d.revokeUser('alice', { exceptSessionId: sid(1) })
      expect(await d.check(claims(sid(1), 'alice', 0))).toBe('ok')
      await d.revokeSession(sid(1), 3600)
      expect(await d.check(claims(sid(1), 'alice', 0))).toBe('session-revoked')
    })

    test('revokeAll revokes every earlier session; later ones are valid', async () => {
      const d = await make()
      await d.revokeUser('alice')
      await d.revokeAll()
      expect(await d.check(claims(sid(1), undefined, 0, 0))).toBe('epoch-revoked')
      expect(await d.check(claims(sid(2), 'alice', 1, 0))).toBe('epoch-revoked')
      expect(await d.current(undefined)).toEqual({ userVersion: 0, epoch: 1 })
      const now = await d.current('alice')
      expect(now).toEqual({ userVersion: 1, epoch: 1 })
      expect(await d.check(claims(sid(3), 'alice', now.userVersion, now.epoch))).toBe('ok')
      expect(await d.check(claims(sid(4), undefined, 0, 1))).toBe('ok')
    })

    test('concurrent revocations are counted exactly (counters, not timestamps)', async () => {
      const d = await make()
      await Promise.all([
        ...Array.from({ length: 20 }, () => d.revokeUser('alice')),
        ...Array.from({ length: 20 }, (_, i) => d.revokeUser('alice', { exceptSessionId: sid(i) })),
        ...Array.from({ length: 10 }, () => d.revokeAll()),
      ])
      expect(await d.current('alice')).toEqual({ userVersion: 40, epoch: 10 })
    })

    test('refuses a session stamped with counters the store does not have (lost data)', async () => {
      const d = await make()
      expect(await d.check(claims(sid(1), 'alice', 3, 0))).toBe('user-revoked')
      expect(await d.check(claims(sid(1), undefined, 0, 2))).toBe('epoch-revoked')
      // Without a user the user version is not consulted.
      expect(await d.check(claims(sid(1), undefined, 3, 0))).toBe('ok')
    })

    test('hostile ids never reach one another', async () => {
      const d = await make()
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
      const d = await make()
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
      const d = await make()
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
      // Nothing was written by the refused calls.
      expect(await d.current('alice')).toEqual({ userVersion: 0, epoch: 0 })
      expect(await d.check(claims(sid(1), 'alice'))).toBe('ok')
    })
  })
}
