// read(input, { writer }): how adapters take part in the cookie writes.
import { describe, expect, test } from 'vitest'
import type { CookieWrite } from '../../src/cookie.js'
import { login, MIN, setup } from '../helpers/session.js'

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

describe('read(input, { writer }): the writes due at read time go through the writer too', () => {
  test('a rolling refresh and the clearing of a rejected cookie are applied as the read makes them', async () => {
    const { sessions, clock } = setup({ idleTimeoutSeconds: 1800 })
    const { cookie } = await login(sessions)
    clock.t += 10 * MIN
    const applied: (readonly CookieWrite[])[] = []
    const writer = { apply: (writes: readonly CookieWrite[]) => applied.push(writes) }
    const refreshed = await sessions.read(cookie, { writer })
    expect(refreshed.state).toBe('active')
    expect(refreshed.writes).toHaveLength(1)
    expect(applied).toEqual([refreshed.writes])
    const rejected = await sessions.read('__Host-session=garbage', { writer })
    expect([rejected.state, rejected.reason]).toEqual(['invalid', 'invalid'])
    expect(rejected.writes.map((w) => w.options.maxAge)).toEqual([0])
    expect(applied).toEqual([refreshed.writes, rejected.writes])
  })

  test('a writer that refuses at read time leaves the read intact, with the writes still readable', async () => {
    const { sessions, clock } = setup({ idleTimeoutSeconds: 1800 })
    const { cookie } = await login(sessions)
    clock.t += 10 * MIN
    let calls = 0
    const s = await sessions.read(cookie, {
      writer: {
        apply() {
          calls++
          throw new Error('read-only here')
        },
      },
    })
    expect([s.state, s.writes.length, calls]).toEqual(['active', 1, 1])
  })

  test('no writer call when the read has nothing to write', async () => {
    const { sessions } = setup({ idleTimeoutSeconds: 1800 })
    const { cookie } = await login(sessions)
    let calls = 0
    const s = await sessions.read(cookie, { writer: { apply: () => void calls++ } })
    expect([s.state, s.writes, calls]).toEqual(['active', [], 0])
  })
})
