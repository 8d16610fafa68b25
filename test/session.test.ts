import fc from 'fast-check'
import { describe, expect, expectTypeOf, test } from 'vitest'
import { z } from 'zod'
import { SessionError, type SessionErrorCode } from '../src/errors.js'
import { createKeyRing, generateSecret } from '../src/keys.js'
import {
  createSessions,
  type RejectReason,
  type Session,
  type SessionOptions,
} from '../src/session.js'
import { codeAsync as code } from './helpers/error-code.js'

type Data = { userId: string; name?: string | undefined; blob?: string | undefined }
const SECRET = generateSecret()
const MIN = 60_000

function setup(options: Partial<SessionOptions<Data>> = {}) {
  const clock = { t: 1_800_000_000_000 }
  const rejects: RejectReason[] = []
  const sessions = createSessions<Data>({
    keys: SECRET,
    now: () => clock.t,
    onReject: (reason) => rejects.push(reason),
    ...options,
  })
  return { sessions, clock, rejects }
}

/** The Cookie header a browser would send back after applying the writes. */
function jar(session: Session<Data>, previous = ''): string {
  const cookies = new Map(
    previous
      .split('; ')
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  )
  for (const w of session.writes) {
    if (w.options.maxAge > 0) cookies.set(w.name, w.value)
    else cookies.delete(w.name)
  }
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
}

async function login(
  sessions: ReturnType<typeof setup>['sessions'],
  data: Data = { userId: 'u1' },
) {
  const session = await sessions.read(null)
  await session.regenerate()
  await session.save(data)
  return { session, cookie: jar(session) }
}

describe('read', () => {
  test('no cookie → new, no writes, no reason', async () => {
    const { sessions, rejects } = setup()
    for (const input of [null, undefined, '', new Headers(), new Request('http://x/')]) {
      const s = await sessions.read(input)
      expect(s.state).toBe('new')
      expect(s.reason).toBeUndefined()
      expect(s.writes).toEqual([])
      expect(s.data).toEqual({})
      expect(s.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    }
    expect(rejects).toEqual([])
  })

  test('reads from a Request, Headers or a header string alike', async () => {
    const { sessions } = setup()
    const { cookie } = await login(sessions)
    for (const input of [
      cookie,
      new Headers({ cookie }),
      new Request('http://x/', { headers: { cookie } }),
    ]) {
      const s = await sessions.read(input)
      expect(s.state).toBe('active')
      if (s.state === 'active') expect(s.data.userId).toBe('u1')
    }
  })

  test('a hostile input object never throws', async () => {
    const { sessions } = setup()
    const hostile = {
      get headers(): never {
        throw new Error('boom')
      },
    }
    expect((await sessions.read(hostile as never)).state).toBe('new')
  })

  test('tampered, foreign and garbage cookies → invalid, with a reason, cleared', async () => {
    const { sessions, rejects } = setup()
    const { cookie } = await login(sessions)
    const other = setup({ keys: generateSecret() })
    const { cookie: foreign } = await login(other.sessions)
    for (const bad of [
      cookie.slice(0, -3) + 'AAA',
      foreign,
      '__Host-session=garbage',
      '__Host-session=c1.k0.' + 'A'.repeat(100),
    ]) {
      const s = await sessions.read(bad)
      expect(s.state).toBe('invalid')
      expect(s.reason).toBe('invalid')
      expect(s.writes.map((w) => [w.name, w.options.maxAge])).toEqual([['__Host-session', 0]])
    }
    expect(rejects).toEqual(['invalid', 'invalid', 'invalid', 'invalid'])
  })

  test('property: any bit flip / truncation / splice of a valid cookie → anonymous, never throws', async () => {
    const { sessions } = setup()
    const { cookie } = await login(sessions, { userId: 'u1', name: 'x'.repeat(50) })
    const { cookie: other } = await login(sessions, { userId: 'u2' })
    const value = cookie.slice('__Host-session='.length)
    const otherValue = other.slice('__Host-session='.length)
    await fc.assert(
      fc.asyncProperty(
        fc.nat(value.length * 8 - 1),
        fc.nat(value.length),
        fc.nat(otherValue.length),
        async (bit, cut, at) => {
          const chars = value.split('')
          chars[bit >>> 3] = String.fromCharCode(chars[bit >>> 3]!.charCodeAt(0) ^ (1 << (bit & 7)))
          for (const bad of [
            chars.join(''),
            value.slice(0, cut),
            value.slice(0, cut) + otherValue.slice(at),
          ]) {
            if (bad === value || bad === otherValue) continue
            const s = await sessions.read(`__Host-session=${bad}`)
            expect(s.state).not.toBe('active')
            expect(s.reason).toBeDefined()
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  test('property: any string as a Cookie header never throws', async () => {
    const { sessions } = setup()
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (header) => {
        const s = await sessions.read(header)
        expect(['new', 'invalid']).toContain(s.state)
      }),
      { numRuns: 1000 },
    )
  })

  test('a second cookie of the same name never wins unless it authenticates', async () => {
    const { sessions } = setup()
    const { cookie } = await login(sessions)
    const value = cookie.split('=')[1]
    // Injected first (as a subdomain or an older path might), the real one second.
    const s = await sessions.read(
      `__Host-session=c1.k0.forged; __host-session=x; __Host-session=${value}`,
    )
    expect(s.state).toBe('active')
  })

  test('unknown key id → invalid with reason unknown-key', async () => {
    const { sessions } = setup()
    const other = setup({ keys: { current: 'k9', keys: { k9: generateSecret() } } })
    const { cookie } = await login(other.sessions)
    const s = await sessions.read(cookie)
    expect([s.state, s.reason]).toEqual(['invalid', 'unknown-key'])
  })
})

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

describe('save, regenerate, destroy', () => {
  test('regenerate gives a new id and drops the data', async () => {
    const { sessions } = setup()
    const { session, cookie } = await login(sessions)
    const s = await sessions.read(cookie)
    expect(s.id).toBe(session.id)
    await s.regenerate()
    expect(s.state).toBe('new')
    expect(s.id).not.toBe(session.id)
    expect(s.data).toEqual({})
    await s.save({ userId: 'u2' })
    const again = await sessions.read(jar(s, cookie))
    expect(again.id).toBe(s.id)
    expect(again.data).toEqual({ userId: 'u2' })
  })

  test('destroy clears the cookie and is terminal', async () => {
    const { sessions } = setup()
    const { cookie } = await login(sessions)
    const s = await sessions.read(cookie)
    await s.destroy()
    expect(s.state).toBe('destroyed')
    expect(s.writes.map((w) => [w.name, w.value, w.options.maxAge])).toEqual([
      ['__Host-session', '', 0],
    ])
    expect(await code(() => s.save({ userId: 'u1' }))).toBe('ERR_SESSION_STATE')
    expect(await code(() => s.regenerate())).toBe('ERR_SESSION_STATE')
    expect(s.writes[0]!.options.maxAge).toBe(0)
    expect(jar(s, cookie)).toBe('')
  })

  test('profile update keeps id and lifetime', async () => {
    const { sessions, clock } = setup()
    const { session, cookie } = await login(sessions)
    clock.t += MIN
    const s = await sessions.read(cookie)
    if (s.state !== 'active') throw new Error('expected active')
    s.data.name = 'Ada'
    await s.save()
    const again = await sessions.read(jar(s, cookie))
    expect(again.data).toEqual({ userId: 'u1', name: 'Ada' })
    expect(again.id).toBe(session.id)
    expect(again.expiresAtMs).toBe(session.expiresAtMs)
  })

  test('oversize data: chunked up to the cap, then ERR_COOKIE_TOO_LARGE with no writes recorded', async () => {
    const { sessions } = setup()
    const random = (n: number) =>
      Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => (b % 36).toString(36)).join('')
    const { session, cookie } = await login(sessions, { userId: 'u1', blob: random(4000) })
    expect(session.writes.map((w) => w.name)).toEqual(['__Host-session.0', '__Host-session.1'])
    const s = await sessions.read(cookie)
    expect(s.state).toBe('active')
    expect(s.data).toMatchObject({ blob: expect.any(String) })
    // Shrinking deletes the stale chunks.
    await s.save({ userId: 'u1' })
    expect(s.writes.map((w) => [w.name, w.options.maxAge > 0])).toEqual([
      ['__Host-session', true],
      ['__Host-session.0', false],
      ['__Host-session.1', false],
    ])
    const before = s.writes
    expect(await code(() => s.save({ userId: 'u1', blob: random(20_000) }))).toBe(
      'ERR_COOKIE_TOO_LARGE',
    )
    expect(s.writes).toBe(before)
    expect(s.data).toEqual({ userId: 'u1' })

    const strict = setup({ cookie: { chunking: false } })
    const fresh = await strict.sessions.read(null)
    expect(await code(() => fresh.save({ userId: 'u1', blob: random(5000) }))).toBe(
      'ERR_COOKIE_TOO_LARGE',
    )
    expect(fresh.writes).toEqual([])
    expect(fresh.state).toBe('new')
  })

  test('a missing, reordered or foreign chunk gives an anonymous session', async () => {
    const { sessions } = setup()
    const random = (n: number) =>
      Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => (b % 36).toString(36)).join('')
    const a = await login(sessions, { userId: 'u1', blob: random(6000) })
    const b = await login(sessions, { userId: 'u2', blob: random(6000) })
    const parts = (c: string) =>
      Object.fromEntries(c.split('; ').map((p) => p.split('=') as [string, string]))
    const pa = parts(a.cookie)
    const pb = parts(b.cookie)
    expect(Object.keys(pa)).toHaveLength(3)
    const cases = [
      `__Host-session.0=${pa['__Host-session.0']}; __Host-session.2=${pa['__Host-session.2']}`,
      `__Host-session.0=${pa['__Host-session.1']}; __Host-session.1=${pa['__Host-session.0']}; __Host-session.2=${pa['__Host-session.2']}`,
      `__Host-session.0=${pa['__Host-session.0']}; __Host-session.1=${pb['__Host-session.1']}; __Host-session.2=${pa['__Host-session.2']}`,
      `__Host-session.0=${pa['__Host-session.0']}; __Host-session.1=${pa['__Host-session.1']}`,
    ]
    for (const c of cases) {
      const s = await sessions.read(c)
      expect(s.state).toBe('invalid')
    }
    expect((await sessions.read(a.cookie)).state).toBe('active')
  })

  const randomText = (n: number) =>
    Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => (b % 36).toString(36)).join('')
  const pairsOf = (c: string) => c.split('; ').filter(Boolean)
  /** Every order of the cookie pairs, as a browser with planted cookies might send them. */
  const orders = (pairs: string[]): string[] =>
    pairs.length <= 1
      ? [pairs.join('; ')]
      : pairs.flatMap((p, i) =>
          orders([...pairs.slice(0, i), ...pairs.slice(i + 1)]).map((rest) => `${p}; ${rest}`),
        )

  test('9.7: values that do not authenticate are ignored, in any header order', async () => {
    const { sessions, rejects } = setup()
    const victim = await login(sessions, { userId: 'victim' })
    const value = victim.cookie.split('=')[1]!
    const tampered = value.slice(0, -2) + (value.endsWith('AA') ? 'BB' : 'AA')
    const planted = [
      victim.cookie,
      '__Host-session=garbage',
      `__Host-session=${tampered}`,
      '__Host-session.0=AAAA',
      // The same value twice (two paths) is one value, not two.
      victim.cookie,
    ]
    for (const header of orders(planted)) {
      const s = await sessions.read(header)
      expect([s.state, s.data]).toEqual(['active', { userId: 'victim' }])
    }
    expect(rejects).toEqual([])
  })

  test('9.7: two different authentic sessions under one name → anonymous, reason ambiguous', async () => {
    const { sessions, rejects } = setup()
    const victim = await login(sessions, { userId: 'victim' })
    const attacker = await login(sessions, { userId: 'attacker' })
    for (const header of orders([victim.cookie, attacker.cookie, '__Host-session=junk'])) {
      const s = await sessions.read(header)
      expect([s.state, s.reason, s.data]).toEqual(['invalid', 'ambiguous', {}])
    }
    expect(rejects).toEqual(Array(6).fill('ambiguous'))
  })

  test('9.7: chunk sets: garbage chunks are ignored, two authentic sets are ambiguous', async () => {
    const { sessions } = setup()
    const victim = await login(sessions, { userId: 'victim', blob: randomText(4000) })
    const attacker = await login(sessions, { userId: 'attacker', blob: randomText(4000) })
    const small = await login(sessions, { userId: 'attacker' })
    const v = pairsOf(victim.cookie)
    expect(v).toHaveLength(2)
    const read = async (pairs: string[]) => {
      const states = new Set<string>()
      for (const header of orders(pairs)) {
        const s = await sessions.read(header)
        states.add(`${s.state}:${s.reason}:${s.state === 'active' ? s.data.userId : ''}`)
      }
      return [...states]
    }
    // A garbage chunk 0 sent first, a stray chunk 2, a foreign chunk 1: the victim's set still wins.
    expect(await read([...v, '__Host-session.0=AAAA'])).toEqual(['active:undefined:victim'])
    expect(await read([...v, '__Host-session.2=AAAA'])).toEqual(['active:undefined:victim'])
    const foreign1 = pairsOf(attacker.cookie)[1]!
    expect(await read([...v, foreign1])).toEqual(['active:undefined:victim'])
    // Another complete authentic set, chunked or plain, makes the request ambiguous.
    expect(await read([...v, ...pairsOf(attacker.cookie)])).toEqual(['invalid:ambiguous:'])
    expect(await read([...v, small.cookie])).toEqual(['invalid:ambiguous:'])
  })

  test('9.8: chunk names at or above maxChunks are not ours: at most maxChunks + 1 deletions', async () => {
    const { sessions } = setup()
    let header = ''
    for (let i = 0; header.length < 16_384; i++) header += `__Host-session.${i % 1000}=A; `
    const s = await sessions.read(header)
    expect(s.state).toBe('invalid')
    expect(s.writes.length).toBeLessThanOrEqual(4 + 1)
    expect(s.writes.every((w) => w.options.maxAge === 0)).toBe(true)
    // Indices above the cap neither count as present nor block the session's own chunks.
    const victim = await login(sessions, { userId: 'victim', blob: randomText(6000) })
    const stray = Array.from({ length: 200 }, (_, i) => `__Host-session.${i + 4}=A`).join('; ')
    const again = await sessions.read(`${victim.cookie}; ${stray}`)
    expect(again.state).toBe('active')
    expect(again.writes).toEqual([])
  })

  test('data that cannot round-trip fails at save with a code', async () => {
    const { sessions } = setup()
    const s = await sessions.read(null)
    expect(await code(() => s.save({ userId: 'u1', when: new Date() } as never))).toBe(
      'ERR_DATA_UNSERIALIZABLE',
    )
    expect(await code(() => s.save({ userId: 1n } as never))).toBe('ERR_DATA_UNSERIALIZABLE')
    expect(s.state).toBe('new')
  })
})

describe('schema validation (Standard Schema, zod)', () => {
  const schema = z.object({ userId: z.string().min(1), name: z.string().optional() })

  test('valid data passes; invalid data on save throws ERR_SESSION_DATA', async () => {
    const { sessions } = setup({ schema })
    const { cookie } = await login(sessions)
    expect((await sessions.read(cookie)).state).toBe('active')
    const s = await sessions.read(null)
    expect(await code(() => s.save({ userId: '' }))).toBe('ERR_SESSION_DATA')
  })

  test('9.11: a schema failure on save carries the issues (paths, messages), never the values', async () => {
    const nested = z.object({
      userId: z.string().min(1),
      profile: z.object({ email: z.email(), age: z.number().int() }),
    })
    const { sessions } = setup({ schema: nested })
    const s = await sessions.read(null)
    const bad = { userId: 'u1', profile: { email: 'VALUE-not-an-email', age: 1.5 } }
    try {
      await s.save(bad)
    } catch (error) {
      expect(error).toBeInstanceOf(SessionError)
      const e = error as SessionError
      expect(e.code).toBe('ERR_SESSION_DATA')
      expect(e.issues?.map((i) => i.path)).toEqual([
        ['profile', 'email'],
        ['profile', 'age'],
      ])
      expect(e.issues?.every((i) => typeof i.message === 'string' && i.message.length > 0)).toBe(
        true,
      )
      expect(JSON.stringify(e.issues)).not.toContain('VALUE-not-an-email')
      expect(JSON.stringify(e.issues)).not.toContain('1.5')
      expect(e.message).not.toContain('VALUE')
      return
    }
    throw new Error('expected a throw')
  })

  test('data that fails the schema on read (e.g. after a deploy changed it) → invalid, reason schema', async () => {
    const loose = setup()
    const { cookie } = await login(loose.sessions, { userId: 'u1', name: 42 as never })
    const strict = setup({ schema })
    strict.clock.t = loose.clock.t
    const s = await strict.sessions.read(cookie)
    expect([s.state, s.reason]).toEqual(['invalid', 'schema'])
    expect(strict.rejects).toEqual(['schema'])
  })
})

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

test('onReject errors never escape', async () => {
  const sessions = createSessions<Data>({
    keys: SECRET,
    onReject: () => {
      throw new Error('logger down')
    },
  })
  expect((await sessions.read('__Host-session=garbage')).state).toBe('invalid')
})

test('types: only an active session has typed data', async () => {
  const { sessions } = setup()
  const s = await sessions.read(null)
  expectTypeOf(s.data).toEqualTypeOf<Data | Partial<Data>>()
  if (s.state === 'active') expectTypeOf(s.data).toEqualTypeOf<Data>()
  else expectTypeOf(s.data).toEqualTypeOf<Partial<Data>>()
})

test('saving another user into an active session rotates the id and restarts the lifetime', async () => {
  const { sessions, clock } = setup()
  const { session, cookie } = await login(sessions, { userId: 'u1' })
  clock.t += MIN
  const s = await sessions.read(cookie)
  await s.save({ userId: 'u2' })
  expect(s.id).not.toBe(session.id)
  expect(s.createdAtMs).toBe(clock.t)
  const same = await sessions.read(jar(s, cookie))
  await same.save({ userId: 'u2', name: 'x' })
  expect(same.id).toBe(s.id)
})

test('a failed save leaves the session exactly as it was', async () => {
  const { sessions } = setup()
  const s = await sessions.read(null)
  const id = s.id
  await expect(s.save({ userId: 'u1', blob: 'x'.repeat(20_000) })).rejects.toMatchObject({
    code: 'ERR_COOKIE_TOO_LARGE',
  })
  expect([s.state, s.id, s.expiresAtMs, s.createdAtMs, s.writes]).toEqual([
    'new',
    id,
    undefined,
    undefined,
    [],
  ])
})

describe('read(input, { writer }): adapters that apply writes as they happen', () => {
  test('apply receives the writes of save, regenerate and destroy', async () => {
    const { sessions } = setup()
    const { cookie } = await login(sessions)
    const applied: string[][] = []
    const s = await sessions.read(cookie, {
      writer: { apply: (writes) => applied.push(writes.map((w) => w.name)) },
    })
    await s.save({ userId: 'u1', name: 'x' })
    await s.regenerate()
    await s.destroy()
    expect(applied).toEqual([['__Host-session'], ['__Host-session'], ['__Host-session']])
  })

  test('a guard that throws refuses the call before any effect', async () => {
    const { sessions } = setup()
    const { cookie } = await login(sessions)
    const refusal = new Error('read-only here')
    const s = await sessions.read(cookie, {
      writer: {
        guard() {
          throw refusal
        },
      },
    })
    const id = s.id
    await expect(s.destroy()).rejects.toBe(refusal)
    await expect(s.save({ userId: 'u2' })).rejects.toBe(refusal)
    await expect(s.regenerate()).rejects.toBe(refusal)
    expect([s.state, s.id, s.writes]).toEqual(['active', id, []])
  })
})
