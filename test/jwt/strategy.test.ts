// The JWT strategy: sessions signed as JWTs (round trip, claims, lifetimes) and rotation by kid.

import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportPKCS8, jwtVerify } from 'jose'
import { describe, expect, test } from 'vitest'
import { exportJWKS, type JwtAlgorithm, type JwtKey } from '../../src/jwt/index.js'
import { type StrategyContext } from '../../src/session/index.js'
import {
  type Data,
  ISS,
  AUD,
  T0,
  S0,
  ed1,
  es1,
  rs1,
  ed1Jwk,
  ed1PublicJwk,
  ed2Jwk,
  es1Jwk,
  rs1Jwk,
  HS_SECRET,
  b64u,
  SID,
  setup,
  login,
  cookieOf,
  bearerOf,
  readBoth,
  expectRejected,
} from '../helpers/jwt-fixtures.js'

describe('sessions signed as JWTs', () => {
  test('a saved session reads back from the cookie and from Bearer, with the same API', async () => {
    const { sessions } = setup()
    const { session, token } = await login(sessions, { userId: 'u1', role: 'admin' })
    expect(session.writes[0]!.value).toBe(token)
    for (const read of [
      await sessions.read(cookieOf(token)),
      await sessions.read(bearerOf(token)),
    ]) {
      expect(read.state).toBe('active')
      if (read.state !== 'active') continue
      expect(read.id).toBe(session.id)
      expect(read.data).toEqual({ userId: 'u1', role: 'admin' })
      expect(read.userId).toBe('u1')
      expect(read.createdAtMs).toBe(T0)
      expect(read.expiresAtMs).toBe(T0 + 7 * 24 * 3600 * 1000)
    }
  })

  test('the token carries the documented header and claims, and nothing else', async () => {
    const { sessions } = setup()
    const { session, token } = await login(sessions)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: 'k1', typ: 'session+jwt' })
    expect(decodeJwt(token)).toEqual({
      iss: ISS,
      aud: AUD,
      sub: 'u1',
      sid: session.id,
      iat: S0,
      exp: S0 + 7 * 24 * 3600,
      auth_time: S0,
      data: { userId: 'u1' },
    })
  })

  test('a session without a user has no sub; several audiences give an aud array', async () => {
    const { sessions } = setup({ audience: [AUD, 'https://other.example.com'] })
    const session = await sessions.read(null)
    await session.save({ cart: 3 } as unknown as Data)
    const payload = decodeJwt(session.token!)
    expect(payload.sub).toBeUndefined()
    expect(payload.aud).toEqual([AUD, 'https://other.example.com'])
    expect((await sessions.read(cookieOf(session.token!))).state).toBe('active')
  })

  test('lifetime: active one second before exp, expired at exp and after', async () => {
    const { sessions, clock } = setup({}, { maxAgeSeconds: 3600 })
    const { token } = await login(sessions)
    clock.t = T0 + 3600_000 - 1000
    expect((await sessions.read(cookieOf(token))).state).toBe('active')
    clock.t = T0 + 3600_000 - 1
    expect((await sessions.read(cookieOf(token))).state).toBe('active')
    clock.t = T0 + 3600_000
    await expectRejected(sessions, token, 'expired')
    clock.t = T0 + 3600_001
    await expectRejected(sessions, token, 'expired')
  })

  test('idle timeout and throttled rolling refresh keep the absolute expiry', async () => {
    const { sessions, clock } = setup({}, { maxAgeSeconds: 3600, idleTimeoutSeconds: 600 })
    const { token } = await login(sessions)
    clock.t = T0 + 100_000 // before refreshAfter (150 s): no rewrite
    const early = await sessions.read(cookieOf(token))
    expect(early.writes).toEqual([])
    clock.t = T0 + 200_000
    const refreshed = await sessions.read(cookieOf(token))
    expect(refreshed.state).toBe('active')
    expect(refreshed.writes).toHaveLength(1)
    const next = refreshed.token!
    expect(decodeJwt(next)).toMatchObject({ iat: S0 + 200, exp: S0 + 3600, auth_time: S0 })
    clock.t = T0 + 200_000 + 599_000
    expect((await sessions.read(cookieOf(next))).state).toBe('active')
    await expectRejected(sessions, token, 'idle-timeout')
    clock.t = T0 + 200_000 + 600_000
    await expectRejected(sessions, next, 'idle-timeout')
  })

  test('last-seen travels as `ls` when it differs from iat', async () => {
    const { jwt } = setup()
    const context = { maxTokenLength: 16_384 } as StrategyContext
    const strategy = jwt(context)
    const envelope = { sessionId: SID, createdAtMs: T0, lastSeenMs: T0 + 5000, data: { a: 1 } }
    const token = await strategy.encode(envelope, T0 + 3600_000, T0 + 9000)
    expect(decodeJwt(token)).toMatchObject({ iat: S0 + 9, ls: S0 + 5 })
    const decoded = await strategy.decode(token, T0 + 10_000)
    expect(decoded).toMatchObject({ ok: true, stale: false, expiresAtMs: T0 + 3600_000 })
    if (decoded.ok) expect(decoded.envelope).toEqual({ ...envelope })
  })

  test.each<[string, JwtAlgorithm, () => Promise<JwtKey>]>([
    ['EdDSA private JWK', 'EdDSA', async () => ed1Jwk],
    ['EdDSA CryptoKeyPair', 'EdDSA', async () => ed1],
    ['EdDSA extractable private CryptoKey', 'EdDSA', async () => ed1.privateKey],
    ['EdDSA PKCS #8 PEM', 'EdDSA', () => exportPKCS8(ed1.privateKey)],
    ['ES256 private JWK', 'ES256', async () => es1Jwk],
    ['ES256 PKCS #8 PEM', 'ES256', () => exportPKCS8(es1.privateKey)],
    ['RS256 private JWK', 'RS256', async () => rs1Jwk],
    ['RS256 CryptoKeyPair', 'RS256', async () => rs1],
    ['HS256 secret string', 'HS256', async () => HS_SECRET],
    ['HS256 32 random bytes', 'HS256', async () => crypto.getRandomValues(new Uint8Array(32))],
    [
      'HS256 oct JWK',
      'HS256',
      async () => ({ kty: 'oct', k: b64u(crypto.getRandomValues(new Uint8Array(32))) }),
    ],
  ])('%s: save, read, and verify with plain jose', async (_name, algorithm, key) => {
    const { jwt, sessions } = setup({
      algorithm,
      keys: { current: 'k1', keys: { k1: await key() } },
    })
    await jwt.ready
    const { session, token } = await login(sessions)
    expect(decodeProtectedHeader(token).alg).toBe(algorithm)
    const read = await readBoth(sessions, token)
    expect(read.state).toBe('active')
    expect(read.id).toBe(session.id)
    if (algorithm !== 'HS256') {
      const jwks = await exportJWKS(jwt)
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
        algorithms: [algorithm],
        issuer: ISS,
        audience: AUD,
        typ: 'session+jwt',
      })
      expect(payload.sid).toBe(session.id)
    }
  })
})

// --- Rotation ---

describe('rotation by kid', () => {
  test('k1 → {k2 current, k1 public verify-only} → {k2}: re-signed with k2, then k1 is unknown', async () => {
    const before = setup()
    const { session, token } = await login(before.sessions, { userId: 'u1' })
    expect(decodeProtectedHeader(token).kid).toBe('k1')

    const during = setup({ keys: { current: 'k2', keys: { k2: ed2Jwk, k1: ed1PublicJwk } } })
    during.clock.t = T0 + 60_000
    const read = await during.sessions.read(cookieOf(token))
    expect(read.state).toBe('active')
    expect(read.id).toBe(session.id)
    expect(read.writes).toHaveLength(1)
    const resigned = read.token!
    expect(decodeProtectedHeader(resigned).kid).toBe('k2')
    expect(decodeJwt(resigned)).toMatchObject({
      sid: session.id,
      auth_time: S0,
      exp: decodeJwt(token).exp,
    })
    // A fresh k2 token is not stale: no rewrite.
    expect((await during.sessions.read(cookieOf(resigned))).writes).toEqual([])

    const after = setup({ keys: { current: 'k2', keys: { k2: ed2Jwk } } })
    expect((await after.sessions.read(cookieOf(resigned))).state).toBe('active')
    await expectRejected(after.sessions, token, 'unknown-key')
  })

  test('exportJWKS lists every key, current first, public members only, with kid/alg/use', async () => {
    const { jwt } = setup({ keys: { current: 'k2', keys: { k1: ed1Jwk, k2: ed2Jwk } } })
    const jwks = await exportJWKS(jwt)
    expect(jwks.keys.map((k) => k.kid)).toEqual(['k2', 'k1'])
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x'])
      expect(key).toMatchObject({ alg: 'EdDSA', use: 'sig', kty: 'OKP', crv: 'Ed25519' })
    }
    expect(jwks.keys[1]!.x).toBe(ed1PublicJwk.x)
    expect(JSON.stringify(jwks)).not.toContain(ed1Jwk.d!)
  })

  test('RS256 JWKS members: n and e only', async () => {
    const { jwt } = setup({ algorithm: 'RS256', keys: { current: 'r', keys: { r: rs1Jwk } } })
    const [key] = (await exportJWKS(jwt)).keys
    expect(Object.keys(key!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use'])
  })
})
