// JWT sessions with a denylist: revocation keyed by sid.

import { decodeJwt, jwtVerify } from 'jose'
import { describe, expect, test } from 'vitest'
import { createMemoryDenylist } from '../../src/denylist/index.js'
import { type JwtStrategyOptions } from '../../src/jwt/index.js'
import {
  T0,
  es1,
  es1Jwk,
  HS_SECRET,
  utf8,
  b64u,
  forge,
  setup,
  login,
  cookieOf,
  expectRejected,
} from '../helpers/jwt-fixtures.js'

// --- Revocation ---

describe('revocation with a denylist, keyed by sid', () => {
  function withDenylist(strategy: Partial<JwtStrategyOptions> = {}) {
    const clock = { t: T0 }
    const denylist = createMemoryDenylist({ now: () => clock.t })
    const ctx = setup(strategy, { denylist, now: () => clock.t })
    return { ...ctx, clock, denylist }
  }

  test('destroy() revokes the token and every re-encoding of it (ES256 high-s twin)', async () => {
    const { sessions } = withDenylist({
      algorithm: 'ES256',
      keys: { current: 'e', keys: { e: es1Jwk } },
    })
    const { session, token } = await login(sessions)
    // ECDSA signatures are malleable: (r, n - s) verifies too, giving different token bytes.
    const [h, p, s] = token.split('.') as [string, string, string]
    const sig = Buffer.from(s, 'base64url')
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
    const highS = n - BigInt(`0x${sig.subarray(32).toString('hex')}`)
    const twin = `${h}.${p}.${b64u(Buffer.concat([sig.subarray(0, 32), Buffer.from(highS.toString(16).padStart(64, '0'), 'hex')]))}`
    expect(twin).not.toBe(token)
    await expect(jwtVerify(twin, es1.publicKey)).resolves.toBeDefined()
    expect((await sessions.read(cookieOf(twin))).state).toBe('active') // the twin is a valid token

    await session.destroy()
    await expectRejected(sessions, token, 'session-revoked')
    await expectRejected(sessions, twin, 'session-revoked')
  })

  test('HS256: the same claims re-signed with other JSON whitespace and member order stay revoked', async () => {
    const { sessions } = withDenylist({
      algorithm: 'HS256',
      keys: { current: 'h', keys: { h: HS_SECRET } },
    })
    const { session, token } = await login(sessions)
    const key = await crypto.subtle.importKey(
      'raw',
      utf8(HS_SECRET),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const payload = decodeJwt(token)
    const reordered = Object.fromEntries(Object.entries(payload).reverse())
    const twin = await forge(
      JSON.stringify({ typ: 'session+jwt', kid: 'h', alg: 'HS256' }, null, 2),
      JSON.stringify(reordered, null, '\t'),
      { alg: 'HS256', key },
    )
    expect(twin).not.toBe(token)
    expect((await sessions.read(cookieOf(twin))).state).toBe('active')
    await sessions.revoke(session.id)
    await expectRejected(sessions, token, 'session-revoked')
    await expectRejected(sessions, twin, 'session-revoked')
  })

  test('regenerate() at login revokes the previous sid; revokeUser() and revokeAll() use uv and ep', async () => {
    const { sessions } = withDenylist()
    const first = await login(sessions, { userId: 'u1' })
    const read = await sessions.read(cookieOf(first.token))
    await read.regenerate()
    await read.save({ userId: 'u1' })
    await expectRejected(sessions, first.token, 'session-revoked')
    expect(decodeJwt(read.token!)).toMatchObject({ uv: 0, ep: 0 })
    await sessions.revokeUser('u1')
    await expectRejected(sessions, read.token!, 'user-revoked')
    const other = await login(sessions, { userId: 'u2' })
    await sessions.revokeAll()
    await expectRejected(sessions, other.token, 'epoch-revoked')
  })
})
