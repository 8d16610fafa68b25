// Errors that name the fix (issue 12, item 6): a missing environment variable, iron-session's
// option names, and the rotation trap (a single secret's id is k0; a ring without k0 cannot open
// the cookies it sealed). Assertions are on codes and reasons, never on message text.
import { describe, expect, test } from 'vitest'
import { createKeyRing, generateSecret, type KeyRingOptions } from '../src/keys.js'
import { createSessions, type RejectDetail, type RejectReason } from '../src/session/index.js'
import { code } from './helpers/error-code.js'

const OLD = generateSecret()
const NEW = generateSecret()

describe('keys that are missing', () => {
  test('createSessions({ keys: process.env.UNSET }) → ERR_KEY_MISSING', () => {
    const env: Record<string, string | undefined> = {}
    expect(code(() => createSessions({ keys: env.SESSION_SECRET as string }))).toBe(
      'ERR_KEY_MISSING',
    )
    expect(code(() => createKeyRing(undefined as unknown as string))).toBe('ERR_KEY_MISSING')
    expect(code(() => createKeyRing(null as unknown as string))).toBe('ERR_KEY_MISSING')
  })

  test('a ring entry that is undefined → ERR_KEY_MISSING', () => {
    const env: Record<string, string | undefined> = {}
    const options = { current: 'k1', keys: { k1: NEW, k0: env.OLD_SECRET } }
    expect(code(() => createKeyRing(options as KeyRingOptions))).toBe('ERR_KEY_MISSING')
  })

  test('an empty variable (set but blank) is still a weak key', () => {
    expect(code(() => createSessions({ keys: '' }))).toBe('ERR_KEY_WEAK')
  })

  test('the message names no secret', () => {
    try {
      createKeyRing({
        current: 'k1',
        keys: { k1: NEW, k2: undefined },
      } as unknown as KeyRingOptions)
    } catch (error) {
      expect((error as Error).message).not.toContain(NEW)
      return
    }
    throw new Error('expected a throw')
  })
})

describe("iron-session's option names", () => {
  test('{ password } without keys → ERR_KEY_MISSING', () => {
    expect(code(() => createSessions({ password: OLD } as never))).toBe('ERR_KEY_MISSING')
  })

  test.each([
    ['password', { password: OLD }],
    ['cookieName', { cookieName: 'app' }],
    ['cookieOptions', { cookieOptions: { secure: true } }],
    ['ttl', { ttl: 3600 }],
  ])('%s next to keys → ERR_SESSION_OPTIONS (it would be ignored)', (_name, extra) => {
    expect(code(() => createSessions({ keys: NEW, ...extra }))).toBe('ERR_SESSION_OPTIONS')
  })
})

describe('from one secret to a ring', () => {
  async function cookieSealedWith(keys: string) {
    const before = createSessions<{ userId: string }>({ keys })
    const session = await before.read(undefined)
    await session.save({ userId: 'u1' })
    return session.writes[0]!.header.split(';')[0]!
  }

  test('a ring without k0: unknown-key, and onReject gets the unknown kid', async () => {
    const cookie = await cookieSealedWith(OLD)
    const rejects: [RejectReason, RejectDetail][] = []
    const after = createSessions({
      keys: { current: 'k1', keys: { k1: NEW, old: OLD } },
      onReject: (reason, detail) => rejects.push([reason, detail]),
    })
    const session = await after.read(cookie)
    expect([session.state, session.reason]).toEqual(['invalid', 'unknown-key'])
    expect(rejects).toEqual([['unknown-key', { kid: 'k0' }]])
  })

  test('a ring that keeps the old secret as k0 opens it and re-seals under the current key', async () => {
    const cookie = await cookieSealedWith(OLD)
    const after = createSessions({ keys: { current: 'k1', keys: { k1: NEW, k0: OLD } } })
    const session = await after.read(cookie)
    expect(session.state).toBe('active')
    expect(session.writes[0]!.header).toMatch(/^__Host-session=c1\.k1\./)
  })

  test('other rejections carry no kid', async () => {
    const rejects: [RejectReason, RejectDetail][] = []
    const sessions = createSessions({
      keys: NEW,
      onReject: (reason, detail) => rejects.push([reason, detail]),
    })
    await sessions.read('__Host-session=c1.k0.AAAA')
    expect(rejects).toEqual([['invalid', {}]])
  })
})
