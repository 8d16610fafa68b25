// jwtStrategy and verifySessionToken configuration: misuse fails at construction with a code.

import { exportPKCS8, generateKeyPair } from 'jose'
import { describe, expect, test } from 'vitest'
import {
  exportJWKS,
  jwtStrategy,
  type JwtAlgorithm,
  type JwtKey,
  type JwtStrategyOptions,
} from '../../src/jwt/index.js'
import { codeAsync as code } from '../helpers/error-code.js'
import {
  ISS,
  AUD,
  ed1,
  es1,
  rs1,
  ed1Jwk,
  ed1PublicJwk,
  ed1Spki,
  es1Jwk,
  HS_SECRET,
  b64u,
  forge,
  HEADER,
  claims,
  ED1,
  setup,
  cookieOf,
} from '../helpers/jwt-fixtures.js'

// --- Configuration ---

describe('configuration errors, at construction, with codes', () => {
  const make = (over: Partial<JwtStrategyOptions>) => () =>
    jwtStrategy({
      algorithm: 'EdDSA',
      keys: { current: 'k1', keys: { k1: ed1Jwk } },
      issuer: ISS,
      audience: AUD,
      ...over,
    })
  const ring = (k1: unknown, extra: Record<string, unknown> = {}) => ({
    keys: { current: 'k1', keys: { k1, ...extra } as Record<string, JwtKey> },
  })

  test.each<[string, Partial<JwtStrategyOptions>]>([
    ['HS256 secret of 31 bytes', { algorithm: 'HS256', ...ring(new Uint8Array(31)) }],
    ['HS256 short string', { algorithm: 'HS256', ...ring('secret') }],
    ['HS256 repetitive string', { algorithm: 'HS256', ...ring('a'.repeat(64)) }],
    [
      'HS256 oct JWK of 16 bytes',
      { algorithm: 'HS256', ...ring({ kty: 'oct', k: b64u(new Uint8Array(16).fill(1)) }) },
    ],
    // Issue 9.10: predictable secrets are refused whatever their type.
    ['HS256 32 zero bytes', { algorithm: 'HS256', ...ring(new Uint8Array(32)) }],
    ["HS256 'Password2024!' repeated", { algorithm: 'HS256', ...ring('Password2024!'.repeat(3)) }],
    [
      'HS256 oct JWK of 32 zero bytes',
      { algorithm: 'HS256', ...ring({ kty: 'oct', k: b64u(new Uint8Array(32)) }) },
    ],
    [
      'HS256 oct JWK of the bytes 0…31',
      {
        algorithm: 'HS256',
        ...ring({ kty: 'oct', k: b64u(Uint8Array.from({ length: 32 }, (_, i) => i)) }),
      },
    ],
    [
      'RS256 JWK with a 1024-bit modulus',
      {
        algorithm: 'RS256',
        ...ring({ kty: 'RSA', n: b64u(new Uint8Array(128).fill(0xc3)), e: 'AQAB', d: 'AQAB' }),
      },
    ],
  ])('ERR_KEY_WEAK: %s', async (_name, over) => {
    expect(await code(make(over))).toBe('ERR_KEY_WEAK')
  })

  test.each<[string, Partial<JwtStrategyOptions>]>([
    ['unknown current kid', { keys: { current: 'k9', keys: { k1: ed1Jwk } } }],
    ['current kid "__proto__"', { keys: { current: '__proto__', keys: { k1: ed1Jwk } } }],
    ['no keys', { keys: { current: 'k1', keys: {} } }],
    ['keys not a ring', { keys: ed1Jwk as never }],
    ['a bad key id', { keys: { current: 'k 1', keys: { 'k 1': ed1Jwk } } }],
    ['a public key as current', ring(ed1PublicJwk)],
    ['an SPKI PEM as current', ring(ed1Spki)],
    ['a public CryptoKey as current', ring(ed1.publicKey)],
    ['an EC JWK for EdDSA', ring(es1Jwk)],
    ['an Ed25519 JWK for ES256', { algorithm: 'ES256', ...ring(ed1Jwk) }],
    ['an Ed25519 CryptoKeyPair for ES256', { algorithm: 'ES256', ...ring(ed1) }],
    ['an RSA CryptoKey for EdDSA', ring(rs1.privateKey)],
    ['a secret string for EdDSA', ring(HS_SECRET)],
    ['an Ed25519 JWK for HS256', { algorithm: 'HS256', ...ring(ed1Jwk) }],
    [
      'an RSA PKCS#1 PEM',
      {
        algorithm: 'RS256',
        ...ring('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----'),
      },
    ],
    [
      'an encrypted PKCS#8 PEM',
      ring('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----'),
    ],
    ['a JWK whose alg is another', ring({ ...ed1Jwk, alg: 'ES256' })],
    ['a JWK whose use is enc', ring({ ...ed1Jwk, use: 'enc' })],
    ['a JWK whose kid differs', ring({ ...ed1Jwk, kid: 'other' })],
    ['a JWK with a truncated x', ring({ ...ed1Jwk, x: ed1Jwk.x!.slice(0, 40) })],
    ['a JWK with a non-base64url d', ring({ ...ed1Jwk, d: '!!!' })],
    ['the same key under two ids', ring(ed1Jwk, { k2: ed1PublicJwk })],
    [
      'the same HS256 secret under two ids',
      { algorithm: 'HS256', ...ring(HS_SECRET, { k2: HS_SECRET }) },
    ],
    ['a number as key', ring(42)],
  ])('ERR_KEY_RING_INVALID: %s', async (_name, over) => {
    expect(await code(make(over))).toBe('ERR_KEY_RING_INVALID')
  })

  test('a non-extractable private CryptoKey alone cannot give its public key; the pair can', async () => {
    const pair = await generateKeyPair('EdDSA')
    expect(await code(make(ring(pair.privateKey)))).toBe('ERR_KEY_RING_INVALID')
    expect(await code(make(ring(pair)))).toBe('no error')
  })

  test.each<[string, Partial<JwtStrategyOptions>]>([
    ['algorithm none', { algorithm: 'none' as JwtAlgorithm }],
    ['algorithm HS512', { algorithm: 'HS512' as JwtAlgorithm }],
    ['algorithm missing', { algorithm: undefined as unknown as JwtAlgorithm }],
    ['issuer missing', { issuer: undefined as unknown as string }],
    ['issuer empty', { issuer: '' }],
    ['audience empty list', { audience: [] }],
    ['audience with an empty member', { audience: [AUD, ''] }],
    ['typ JWT', { typ: 'JWT' }],
    ['typ with a space', { typ: 'session jwt' }],
    ['tolerance negative', { clockToleranceSeconds: -1 }],
    ['tolerance of an hour', { clockToleranceSeconds: 3600 }],
    ['tolerance NaN', { clockToleranceSeconds: Number.NaN }],
    ['bearer as a string', { bearer: 'yes' as unknown as boolean }],
  ])('ERR_SESSION_OPTIONS: %s', async (_name, over) => {
    expect(await code(make(over))).toBe('ERR_SESSION_OPTIONS')
  })

  test('no options object', async () => {
    expect(await code(() => jwtStrategy(undefined as unknown as JwtStrategyOptions))).toBe(
      'ERR_SESSION_OPTIONS',
    )
  })

  test('a PEM of another key type passes the synchronous checks and fails `ready`, save(); reads stay anonymous', async () => {
    const wrong = await exportPKCS8(es1.privateKey) // an EC key given to EdDSA
    const { jwt, sessions } = setup({ keys: { current: 'k1', keys: { k1: wrong } } })
    expect(await code(() => jwt.ready)).toBe('ERR_KEY_RING_INVALID')
    const session = await sessions.read(null)
    expect(await code(() => session.save({ userId: 'u1' }))).toBe('ERR_KEY_RING_INVALID')
    const read = await sessions.read(cookieOf(await forge(HEADER, claims(), ED1)))
    expect(read.state).toBe('invalid')
  })

  test('exportJWKS refuses HS256 and values that are not strategies', async () => {
    const hs = jwtStrategy({
      algorithm: 'HS256',
      keys: { current: 'h', keys: { h: HS_SECRET } },
      issuer: ISS,
      audience: AUD,
    })
    expect(await code(() => exportJWKS(hs))).toBe('ERR_SESSION_OPTIONS')
    expect(await code(() => exportJWKS((() => undefined) as never))).toBe('ERR_SESSION_OPTIONS')
  })

  test('error messages never contain key material', async () => {
    const secrets = ['short-secret-value', ed1Jwk.d!]
    for (const fn of [
      make({ algorithm: 'HS256', ...ring(secrets[0]) }),
      make(ring({ ...ed1Jwk, alg: 'ES256' })),
    ]) {
      try {
        fn()
        throw new Error('expected a throw')
      } catch (error) {
        for (const secret of secrets) expect(String((error as Error).message)).not.toContain(secret)
      }
    }
  })
})
