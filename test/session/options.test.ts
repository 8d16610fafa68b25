// Configuration errors fail at construction, with a code.
import { describe, expect, test } from 'vitest'
import type { SessionErrorCode } from '../../src/errors.js'
import { createSessions, type RejectReason, type SessionOptions } from '../../src/session/index.js'
import { codeAsync as code } from '../helpers/error-code.js'
import { login, SECRET, setup, type Data } from '../helpers/session.js'

describe('configuration errors fail at construction', () => {
  test.each<[string, Partial<SessionOptions<Data>>, SessionErrorCode]>([
    ['a weak key', { keys: 'short' }, 'ERR_KEY_WEAK'],
    ['a bad cookie', { cookie: { secure: false } }, 'ERR_COOKIE_OPTIONS'],
    ['maxAge over 400 days', { maxAgeSeconds: 401 * 24 * 3600 }, 'ERR_COOKIE_OPTIONS'],
    ['maxAge 0 ("forever")', { maxAgeSeconds: 0 }, 'ERR_SESSION_OPTIONS'],
    ['maxAge NaN', { maxAgeSeconds: Number.NaN }, 'ERR_SESSION_OPTIONS'],
    ['maxAge as a string', { maxAgeSeconds: '3600' as never }, 'ERR_SESSION_OPTIONS'],
    ['idle above maxAge', { maxAgeSeconds: 60, idleTimeoutSeconds: 120 }, 'ERR_SESSION_OPTIONS'],
    [
      'refresh not below idle',
      { idleTimeoutSeconds: 60, refreshAfterSeconds: 60 },
      'ERR_SESSION_OPTIONS',
    ],
    ['onReject not a function', { onReject: 'log' as never }, 'ERR_SESSION_OPTIONS'],
    ['a schema that is not Standard Schema', { schema: {} as never }, 'ERR_SESSION_OPTIONS'],
    ['an unknown onDenylistError', { onDenylistError: 'ignore' as never }, 'ERR_SESSION_OPTIONS'],
    ['an unknown strategy', { strategy: 'jwt' as never }, 'ERR_SESSION_OPTIONS'],
    ['negative clock skew', { clockSkewSeconds: -1 }, 'ERR_SESSION_OPTIONS'],
    ['an unknown backend', { backend: 'fast' as never }, 'ERR_SESSION_OPTIONS'],
  ])('%s → %s', async (_name, options, expected) => {
    expect(await code(() => createSessions<Data>({ keys: SECRET, ...options }))).toBe(expected)
  })

  test.each<[string, Partial<SessionOptions<Data>>]>([
    ['a fractional maxAge', { maxAgeSeconds: 3600.5 }],
    ['an infinite maxAge', { maxAgeSeconds: Number.POSITIVE_INFINITY }],
    ['a fractional idle timeout', { idleTimeoutSeconds: 1800.25 }],
    ['a NaN idle timeout', { idleTimeoutSeconds: Number.NaN }],
    ['a fractional refresh interval', { idleTimeoutSeconds: 600, refreshAfterSeconds: 60.5 }],
    ['an infinite refresh interval', { refreshAfterSeconds: Number.POSITIVE_INFINITY }],
    ['a fractional clock skew', { clockSkewSeconds: 1.5 }],
    ['a NaN clock skew', { clockSkewSeconds: Number.NaN }],
    ['a clock with fractional ms', { now: () => 1_800_000_000_000.5 }],
    ['a NaN clock', { now: () => Number.NaN }],
    ['an infinite clock', { now: () => Number.POSITIVE_INFINITY }],
    ['a negative clock', { now: () => -1 }],
    ['a clock returning a string', { now: (() => '1800000000000') as never }],
    ['a clock returning a Date', { now: (() => new Date()) as never }],
  ])('9.6: %s fails at construction, not at the first save', async (_name, options) => {
    expect(await code(() => createSessions<Data>({ keys: SECRET, ...options }))).toBe(
      'ERR_SESSION_OPTIONS',
    )
  })

  test('9.6: a clock that turns bad after construction: reads are anonymous, save() throws', async () => {
    const clock = { t: 1_800_000_000_000 }
    const rejects: RejectReason[] = []
    const sessions = createSessions<Data>({
      keys: SECRET,
      now: () => clock.t,
      onReject: (reason) => rejects.push(reason),
    })
    const { cookie } = await login(sessions, { userId: 'u1' })
    clock.t = Number.NaN
    const session = await sessions.read(cookie)
    expect([session.state, session.reason]).toEqual(['invalid', 'invalid'])
    expect(rejects).toEqual(['invalid'])
    expect(await code(() => session.save({ userId: 'u1' }))).toBe('ERR_SESSION_OPTIONS')
    clock.t = 1_800_000_000_000.5
    expect(await code(() => session.save({ userId: 'u1' }))).toBe('ERR_SESSION_OPTIONS')
  })

  test('revocation without a denylist fails loudly', async () => {
    const { sessions } = setup()
    expect(await code(() => sessions.revokeUser('u1'))).toBe('ERR_SESSION_OPTIONS')
    expect(await code(() => sessions.revokeAll())).toBe('ERR_SESSION_OPTIONS')
  })
})
