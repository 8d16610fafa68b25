// Issue 9 items 4 and 5: the policy in force is the policy applied. A cookie issued under a longer
// maxAgeSeconds (or idle timeout) than today's ends when today's policy says, so that a
// revocation entry (kept for maxAgeSeconds + clockSkewSeconds) always outlives every cookie it
// can reject; and a session created or last seen in the future (beyond the clock skew) is
// refused with a reason. Clocks are injected: no timers.
import { describe, expect, it } from 'vitest'
import { createMemoryDenylist } from '../../src/denylist/index.js'
import { createSessions, type SessionOptions, type Sessions } from '../../src/index.js'
import { generateSecret } from '../../src/keys.js'

type User = { userId: string }

const SECRET = generateSecret()
const HOUR = 3600
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 0, 1)

function manager(
  clock: { now: number },
  options: Partial<SessionOptions<User>> = {},
): Sessions<User> {
  return createSessions<User>({ keys: SECRET, now: () => clock.now, ...options })
}

async function issue(sessions: Sessions<User>, userId = 'alice'): Promise<string> {
  const session = await sessions.read(undefined)
  await session.save({ userId })
  const write = session.writes[0]!
  return `${write.name}=${write.value}`
}

async function stateOf(sessions: Sessions<User>, cookie: string): Promise<string> {
  const session = await sessions.read(cookie)
  return session.state === 'active' ? 'active' : `${session.state}/${session.reason}`
}

describe('item 4: a lowered maxAgeSeconds applies to cookies already issued', () => {
  it('a 30-day cookie read under a 1-hour policy ends at created + 1 hour (exp - 1, exp)', async () => {
    const clock = { now: T0 }
    const cookie = await issue(manager(clock, { maxAgeSeconds: 30 * DAY }))
    const lowered = manager(clock, { maxAgeSeconds: HOUR })
    clock.now = T0 + HOUR * 1000 - 1
    const session = await lowered.read(cookie)
    expect(session.state).toBe('active')
    // The session reports the lifetime in force, not the one sealed into the cookie.
    expect(session.expiresAtMs).toBe(T0 + HOUR * 1000)
    clock.now = T0 + HOUR * 1000
    expect(await stateOf(lowered, cookie)).toBe('expired/expired')
    clock.now = T0 + 2 * HOUR * 1000
    expect(await stateOf(lowered, cookie)).toBe('expired/expired')
  })

  it('a refresh under the lowered policy does not extend the cookie past created + maxAge', async () => {
    const clock = { now: T0 }
    const cookie = await issue(
      manager(clock, { maxAgeSeconds: 30 * DAY, idleTimeoutSeconds: 2 * HOUR }),
    )
    const lowered = manager(clock, { maxAgeSeconds: 2 * HOUR, idleTimeoutSeconds: HOUR + 1 })
    clock.now = T0 + HOUR * 1000
    const session = await lowered.read(cookie)
    expect(session.state).toBe('active')
    await session.save()
    // Max-Age of the re-issued cookie: what is left of the 2-hour lifetime.
    expect(session.writes[0]!.options.maxAge).toBe(HOUR)
  })

  it('revoke(id) outlives the cookie it rejects: once the entry lapses, the cookie is expired', async () => {
    const clock = { now: T0 }
    const denylist = createMemoryDenylist({ now: () => clock.now })
    const cookie = await issue(manager(clock, { maxAgeSeconds: 30 * DAY, denylist }))
    const lowered = manager(clock, { maxAgeSeconds: HOUR, denylist, clockSkewSeconds: 60 })
    const session = await lowered.read(cookie)
    expect(session.state).toBe('active')
    await lowered.revoke(session.id)
    expect(await stateOf(lowered, cookie)).toBe('revoked/session-revoked')
    // The entry was kept for maxAge + skew; just after it lapses the cookie must not be active.
    clock.now = T0 + (HOUR + 60) * 1000 + 1
    expect(await stateOf(lowered, cookie)).toBe('expired/expired')
  })

  it('a lowered idle timeout applies to cookies already issued', async () => {
    const clock = { now: T0 }
    const cookie = await issue(manager(clock, { idleTimeoutSeconds: DAY }))
    const lowered = manager(clock, { idleTimeoutSeconds: HOUR })
    clock.now = T0 + HOUR * 1000
    expect(await stateOf(lowered, cookie)).toBe('expired/idle-timeout')
  })
})

describe('item 5: sessions from the future are refused with a reason', () => {
  it('created later than now + clockSkewSeconds: refused as future-dated; within the skew: accepted', async () => {
    const clock = { now: T0 + 2 * HOUR * 1000 } // an instance whose clock runs 2 hours ahead
    const cookie = await issue(manager(clock))
    const withinSkew = await issue(manager({ now: T0 + 60 * 1000 }))
    const reasons: string[] = []
    const here = manager({ now: T0 }, { clockSkewSeconds: 60, onReject: (r) => reasons.push(r) })
    expect(await stateOf(here, cookie)).toBe('invalid/future-dated')
    expect(reasons).toEqual(['future-dated'])
    expect(await stateOf(here, withinSkew)).toBe('active')
    expect(await stateOf(here, await issue(manager({ now: T0 + 60 * 1000 + 1 })))).toBe(
      'invalid/future-dated',
    )
  })

  it('last seen later than now + clockSkewSeconds (refreshed by a clock ahead): refused', async () => {
    const clock = { now: T0 }
    const options = { idleTimeoutSeconds: 8 * HOUR, refreshAfterSeconds: HOUR }
    const cookie = await issue(manager(clock, options))
    // An instance 3 hours ahead refreshes the cookie: last seen = T0 + 3 h, created = T0.
    const ahead = manager({ now: T0 + 3 * HOUR * 1000 }, options)
    const refreshed = await ahead.read(cookie)
    expect(refreshed.state).toBe('active')
    const write = refreshed.writes[0]!
    const future = `${write.name}=${write.value}`
    clock.now = T0 + 10 * 60 * 1000
    expect(await stateOf(manager(clock, options), future)).toBe('invalid/future-dated')
  })
})
