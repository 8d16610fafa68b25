// Hostile tokens: every malformed, forged or foreign token gives an anonymous session with a
// reason, never an exception.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { CompactSign, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMemoryDenylist } from '../../src/denylist/index.js'
import { verifySessionToken, type JwtAlgorithm, type JwtKey } from '../../src/jwt/index.js'
import {
  ISS,
  AUD,
  T0,
  S0,
  ed1,
  attacker,
  es1,
  rs1,
  ed1Jwk,
  ed1PublicJwk,
  ed1Spki,
  es1Jwk,
  es1Spki,
  rs1Jwk,
  rs1Spki,
  utf8,
  b64u,
  segment,
  forge,
  SID,
  HEADER,
  claims,
  ED1,
  setup,
  login,
  cookieOf,
  readBoth,
  expectRejected,
} from '../helpers/jwt-fixtures.js'

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
    // Stamped with the store's generation, as a token this app minted would be.
    const { generation: gen } = await denylist.current(undefined)
    const stamped = (over: Record<string, unknown> = {}) => claims({ gen, ...over })
    // At the policy's bound (exp - auth_time = maxAge): active.
    expect((await sessions.read(cookieOf(await forge(HEADER, stamped(), ED1)))).state).toBe(
      'active',
    )
    // Signed with the real key, but for 400 days: refused, or revoke() (TTL maxAge + skew) would
    // forget the revocation while the token still verifies.
    const long = await forge(HEADER, stamped({ exp: S0 + 400 * 24 * 3600 }), ED1)
    await expectRejected(sessions, long, 'invalid')
    await expectRejected(sessions, await forge(HEADER, stamped({ exp: S0 + 3601 }), ED1), 'invalid')
    // The revocation outlives every token the policy accepts.
    await sessions.revoke(SID)
    clock.t = T0 + 3599_000
    await expectRejected(sessions, await forge(HEADER, stamped(), ED1), 'session-revoked')
  })

  // A fractional maxAge is refused at construction (issue 9.6, test/session.test.ts).
  test('tokens this app mints stay within the bound, any maxAge, any millisecond', async () => {
    for (const maxAgeSeconds of [1, 2, 3599, 3600, 400 * 24 * 3600]) {
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
