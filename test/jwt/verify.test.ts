// verifySessionToken and exportJWKS: a service that holds only the issuer's public JWKS.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMemoryDenylist } from '../../src/denylist/index.js'
import {
  exportJWKS,
  verifySessionToken,
  type VerifySessionTokenOptions,
} from '../../src/jwt/index.js'
import { codeAsync as code } from '../helpers/error-code.js'
import {
  ISS,
  AUD,
  T0,
  ed2,
  ed1Jwk,
  ed1PublicJwk,
  ed1Spki,
  es1Jwk,
  rs1Jwk,
  utf8,
  b64u,
  forge,
  HEADER,
  claims,
  ED1,
  setup,
  login,
} from '../helpers/jwt-fixtures.js'

// --- Verification in another service ---

describe('verifySessionToken (a service that holds only the public JWKS)', () => {
  const base = (over: Partial<VerifySessionTokenOptions> = {}): VerifySessionTokenOptions => ({
    jwks: { keys: [] },
    algorithms: ['EdDSA'],
    issuer: ISS,
    audience: AUD,
    now: () => T0 + 1000,
    ...over,
  })

  test('a local JWKS from exportJWKS: claims in ms, data, kid', async () => {
    const { jwt, sessions } = setup()
    const { session, token } = await login(sessions, { userId: 'u1', role: 'admin' })
    const jwks = JSON.parse(JSON.stringify(await exportJWKS(jwt))) as { keys: JWK[] }
    const result = await verifySessionToken(token, base({ jwks }))
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.claims).toMatchObject({
      sessionId: session.id,
      userId: 'u1',
      data: { userId: 'u1', role: 'admin' },
      issuedAtMs: T0,
      createdAtMs: T0,
      lastSeenMs: T0,
      expiresAtMs: T0 + 7 * 24 * 3600_000,
      kid: 'k1',
    })
    expect(result.claims.payload.iss).toBe(ISS)
  })

  test('failures are typed results, never exceptions', async () => {
    const { jwt, sessions } = setup()
    const { token } = await login(sessions)
    const jwks = await exportJWKS(jwt)
    const verify = (t: string, over: Partial<VerifySessionTokenOptions> = {}) =>
      verifySessionToken(t, base({ jwks, ...over }))
    expect(await verify(token, { audience: 'https://other.example.com' })).toEqual({
      ok: false,
      reason: 'invalid',
    })
    expect(await verify(token, { issuer: 'https://other.example.com' })).toEqual({
      ok: false,
      reason: 'invalid',
    })
    expect(await verify(token, { typ: 'other+jwt' })).toEqual({ ok: false, reason: 'invalid' })
    expect(await verify(token, { algorithms: ['ES256'] })).toEqual({ ok: false, reason: 'invalid' })
    expect(await verify(token, { now: () => T0 + 8 * 24 * 3600_000 })).toEqual({
      ok: false,
      reason: 'expired',
    })
    expect(await verify(token, { maxTokenLength: 64 })).toEqual({ ok: false, reason: 'invalid' })
    expect(await verify(await forge({ ...HEADER, kid: 'k9' }, claims(), ED1))).toEqual({
      ok: false,
      reason: 'unknown-key',
    })
    expect(await verify(await forge({ alg: 'EdDSA', typ: 'session+jwt' }, claims(), ED1))).toEqual({
      ok: false,
      reason: 'invalid',
    })
    expect(await verify(await forge({ ...HEADER, alg: 'none' }, claims()))).toEqual({
      ok: false,
      reason: 'invalid',
    })
    const hmac = await crypto.subtle.importKey(
      'raw',
      utf8(ed1Spki),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    expect(
      await verify(await forge({ ...HEADER, alg: 'HS256' }, claims(), { alg: 'HS256', key: hmac })),
    ).toEqual({
      ok: false,
      reason: 'invalid',
    })
    for (const hostile of ['', '.', '..', 'a.b.c', '\u0000', 'x'.repeat(100_000)]) {
      expect((await verify(hostile)).ok).toBe(false)
    }
    expect(await verify(undefined as unknown as string)).toEqual({ ok: false, reason: 'invalid' })
  })

  test('a JWKS object updated in place (key rotation) is read again, and checked again', async () => {
    const jwks: { keys: JWK[] } = { keys: [{ ...ed1PublicJwk, kid: 'k1' }] }
    const k1Token = await forge(HEADER, claims(), ED1)
    const k2Token = await forge({ ...HEADER, kid: 'k2' }, claims(), {
      alg: 'EdDSA',
      key: ed2.privateKey,
    })
    expect((await verifySessionToken(k1Token, base({ jwks }))).ok).toBe(true)
    expect(await verifySessionToken(k2Token, base({ jwks }))).toEqual({
      ok: false,
      reason: 'unknown-key',
    })
    jwks.keys.push({ ...(await exportJWK(ed2.publicKey)), kid: 'k2' })
    expect((await verifySessionToken(k2Token, base({ jwks }))).ok).toBe(true)
    jwks.keys = [{ ...(await exportJWK(ed2.publicKey)), kid: 'k2' }]
    expect(await verifySessionToken(k1Token, base({ jwks }))).toEqual({
      ok: false,
      reason: 'unknown-key',
    })
    jwks.keys.push({ ...ed1Jwk, kid: 'k1' })
    expect(await code(() => verifySessionToken(k1Token, base({ jwks })))).toBe(
      'ERR_KEY_RING_INVALID',
    )
  })

  test('9.12: a key replaced in place (same kid, same list, same length) takes effect at once', async () => {
    const jwks: { keys: JWK[] } = { keys: [{ ...ed1PublicJwk, kid: 'k1' }] }
    const list = jwks.keys
    const compromised = await forge(HEADER, claims(), ED1)
    const replacement = await forge(HEADER, claims(), { alg: 'EdDSA', key: ed2.privateKey })
    expect((await verifySessionToken(compromised, base({ jwks }))).ok).toBe(true)
    // The slot is overwritten: same array, same length, same kid.
    list[0] = { ...(await exportJWK(ed2.publicKey)), kid: 'k1' }
    expect(jwks.keys).toBe(list)
    expect(await verifySessionToken(compromised, base({ jwks }))).toEqual({
      ok: false,
      reason: 'invalid',
    })
    expect((await verifySessionToken(replacement, base({ jwks }))).ok).toBe(true)
    // The key object itself is edited: its public point goes back to the old key.
    Object.assign(list[0], { x: ed1PublicJwk.x })
    expect((await verifySessionToken(compromised, base({ jwks }))).ok).toBe(true)
    expect((await verifySessionToken(replacement, base({ jwks }))).ok).toBe(false)
    // Only the kid changes.
    list[0].kid = 'k9'
    expect(await verifySessionToken(compromised, base({ jwks }))).toEqual({
      ok: false,
      reason: 'unknown-key',
    })
  })

  test('a JWKS object holding private key members is developer misuse: ERR_KEY_RING_INVALID', async () => {
    const { jwt, sessions } = setup()
    const { token } = await login(sessions)
    const jwks = await exportJWKS(jwt)
    expect((await verifySessionToken(token, base({ jwks }))).ok).toBe(true)
    const secretOct = { kty: 'oct', k: b64u(new Uint8Array(32).fill(7)), kid: 'h' }
    const leaks: JWK[][] = [
      [{ ...ed1Jwk, kid: 'k1' }],
      [{ ...rs1Jwk, kid: 'r' }, ...jwks.keys],
      [secretOct, ...jwks.keys],
      [...jwks.keys, { ...es1Jwk, kid: 'e' }],
    ]
    for (const keys of leaks) {
      expect(await code(() => verifySessionToken(token, base({ jwks: { keys } })))).toBe(
        'ERR_KEY_RING_INVALID',
      )
    }
  })

  test('with the issuer’s denylist: revoked tokens are refused; an outage fails closed', async () => {
    const clock = { t: T0 }
    const denylist = createMemoryDenylist({ now: () => clock.t })
    const { jwt, sessions } = setup({}, { denylist, now: () => clock.t })
    const { session, token } = await login(sessions)
    const jwks = await exportJWKS(jwt)
    expect((await verifySessionToken(token, base({ jwks, denylist }))).ok).toBe(true)
    await session.destroy()
    expect(await verifySessionToken(token, base({ jwks, denylist }))).toEqual({
      ok: false,
      reason: 'session-revoked',
    })
    const down = { ...denylist, check: () => Promise.reject(new Error('down')) }
    const fresh = await login(sessions)
    expect(await verifySessionToken(fresh.token, base({ jwks, denylist: down }))).toEqual({
      ok: false,
      reason: 'denylist-unavailable',
    })
    expect(
      (
        await verifySessionToken(
          fresh.token,
          base({ jwks, denylist: down, onDenylistError: 'allow' }),
        )
      ).ok,
    ).toBe(true)
  })

  describe('a remote JWKS URL', () => {
    let server: Server
    let url: URL
    let served: unknown = { keys: [] }
    let requests = 0
    beforeAll(async () => {
      server = createServer((_req, res) => {
        requests++
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(served))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      url = new URL(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
      )
    })
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

    test('fetched once and cached; verifies; an unreachable URL is jwks-unavailable', async () => {
      const { jwt, sessions } = setup()
      const { token } = await login(sessions)
      served = await exportJWKS(jwt)
      const first = await verifySessionToken(token, base({ jwks: url }))
      expect(first.ok).toBe(true)
      const second = await verifySessionToken(token, base({ jwks: new URL(url.href) }))
      expect(second.ok).toBe(true)
      expect(requests).toBe(1)

      const closed = createServer()
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
      const port = (closed.address() as AddressInfo).port
      await new Promise<void>((resolve) => closed.close(() => resolve()))
      const gone = new URL(`http://127.0.0.1:${port}/jwks.json`)
      expect(await verifySessionToken(token, base({ jwks: gone }))).toEqual({
        ok: false,
        reason: 'jwks-unavailable',
      })
    })
  })

  test.each<[string, Partial<VerifySessionTokenOptions>]>([
    ['HS256 in the allowlist', { algorithms: ['HS256' as 'EdDSA'] }],
    ['none in the allowlist', { algorithms: ['none' as 'EdDSA'] }],
    ['an empty allowlist', { algorithms: [] }],
    ['no issuer', { issuer: '' }],
    ['no audience', { audience: [] }],
    ['typ JWT', { typ: 'JWT' }],
    ['a JWKS of the wrong shape', { jwks: 'https://example.com/jwks.json' as unknown as URL }],
    ['a JWKS URL with another scheme', { jwks: new URL('file:///etc/passwd') }],
    ['a tolerance of an hour', { clockToleranceSeconds: 3600 }],
  ])('developer misuse throws ERR_SESSION_OPTIONS: %s', async (_name, over) => {
    expect(await code(() => verifySessionToken('a.b.c', base(over)))).toBe('ERR_SESSION_OPTIONS')
  })
})
