// save(), regenerate() and destroy(): the cookie writes they compute and the state they leave.
import { describe, expect, test } from 'vitest'
import { codeAsync as code } from '../helpers/error-code.js'
import { jar, login, MIN, setup } from '../helpers/session.js'

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
