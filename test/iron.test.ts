// Migration from iron-session: cookies sealed by the real iron-session 8 (getIronSession on a Fetch
// Request/Response, as an app does) are read by cachet with the old password through
// cachet/iron, accepted once and re-sealed as cachet's; bad ones give an anonymous session with a
// reason and never throw.
import fc from 'fast-check'
import { getIronSession, sealData } from 'iron-session'
import { seal as ironSeal, defaults as ironDefaults } from 'iron-webcrypto'
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { ironSessionReader } from '../src/iron.js'
import { generateSecret } from '../src/keys.js'
import { createSessions, type RejectReason } from '../src/session/index.js'
import { withSession } from '../src/web.js'
import { code } from './helpers/error-code.js'

type Data = { userId: string; name: string }

const PASSWORD = 'iron-session-password-of-32-characters-or-more!'
const OTHER_PASSWORD = 'another-iron-session-password-32-characters+'
const COOKIE = 'myapp_session'

/** A cookie exactly as iron-session 8 sets it, from getIronSession(req, res).save(). */
async function ironCookie(
  data: Data,
  options: { password?: string | Record<number, string>; ttl?: number } = {},
): Promise<string> {
  const response = new Response()
  const session = await getIronSession<Data>(new Request('https://app.test/'), response, {
    password: options.password ?? PASSWORD,
    cookieName: COOKIE,
    ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
  })
  Object.assign(session, data)
  await session.save()
  return response.headers.get('set-cookie')!.split(';')[0]!
}

function setup(
  extra: { password?: string | Record<number, string>; now?: () => number; schema?: never } = {},
) {
  const rejects: RejectReason[] = []
  const keys = generateSecret()
  const sessions = createSessions<Data>({
    keys,
    fallback: ironSessionReader({ password: extra.password ?? PASSWORD, cookieName: COOKIE }),
    onReject: (reason) => rejects.push(reason),
    ...(extra.now ? { now: extra.now } : {}),
  })
  return { sessions, rejects, plain: createSessions<Data>({ keys }) }
}

const cookieNames = (writes: readonly { header: string }[]) =>
  writes.map((w) => w.header.split('=')[0]! + (/Max-Age=0/.test(w.header) ? ' (deleted)' : ''))

describe('cachet/iron: iron-session 8 cookies', () => {
  test('a valid cookie: active, re-sealed as c1., the old cookie deleted', async () => {
    const { sessions, plain, rejects } = setup()
    const session = await sessions.read(await ironCookie({ userId: 'u1', name: 'Ada Lovelace' }))
    expect(session.state).toBe('active')
    expect(session.data).toEqual({ userId: 'u1', name: 'Ada Lovelace' })
    expect(session.userId).toBe('u1')
    expect(cookieNames(session.writes)).toEqual(['__Host-session', `${COOKIE} (deleted)`])
    const sealed = session.writes[0]!.header.split(';')[0]!
    expect(sealed).toMatch(/^__Host-session=c1\.k0\./)
    // The new cookie alone is a cachet session (no fallback needed any more).
    const next = await plain.read(sealed)
    expect([next.state, next.data]).toEqual(['active', { userId: 'u1', name: 'Ada Lovelace' }])
    expect(rejects).toEqual([])
  })

  test('the iron-session expiry stays the outer bound of the migrated session', async () => {
    const { sessions } = setup()
    const before = Date.now()
    const session = await sessions.read(
      await ironCookie({ userId: 'u1', name: 'A' }, { ttl: 3600 }),
    )
    expect(session.state).toBe('active')
    expect(session.expiresAtMs).toBeLessThanOrEqual(Date.now() + 3600_000)
    expect(session.expiresAtMs).toBeGreaterThanOrEqual(before + 3600_000 - 60_000)
  })

  test('a cachet cookie wins: the old cookie is not read at all', async () => {
    const { sessions, plain } = setup()
    const fresh = await plain.read(undefined)
    await fresh.save({ userId: 'u2', name: 'B' })
    const cachetCookie = fresh.writes[0]!.header.split(';')[0]!
    const old = await ironCookie({ userId: 'u1', name: 'A' })
    const session = await sessions.read(`${old}; ${cachetCookie}`)
    expect(session.state === 'active' && session.data.userId).toBe('u2')
  })

  test('a password rotation map: a cookie sealed under the older password still opens', async () => {
    const cookie = await ironCookie({ userId: 'u1', name: 'A' }, { password: { 1: PASSWORD } })
    const { sessions } = setup({ password: { 2: OTHER_PASSWORD, 1: PASSWORD } })
    expect((await sessions.read(cookie)).state).toBe('active')
  })

  test('iron-session 6 format (no "~2", data under persistent) opens too', async () => {
    const sealed = await ironSeal(
      globalThis.crypto as never,
      { persistent: { userId: 'u6', name: 'Old' } },
      { id: '1', secret: PASSWORD },
      { ...ironDefaults, ttl: 3600_000 },
    )
    const { sessions } = setup()
    const session = await sessions.read(`${COOKIE}=${sealed}`)
    expect([session.state, session.data]).toEqual(['active', { userId: 'u6', name: 'Old' }])
  })

  test('through the Fetch adapter the response carries both Set-Cookies', async () => {
    const { sessions } = setup()
    const app = withSession(sessions, (_request, session) =>
      Response.json({ state: session.state }),
    )
    const cookie = await ironCookie({ userId: 'u1', name: 'A' })
    const res = await app(new Request('https://app.test/', { headers: { cookie } }))
    expect(await res.json()).toEqual({ state: 'active' })
    expect(res.headers.getSetCookie().map((h) => h.split('=')[0])).toEqual([
      '__Host-session',
      COOKIE,
    ])
  })
})

describe('cachet/iron: bad cookies give an anonymous session with a reason', () => {
  test('tampered: invalid, old cookie deleted', async () => {
    const { sessions, rejects } = setup()
    const cookie = await ironCookie({ userId: 'u1', name: 'A' })
    const parts = cookie.split('*')
    // Flip one character of the ciphertext (part 4), keeping it base64url.
    parts[4] = (parts[4]![0] === 'A' ? 'B' : 'A') + parts[4]!.slice(1)
    const session = await sessions.read(parts.join('*'))
    expect([session.state, session.reason]).toEqual(['invalid', 'invalid'])
    expect(cookieNames(session.writes)).toEqual([`${COOKIE} (deleted)`])
    expect(rejects).toEqual(['invalid'])
  })

  test('a forged expiration (HMAC covers it): invalid, not expired', async () => {
    const { sessions } = setup()
    const cookie = await ironCookie({ userId: 'u1', name: 'A' })
    const parts = cookie.split('*')
    parts[5] = '1000'
    const session = await sessions.read(parts.join('*'))
    expect([session.state, session.reason]).toEqual(['invalid', 'invalid'])
  })

  test('expired (cachet clock past the seal expiration): expired', async () => {
    const cookie = await ironCookie({ userId: 'u1', name: 'A' }, { ttl: 60 })
    const { sessions, rejects } = setup({ now: () => Date.now() + 120_000 })
    const session = await sessions.read(cookie)
    expect([session.state, session.reason]).toEqual(['expired', 'expired'])
    expect(cookieNames(session.writes)).toEqual([`${COOKIE} (deleted)`])
    expect(rejects).toEqual(['expired'])
  })

  test('wrong password: invalid', async () => {
    const cookie = await ironCookie({ userId: 'u1', name: 'A' }, { password: OTHER_PASSWORD })
    const { sessions } = setup()
    const session = await sessions.read(cookie)
    expect([session.state, session.reason]).toEqual(['invalid', 'invalid'])
  })

  test('data that fails the schema: invalid with reason schema', async () => {
    const rejects: RejectReason[] = []
    const sessions = createSessions<{ userId: string; role: 'admin' | 'user' }>({
      keys: generateSecret(),
      schema: z.object({ userId: z.string(), role: z.enum(['admin', 'user']) }),
      fallback: ironSessionReader({ password: PASSWORD, cookieName: COOKIE }),
      onReject: (reason) => rejects.push(reason),
    })
    const session = await sessions.read(await ironCookie({ userId: 'u1', name: 'A' }))
    expect([session.state, session.reason]).toEqual(['invalid', 'schema'])
    expect(rejects).toEqual(['schema'])
  })

  test('a value sealed by sealData for another use but not an object: invalid', async () => {
    const sealed = await sealData(['not', 'an', 'object'] as never, { password: PASSWORD })
    const { sessions } = setup()
    const session = await sessions.read(`${COOKIE}=${sealed}`)
    expect([session.state, session.reason]).toEqual(['invalid', 'invalid'])
  })

  test('any value under the old cookie name: never throws, never active', async () => {
    const { sessions } = setup()
    const valid = (await ironCookie({ userId: 'u1', name: 'A' })).slice(COOKIE.length + 1)
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `Fe26.2*${s}`),
          fc
            .array(fc.string({ maxLength: 12 }), { minLength: 8, maxLength: 8 })
            .map((p) => ['Fe26.2', ...p.slice(1)].join('*')),
          fc.nat({ max: valid.length - 1 }).map((i) => valid.slice(0, i)),
        ),
        async (value) => {
          const session = await sessions.read(`${COOKIE}=${value}`)
          expect(session.state).not.toBe('active')
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('cachet/iron: misuse fails at construction', () => {
  test.each([
    ['password undefined', { password: undefined, cookieName: COOKIE }, 'ERR_KEY_MISSING'],
    ['password short', { password: 'short', cookieName: COOKIE }, 'ERR_KEY_WEAK'],
    [
      'a map entry undefined',
      { password: { 1: undefined }, cookieName: COOKIE },
      'ERR_KEY_MISSING',
    ],
    ['no options', undefined, 'ERR_SESSION_OPTIONS'],
  ])('%s → %s', (_name, options, expected) => {
    expect(code(() => ironSessionReader(options as never))).toBe(expected)
  })

  test('a bad cookie name → ERR_COOKIE_OPTIONS from createSessions', () => {
    const fallback = ironSessionReader({ password: PASSWORD, cookieName: 'bad name;' })
    expect(code(() => createSessions({ keys: generateSecret(), fallback }))).toBe(
      'ERR_COOKIE_OPTIONS',
    )
  })

  test('a fallback that is not a reader → ERR_SESSION_OPTIONS', () => {
    expect(code(() => createSessions({ keys: generateSecret(), fallback: {} as never }))).toBe(
      'ERR_SESSION_OPTIONS',
    )
  })
})
