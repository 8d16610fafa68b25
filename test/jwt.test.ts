import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { EdgeRuntime } from 'edge-runtime'
import fc from 'fast-check'
import {
  CompactSign,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  jwtVerify,
  type JWK,
} from 'jose'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMemoryDenylist } from '../src/denylist/index.js'
import { generateSecret } from '../src/keys.js'
import {
  exportJWKS,
  jwtStrategy,
  verifySessionToken,
  type JwtAlgorithm,
  type JwtKey,
  type JwtStrategyOptions,
  type VerifySessionTokenOptions,
} from '../src/jwt/index.js'
import {
  createSessions,
  type RejectReason,
  type Session,
  type SessionOptions,
  type StrategyContext,
} from '../src/session.js'
import { codeAsync as code } from './helpers/error-code.js'
import { bundleForEdge } from './helpers/edge-bundle.js'

// --- Fixtures ---

type Data = { userId: string; role?: string }
const SECRET = generateSecret() // createSessions still wants a key ring (unused by the JWT strategy)
const ISS = 'https://app.example.com'
const AUD = 'https://api.example.com'
const T0 = 1_800_000_000_000 // whole seconds, ms
const S0 = T0 / 1000
const COOKIE = '__Host-session'

const ed1 = await generateKeyPair('EdDSA', { extractable: true })
const ed2 = await generateKeyPair('EdDSA', { extractable: true })
const attacker = await generateKeyPair('EdDSA', { extractable: true })
const es1 = await generateKeyPair('ES256', { extractable: true })
const rs1 = await generateKeyPair('RS256', { extractable: true })
const ed1Jwk = await exportJWK(ed1.privateKey)
const ed1PublicJwk = await exportJWK(ed1.publicKey)
const ed2Jwk = await exportJWK(ed2.privateKey)
const ed1Spki = await exportSPKI(ed1.publicKey)
const es1Jwk = await exportJWK(es1.privateKey)
const es1Spki = await exportSPKI(es1.publicKey)
const rs1Jwk = await exportJWK(rs1.privateKey)
const rs1Spki = await exportSPKI(rs1.publicKey)
const HS_SECRET = generateSecret()

const utf8 = (text: string) => new TextEncoder().encode(text)
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
const segment = (value: unknown) =>
  b64u(utf8(typeof value === 'string' ? value : JSON.stringify(value)))

const SUBTLE: Record<string, AlgorithmIdentifier | EcdsaParams> = {
  EdDSA: 'Ed25519',
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  RS256: 'RSASSA-PKCS1-v1_5',
  HS256: 'HMAC',
}

/** A compact JWS built by hand: any header, any payload bytes, signed with `key` as `alg`. */
async function forge(
  header: Record<string, unknown> | string,
  payload: unknown,
  signer?: { alg: string; key: CryptoKey },
): Promise<string> {
  const input = `${segment(header)}.${segment(payload)}`
  if (!signer) return `${input}.`
  const signature = await crypto.subtle.sign(SUBTLE[signer.alg]!, signer.key, utf8(input))
  return `${input}.${b64u(new Uint8Array(signature))}`
}

const SID = 'AAAAAAAAAAAAAAAAAAAAAA'
const HEADER = { alg: 'EdDSA', kid: 'k1', typ: 'session+jwt' }
const claims = (over: Record<string, unknown> = {}) => ({
  iss: ISS,
  aud: AUD,
  sub: 'u1',
  sid: SID,
  iat: S0,
  exp: S0 + 3600,
  auth_time: S0,
  data: { userId: 'u1' },
  ...over,
})
const ED1 = { alg: 'EdDSA', key: ed1.privateKey }

function setup(
  strategy: Partial<JwtStrategyOptions> = {},
  options: Partial<SessionOptions<Data>> = {},
) {
  const clock = { t: T0 }
  const rejects: RejectReason[] = []
  const jwt = jwtStrategy({
    algorithm: 'EdDSA',
    keys: { current: 'k1', keys: { k1: ed1Jwk } },
    issuer: ISS,
    audience: AUD,
    bearer: true,
    ...strategy,
  })
  const sessions = createSessions<Data>({
    keys: SECRET,
    strategy: jwt,
    now: () => clock.t,
    onReject: (reason) => rejects.push(reason),
    ...options,
  })
  return { jwt, sessions, clock, rejects }
}

type Sessions = ReturnType<typeof setup>['sessions']

async function login(sessions: Sessions, data: Data = { userId: 'u1' }) {
  const session = await sessions.read(null)
  await session.regenerate()
  await session.save(data)
  expect(session.token).toBeDefined()
  return { session, token: session.token! }
}

const cookieOf = (token: string) => `${COOKIE}=${token}`
const bearerOf = (token: string) => new Headers({ authorization: `Bearer ${token}` })

/** Reads `token` as a cookie and as a Bearer token: both must give the same verdict. */
async function readBoth(sessions: Sessions, token: string): Promise<Session<Data>> {
  const viaCookie = await sessions.read(cookieOf(token))
  const viaBearer = await sessions.read(bearerOf(token))
  expect(viaBearer.state).toBe(viaCookie.state)
  expect(viaBearer.reason).toBe(viaCookie.reason)
  return viaCookie
}

async function expectRejected(sessions: Sessions, token: string, reason: RejectReason) {
  const session = await readBoth(sessions, token)
  expect(session.state).not.toBe('active')
  expect(session.reason).toBe(reason)
  expect(session.data).toEqual({})
  expect(session.userId).toBeUndefined()
}

// --- Round trip ---

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

// --- Hostile tokens ---

describe('hostile tokens: an anonymous session with a reason, never an exception', () => {
  test('the forging helper is sound: a well-formed token signed with the real key is active', async () => {
    const { sessions } = setup()
    const token = await forge(HEADER, claims(), ED1)
    const read = await readBoth(sessions, token)
    expect(read.state).toBe('active')
    expect(read.id).toBe(SID)
  })

  test.each(['none', 'None', 'NONE', 'nOnE'])('alg %s', async (alg) => {
    const { sessions } = setup()
    const header = { ...HEADER, alg }
    await expectRejected(sessions, await forge(header, claims()), 'invalid')
    await expectRejected(sessions, `${await forge(header, claims())}AAAA`, 'invalid')
    // Even with a real EdDSA signature over the same input.
    const input = `${segment(header)}.${segment(claims())}`
    const signature = await crypto.subtle.sign('Ed25519', ed1.privateKey, utf8(input))
    await expectRejected(sessions, `${input}.${b64u(new Uint8Array(signature))}`, 'invalid')
  })

  test('empty or truncated signature', async () => {
    const { sessions } = setup()
    const token = await forge(HEADER, claims(), ED1)
    const [h, p] = token.split('.')
    await expectRejected(sessions, `${h}.${p}.`, 'invalid')
    await expectRejected(sessions, `${h}.${p}`, 'invalid')
    await expectRejected(sessions, token.slice(0, -10), 'invalid')
  })

  test.each<[string, JwtAlgorithm, () => JwtKey, () => string]>([
    ['EdDSA (SPKI PEM)', 'EdDSA', () => ed1Jwk, () => ed1Spki],
    ['EdDSA (public JWK JSON)', 'EdDSA', () => ed1Jwk, () => JSON.stringify(ed1PublicJwk)],
    ['ES256 (SPKI PEM)', 'ES256', () => es1Jwk, () => es1Spki],
    ['RS256 (SPKI PEM)', 'RS256', () => rs1Jwk, () => rs1Spki],
    ['RS256 (n)', 'RS256', () => rs1Jwk, () => rs1Jwk.n!],
  ])(
    'HS256 signed with the public key of an %s configuration',
    async (_name, algorithm, key, publicText) => {
      const { sessions } = setup({ algorithm, keys: { current: 'k1', keys: { k1: key() } } })
      const hmac = await crypto.subtle.importKey(
        'raw',
        utf8(publicText()),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      )
      const token = await forge({ ...HEADER, alg: 'HS256' }, claims(), { alg: 'HS256', key: hmac })
      await expectRejected(sessions, token, 'invalid')
    },
  )

  test('an algorithm outside the allowlist, even with a valid signature for it', async () => {
    // EdDSA configuration, ES256 token whose kid names the configured key id.
    const ed = setup()
    await expectRejected(
      ed.sessions,
      await forge({ ...HEADER, alg: 'ES256' }, claims(), { alg: 'ES256', key: es1.privateKey }),
      'invalid',
    )
    // RS256 configuration, token signed with the same RSA key but RS512 / PS256.
    const rs = setup({ algorithm: 'RS256', keys: { current: 'k1', keys: { k1: rs1Jwk } } })
    const rsOk = await forge({ ...HEADER, alg: 'RS256' }, claims(), {
      alg: 'RS256',
      key: rs1.privateKey,
    })
    expect((await rs.sessions.read(cookieOf(rsOk))).state).toBe('active')
    for (const alg of ['RS512', 'PS256']) {
      const pair = await generateKeyPair(alg, { extractable: true })
      const token = await new CompactSign(utf8(JSON.stringify(claims())))
        .setProtectedHeader({ ...HEADER, alg })
        .sign(pair.privateKey)
      await expectRejected(rs.sessions, token, 'invalid')
    }
  })

  describe('header injection', () => {
    let server: Server
    let hits = 0
    let base = ''
    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits++
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ keys: [{ ...(ed1PublicJwk as object), kid: 'evil' }] }))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

    test('jwk, jku, x5u and x5c headers are never used to find a key', async () => {
      const { sessions } = setup()
      const evil = await exportJWK(attacker.publicKey)
      const signer = { alg: 'EdDSA', key: attacker.privateKey }
      const headers = [
        { ...HEADER, jwk: evil },
        { alg: 'EdDSA', typ: 'session+jwt', jwk: evil },
        { ...HEADER, jku: `${base}/jwks.json` },
        { ...HEADER, kid: 'evil', jku: `${base}/jwks.json` },
        { ...HEADER, x5u: `${base}/cert.pem` },
        { ...HEADER, x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
      ]
      for (const header of headers) {
        const token = await forge(header, claims(), signer)
        const read = await readBoth(sessions, token)
        expect(read.state).not.toBe('active')
        expect(['invalid', 'unknown-key']).toContain(read.reason)
      }
      expect(hits).toBe(0)
    })
  })

  test.each([
    ['../x', '../x'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['toString', 'toString'],
    ['hasOwnProperty', 'hasOwnProperty'],
    ['10 KB', 'A'.repeat(10 * 1024)],
    ['empty', ''],
    ['k1 with a NUL', 'k1\u0000'],
  ])('kid %s selects no key, even signed with the real key', async (_name, kid) => {
    const { sessions } = setup()
    for (const key of [ed1.privateKey, attacker.privateKey]) {
      const token = await forge({ ...HEADER, kid }, claims(), { alg: 'EdDSA', key })
      await expectRejected(sessions, token, 'unknown-key')
    }
  })

  test.each([
    ['a number', 1],
    ['an object', { k1: true }],
    ['an array', ['k1']],
    ['null', null],
    ['missing', undefined],
  ])('kid as %s is invalid', async (_name, kid) => {
    const { sessions } = setup()
    await expectRejected(sessions, await forge({ ...HEADER, kid }, claims(), ED1), 'invalid')
  })

  test.each<[string, Record<string, unknown>]>([
    ['missing exp', { exp: undefined }],
    ['missing iat', { iat: undefined }],
    ['missing sid', { sid: undefined }],
    ['missing auth_time', { auth_time: undefined }],
    ['missing data', { data: undefined }],
    ['exp as a string', { exp: String(S0 + 3600) }],
    ['exp "NaN"', { exp: 'NaN' }],
    ['exp 1e300', { exp: 1e300 }],
    ['exp fractional', { exp: S0 + 3600.5 }],
    ['exp beyond 400 days', { exp: S0 + 401 * 24 * 3600 }],
    ['exp as null', { exp: null }],
    ['iat in the future beyond the tolerance', { iat: S0 + 61, auth_time: S0 + 61 }],
    ['iat as a string', { iat: String(S0) }],
    ['iat 1e300', { iat: 1e300 }],
    ['auth_time after iat', { auth_time: S0 + 1 }],
    ['ls after iat', { ls: S0 + 1 }],
    ['ls before auth_time', { ls: S0 - 1 }],
    ['sid too short', { sid: 'abc' }],
    ['sid with a dot', { sid: 'AAAAAAAAAAAAAAAAAAAAA.' }],
    ['sid as a number', { sid: 12 }],
    ['sub as a number', { sub: 42 }],
    ['sub empty', { sub: '' }],
    ['uv negative', { uv: -1 }],
    ['ep as a string', { ep: '1' }],
    ['wrong iss', { iss: 'https://evil.example.com' }],
    ['missing iss', { iss: undefined }],
    ['wrong aud', { aud: 'https://evil.example.com' }],
    ['aud list without ours', { aud: ['a', 'b'] }],
    ['missing aud', { aud: undefined }],
    ['nbf in the future', { nbf: S0 + 10 }],
  ])('%s', async (_name, over) => {
    const { sessions } = setup()
    await expectRejected(sessions, await forge(HEADER, claims(over), ED1), 'invalid')
  })

  test('iat in the future within the tolerance is accepted; expiry has no tolerance', async () => {
    const { sessions } = setup({ clockToleranceSeconds: 60 })
    const ahead = await forge(HEADER, claims({ iat: S0 + 60, auth_time: S0 + 60 }), ED1)
    expect((await sessions.read(cookieOf(ahead))).state).toBe('active')
    const expired = await forge(HEADER, claims({ exp: S0 }), ED1)
    await expectRejected(sessions, expired, 'expired')
    // A negative exp is a NumericDate in the past (RFC 7519 §2): expired, not invalid.
    await expectRejected(sessions, await forge(HEADER, claims({ exp: -1 }), ED1), 'expired')
  })

  test.each<[string, Record<string, unknown>]>([
    ['missing typ', { typ: undefined }],
    ['typ JWT', { typ: 'JWT' }],
    ['typ at+jwt', { typ: 'at+jwt' }],
    ['typ as a number', { typ: 1 }],
    ['crit with an unknown extension', { crit: ['exp'], exp: 1 }],
    ['b64 false', { b64: false, crit: ['b64'] }],
  ])('header: %s', async (_name, over) => {
    const { sessions } = setup()
    await expectRejected(sessions, await forge({ ...HEADER, ...over }, claims(), ED1), 'invalid')
  })

  test('exp beyond the configured maxAge is invalid: a token minted elsewhere with the same key cannot outlive the policy', async () => {
    const clock = { t: T0 }
    const denylist = createMemoryDenylist({ now: () => clock.t })
    const { sessions } = setup({}, { maxAgeSeconds: 3600, denylist, now: () => clock.t })
    // At the policy's bound (exp - auth_time = maxAge): active.
    expect((await sessions.read(cookieOf(await forge(HEADER, claims(), ED1)))).state).toBe('active')
    // Signed with the real key, but for 400 days: refused, or revoke() (TTL maxAge + skew) would
    // forget the revocation while the token still verifies.
    const long = await forge(HEADER, claims({ exp: S0 + 400 * 24 * 3600 }), ED1)
    await expectRejected(sessions, long, 'invalid')
    await expectRejected(sessions, await forge(HEADER, claims({ exp: S0 + 3601 }), ED1), 'invalid')
    // The revocation outlives every token the policy accepts.
    await sessions.revoke(SID)
    clock.t = T0 + 3599_000
    await expectRejected(sessions, await forge(HEADER, claims(), ED1), 'session-revoked')
  })

  test('tokens this app mints stay within the bound, whole or fractional maxAge, any millisecond', async () => {
    for (const maxAgeSeconds of [1, 1.25, 3600, 3600.5, 400 * 24 * 3600]) {
      for (const ms of [0, 1, 499, 500, 999]) {
        const { sessions, clock } = setup({}, { maxAgeSeconds })
        clock.t = T0 + ms
        const { token } = await login(sessions)
        expect((await readBoth(sessions, token)).state).toBe('active')
      }
    }
  })

  test('typ application/session+jwt is the same type (RFC 7515 §4.1.9)', async () => {
    const { sessions } = setup()
    const token = await forge({ ...HEADER, typ: 'application/session+jwt' }, claims(), ED1)
    expect((await sessions.read(cookieOf(token))).state).toBe('active')
  })

  test.each<[string, unknown]>([
    ['an array', '[1,2]'],
    ['a string', '"claims"'],
    ['a number', '123'],
    ['null', 'null'],
    ['true', 'true'],
    ['not JSON', '{"sid":'],
    ['empty', ''],
  ])('payload %s', async (_name, payload) => {
    const { sessions } = setup()
    await expectRejected(sessions, await forge(HEADER, payload, ED1), 'invalid')
  })

  test('payload that is not UTF-8, header that is not JSON', async () => {
    const { sessions } = setup()
    const badUtf8 = `${segment(HEADER)}.${b64u(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}`
    const sig = await crypto.subtle.sign('Ed25519', ed1.privateKey, utf8(badUtf8))
    await expectRejected(sessions, `${badUtf8}.${b64u(new Uint8Array(sig))}`, 'invalid')
    await expectRejected(sessions, await forge('not json', claims(), ED1), 'invalid')
    await expectRejected(sessions, await forge('[]', claims(), ED1), 'invalid')
  })

  test('tampered payload or header: the signature no longer matches', async () => {
    const { sessions } = setup()
    const { token } = await login(sessions, { userId: 'u1' })
    const [h, p, s] = token.split('.') as [string, string, string]
    const payload = decodeJwt(token)
    const promoted = segment({ ...payload, data: { userId: 'u1', role: 'admin' } })
    await expectRejected(sessions, `${h}.${promoted}.${s}`, 'invalid')
    await expectRejected(sessions, `${h}.${segment({ ...payload, sub: 'u2' })}.${s}`, 'invalid')
    await expectRejected(
      sessions,
      `${segment({ ...HEADER, typ: 'application/session+jwt' })}.${p}.${s}`,
      'invalid',
    )
  })

  test('a non-canonical signature encoding is refused (one signature, one token)', async () => {
    const { sessions } = setup()
    const { token } = await login(sessions)
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    // 64-byte signature: the last character carries 2 bits and 4 unused ones.
    const variant = token.slice(0, -1) + A[A.indexOf(token.at(-1)!) ^ 1]
    await expect(jwtVerify(variant, ed1.publicKey)).resolves.toBeDefined() // plain jose: same bytes
    await expectRejected(sessions, variant, 'invalid')
  })

  test('oversize tokens are refused before parsing', async () => {
    const { sessions } = setup({}, { cookie: { maxChunks: 1 } })
    const big = await forge(HEADER, claims({ data: { userId: 'u1', pad: 'x'.repeat(5000) } }), ED1)
    expect(big.length).toBeGreaterThan(4096)
    await expectRejected(sessions, big, 'invalid')
    const huge = 'a'.repeat(1_000_000)
    await expectRejected(sessions, `${huge}.${huge}.${huge}`, 'invalid')
  })

  test('__proto__ in the data never reaches a prototype', async () => {
    const { sessions } = setup()
    const payload = JSON.stringify(claims()).replace(
      '"data":{"userId":"u1"}',
      '"data":{"userId":"u1","__proto__":{"role":"admin"},"x":{"__proto__":{"polluted":1}}}',
    )
    const session = await sessions.read(cookieOf(await forge(HEADER, payload, ED1)))
    expect(session.state).toBe('active')
    const data = session.data as Record<string, unknown>
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype)
    expect(Object.hasOwn(data, '__proto__')).toBe(false)
    expect(data.role).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('property: any one-character change of a valid token is never active and never throws', async () => {
    const { sessions } = setup()
    const { token } = await login(sessions)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.='
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        async (index, char) => {
          fc.pre(token[index] !== char)
          const mutated = token.slice(0, index) + char + token.slice(index + 1)
          const session = await readBoth(sessions, mutated)
          expect(session.state).not.toBe('active')
        },
      ),
      { numRuns: 150 },
    )
  })

  test('property: any string as a token, cookie or Authorization header never throws', async () => {
    const { sessions } = setup()
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (text) => {
        const token = await sessions.read(cookieOf(text))
        expect(token.state).not.toBe('active')
        let headers: Headers
        try {
          headers = new Headers({ authorization: text })
        } catch {
          return // not a valid header value: no request can carry it
        }
        const session = await sessions.read(headers)
        expect(session.state).not.toBe('active')
        const result = await verifySessionToken(text, {
          jwks: { keys: [] },
          algorithms: ['EdDSA'],
          issuer: ISS,
          audience: AUD,
        })
        expect(result.ok).toBe(false)
      }),
      { numRuns: 200 },
    )
  })

  test('every rejection reaches onReject', async () => {
    const { sessions, rejects } = setup()
    await sessions.read(cookieOf(await forge({ ...HEADER, alg: 'none' }, claims())))
    await sessions.read(cookieOf(await forge({ ...HEADER, kid: '__proto__' }, claims(), ED1)))
    await sessions.read(cookieOf(await forge(HEADER, claims({ exp: S0 - 1 }), ED1)))
    expect(rejects).toEqual(['invalid', 'unknown-key', 'expired'])
  })
})

// --- Bearer ---

describe('Bearer', () => {
  test('ignored unless the strategy enables it', async () => {
    const { sessions } = setup({ bearer: false })
    const { token } = await login(sessions)
    const session = await sessions.read(bearerOf(token))
    expect(session.state).toBe('new')
    expect(session.source).toBeUndefined()
    expect((await sessions.read(cookieOf(token))).source).toBe('cookie')
  })

  test('from a Request or Headers; the scheme is case-insensitive; never from the query string', async () => {
    const { sessions } = setup()
    const { token } = await login(sessions)
    for (const authorization of [`Bearer ${token}`, `bearer ${token}`, `BEARER   ${token}`]) {
      const request = new Request('https://api.example.com/me', { headers: { authorization } })
      const session = await sessions.read(request)
      expect(session.state).toBe('active')
      expect(session.source).toBe('bearer')
    }
    for (const url of [
      `https://api.example.com/me?access_token=${token}`,
      `https://api.example.com/me#${token}`,
    ]) {
      const session = await sessions.read(new Request(url))
      expect(session.state).toBe('new')
      expect(session.source).toBeUndefined()
    }
  })

  test.each([
    ['no token', 'Bearer'],
    ['an empty token', 'Bearer '],
    ['two tokens', 'Bearer aaa bbb'],
    ['two headers joined', 'Bearer aaa.bbb.ccc, Bearer ddd.eee.fff'],
    ['a quoted token', 'Bearer "aaa.bbb.ccc"'],
    ['a character outside b64token', 'Bearer aaa.bbb.c;c'],
    ['70 000 characters', `Bearer ${'a'.repeat(70_000)}`],
  ])(
    'a malformed Authorization header (%s) is invalid, with source bearer',
    async (_name, value) => {
      const { sessions, rejects } = setup()
      const session = await sessions.read(new Headers({ authorization: value }))
      expect(session.state).toBe('invalid')
      expect(session.reason).toBe('invalid')
      expect(session.source).toBe('bearer')
      expect(session.writes).toEqual([])
      expect(rejects).toEqual(['invalid'])
    },
  )

  test('another scheme is someone else’s: a new session', async () => {
    const { sessions } = setup()
    for (const value of ['Basic dXNlcjpwYXNz', 'DPoP abc', 'Bearerx abc', 'Token abc']) {
      const session = await sessions.read(new Headers({ authorization: value }))
      expect(session.state).toBe('new')
      expect(session.reason).toBeUndefined()
    }
  })

  test('the session cookie decides when present, valid or not', async () => {
    const { sessions } = setup()
    const a = await login(sessions, { userId: 'a' })
    const b = await login(sessions, { userId: 'b' })
    const both = new Headers({ cookie: cookieOf(a.token), authorization: `Bearer ${b.token}` })
    const session = await sessions.read(both)
    expect(session.state).toBe('active')
    expect(session.userId).toBe('a')
    expect(session.source).toBe('cookie')
    const broken = new Headers({ cookie: `${COOKIE}=garbage`, authorization: `Bearer ${b.token}` })
    const rejected = await sessions.read(broken)
    expect(rejected.state).toBe('invalid')
    expect(rejected.source).toBe('cookie')
    // The broken cookie is cleared, so the next request falls back to Bearer.
    expect(rejected.writes.map((w) => w.options.maxAge)).toEqual([0])
    const malformedBearer = new Headers({ cookie: cookieOf(a.token), authorization: 'Bearer' })
    expect((await sessions.read(malformedBearer)).state).toBe('active')
  })

  test('refresh and rotation of a Bearer session write no cookie; the new token is in session.token', async () => {
    const { sessions, clock } = setup({}, { maxAgeSeconds: 3600, idleTimeoutSeconds: 600 })
    const { token } = await login(sessions)
    clock.t = T0 + 200_000
    const viaBearer = await sessions.read(bearerOf(token))
    expect(viaBearer.state).toBe('active')
    expect(viaBearer.writes).toEqual([])
    expect(viaBearer.token).toBeDefined()
    expect(decodeJwt(viaBearer.token!).iat).toBe(S0 + 200)
    const viaCookie = await sessions.read(cookieOf(token))
    expect(viaCookie.writes).toHaveLength(1)
    // No refresh due: no token issued.
    clock.t = T0 + 210_000
    expect((await sessions.read(bearerOf(viaBearer.token!))).token).toBeUndefined()

    const rotated = setup({ keys: { current: 'k2', keys: { k2: ed2Jwk, k1: ed1PublicJwk } } })
    rotated.clock.t = T0 + 1000
    const stale = await rotated.sessions.read(bearerOf(token))
    expect(stale.writes).toEqual([])
    expect(decodeProtectedHeader(stale.token!).kid).toBe('k2')
  })

  test('save() on a Bearer session is the app asking: it writes the cookie and exposes the token', async () => {
    const { sessions } = setup()
    const { token } = await login(sessions)
    const session = await sessions.read(bearerOf(token))
    if (session.state !== 'active') throw new Error('expected an active session')
    session.data.role = 'editor'
    await session.save()
    expect(session.writes).toHaveLength(1)
    expect(session.writes[0]!.value).toBe(session.token)
    expect(decodeJwt(session.token!).data).toEqual({ userId: 'u1', role: 'editor' })
  })
})

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

// --- Edge runtime ---

describe('edge runtime', () => {
  test('bundled without Node built-ins, it signs, reads Bearer and verifies inside EdgeRuntime', async () => {
    const bundle = (contents: string, format: 'esm' | 'iife') =>
      bundleForEdge(contents, { format, platform: 'neutral' })
    const jwtOnly = await bundle(`export * from './src/jwt/index.ts'`, 'esm')
    // The only "node:" is the run-time lookup of the optional native base64url codec.
    for (const [ref] of jwtOnly.matchAll(/.{0,30}node:[a-z_/]+/g)) {
      expect(ref).toMatch(/getBuiltinModule\?\.\(["']node:buffer$/)
    }
    const code = await bundle(
      `export { createSessions } from './src/session.ts'; export * from './src/jwt/index.ts'`,
      'iife',
    )
    const runtime = new EdgeRuntime({ initialCode: code })
    const result: unknown = await runtime.evaluate(`(async () => {
      const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])
      const jwt = cachet.jwtStrategy({
        algorithm: 'EdDSA', keys: { current: 'k1', keys: { k1: pair } }, issuer: 'i', audience: 'a', bearer: true,
      })
      await jwt.ready
      const sessions = cachet.createSessions({ keys: ${JSON.stringify(SECRET)}, strategy: jwt })
      const session = await sessions.read(null)
      await session.save({ userId: 'u1' })
      const request = new Request('https://x/', { headers: { authorization: 'Bearer ' + session.token } })
      const read = await sessions.read(request)
      const verified = await cachet.verifySessionToken(session.token, {
        jwks: await cachet.exportJWKS(jwt), algorithms: ['EdDSA'], issuer: 'i', audience: 'a',
      })
      const forged = await sessions.read(new Request('https://x/', { headers: { authorization: 'Bearer a.b.c' } }))
      return JSON.stringify({ state: read.state, source: read.source, userId: read.userId, ok: verified.ok, forged: forged.reason })
    })()`)
    expect(JSON.parse(result as string)).toEqual({
      state: 'active',
      source: 'bearer',
      userId: 'u1',
      ok: true,
      forged: 'invalid',
    })
  })
})
