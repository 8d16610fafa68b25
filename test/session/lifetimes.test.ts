// Lifetimes with an injected clock, rolling refresh, and key rotation.
import { describe, expect, test } from 'vitest'
import { createKeyRing, generateSecret } from '../../src/keys.js'
import { jar, login, MIN, setup } from '../helpers/session.js'

describe('lifetimes (injected clock)', () => {
  test('absolute: active at exp-1, expired at exp and exp+1; survives refreshes', async () => {
    const { sessions, clock, rejects } = setup({ maxAgeSeconds: 3600, idleTimeoutSeconds: 600 })
    const start = clock.t
    let { cookie } = await login(sessions)
    // Keep the session busy every 5 minutes: rolling refreshes never extend the absolute lifetime.
    while (clock.t + 5 * MIN < start + 3600_000) {
      clock.t += 5 * MIN
      const s = await sessions.read(cookie)
      expect(s.state).toBe('active')
      expect(s.expiresAtMs).toBe(start + 3600_000)
      cookie = jar(s, cookie)
    }
    clock.t = start + 3600_000 - 1
    expect((await sessions.read(cookie)).state).toBe('active')
    clock.t = start + 3600_000
    expect([(await sessions.read(cookie)).state, rejects.at(-1)]).toEqual(['expired', 'expired'])
    clock.t = start + 3600_000 + 1
    expect((await sessions.read(cookie)).state).toBe('expired')
  })

  test('idle: active at last-seen + idle - 1, expired at + idle and + idle + 1', async () => {
    const { sessions, clock } = setup({ idleTimeoutSeconds: 600 })
    const start = clock.t
    const { cookie } = await login(sessions)
    clock.t = start + 600_000 - 1
    expect((await sessions.read(cookie)).state).toBe('active')
    clock.t = start + 600_000
    const s = await sessions.read(cookie)
    expect([s.state, s.reason]).toEqual(['expired', 'idle-timeout'])
    clock.t = start + 600_001
    expect((await sessions.read(cookie)).state).toBe('expired')
  })

  test('rolling refresh is throttled: no Set-Cookie until refreshAfterSeconds', async () => {
    const { sessions, clock } = setup({ idleTimeoutSeconds: 600, refreshAfterSeconds: 120 })
    const { cookie } = await login(sessions)
    clock.t += 119_999
    expect((await sessions.read(cookie)).writes).toEqual([])
    clock.t += 1
    const s = await sessions.read(cookie)
    expect(s.writes).toHaveLength(1)
    expect(s.idleExpiresAtMs).toBe(clock.t + 600_000)
    // The refreshed cookie keeps the session id and the absolute expiry.
    const refreshed = await sessions.read(jar(s, cookie))
    expect(refreshed.id).toBe(s.id)
    expect(refreshed.expiresAtMs).toBe(s.expiresAtMs)
  })

  test('without an idle timeout a read never writes', async () => {
    const { sessions, clock } = setup()
    const { cookie } = await login(sessions)
    clock.t += 6 * 24 * 3600_000
    expect((await sessions.read(cookie)).writes).toEqual([])
  })

  test('Max-Age is the remaining absolute lifetime', async () => {
    const { sessions, clock } = setup({ maxAgeSeconds: 3600, idleTimeoutSeconds: 1800 })
    const { session, cookie } = await login(sessions)
    expect(session.writes[0]!.options.maxAge).toBe(3600)
    clock.t += 20 * MIN
    const s = await sessions.read(cookie)
    expect(s.writes[0]!.options.maxAge).toBe(2400)
  })
})

describe('rotation k1 → {current k2, k1} → {k2 only}', () => {
  test('old cookies keep working, come back re-sealed, and die with the old key', async () => {
    const k1 = generateSecret()
    const k2 = generateSecret()
    const v1 = setup({ keys: { current: 'k1', keys: { k1 } } })
    const { cookie } = await login(v1.sessions)
    expect(cookie).toContain('=c1.k1.')

    const v2 = setup({ keys: { current: 'k2', keys: { k2, k1 } } })
    v2.clock.t = v1.clock.t
    const s = await v2.sessions.read(cookie)
    expect(s.state).toBe('active')
    expect(s.writes).toHaveLength(1)
    const resealed = jar(s, cookie)
    expect(resealed).toContain('=c1.k2.')
    expect((await v2.sessions.read(resealed)).writes).toEqual([]) // already current: no write

    const v3 = setup({ keys: { current: 'k2', keys: { k2 } } })
    v3.clock.t = v1.clock.t
    expect((await v3.sessions.read(resealed)).state).toBe('active')
    const old = await v3.sessions.read(cookie)
    expect([old.state, old.reason]).toEqual(['invalid', 'unknown-key'])
  })

  test('a verify-only key never seals', async () => {
    const ring = createKeyRing({
      current: 'k2',
      keys: { k1: generateSecret(), k2: generateSecret() },
    })
    const { sessions } = setup({ keys: ring })
    const { cookie } = await login(sessions)
    expect(cookie).toContain('=c1.k2.')
  })
})
