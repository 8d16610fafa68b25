// Reading a request: any input, hostile cookies, the first cookie that authenticates, onReject.
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { generateSecret } from '../../src/keys.js'
import { createSessions } from '../../src/session/index.js'
import { login, SECRET, setup, type Data } from '../helpers/session.js'

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

test('onReject errors never escape', async () => {
  const sessions = createSessions<Data>({
    keys: SECRET,
    onReject: () => {
      throw new Error('logger down')
    },
  })
  expect((await sessions.read('__Host-session=garbage')).state).toBe('invalid')
})
