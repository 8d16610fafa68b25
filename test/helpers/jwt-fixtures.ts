// Shared fixtures of the JWT tests (test/jwt/*.test.ts): keys generated once per test file,
// hand-forged tokens, and a session manager with a JWT strategy on an injected clock.

import { exportJWK, exportSPKI, generateKeyPair } from 'jose'
import { expect } from 'vitest'
import { generateSecret } from '../../src/keys.js'
import { jwtStrategy, type JwtStrategyOptions } from '../../src/jwt/index.js'
import {
  createSessions,
  type RejectReason,
  type Session,
  type SessionOptions,
} from '../../src/session/index.js'

// --- Fixtures ---

export type Data = { userId: string; role?: string }
export const SECRET = generateSecret() // createSessions still wants a key ring (unused by the JWT strategy)
export const ISS = 'https://app.example.com'
export const AUD = 'https://api.example.com'
export const T0 = 1_800_000_000_000 // whole seconds, ms
export const S0 = T0 / 1000
export const COOKIE = '__Host-session'

export const ed1 = await generateKeyPair('EdDSA', { extractable: true })
export const ed2 = await generateKeyPair('EdDSA', { extractable: true })
export const attacker = await generateKeyPair('EdDSA', { extractable: true })
export const es1 = await generateKeyPair('ES256', { extractable: true })
export const rs1 = await generateKeyPair('RS256', { extractable: true })
export const ed1Jwk = await exportJWK(ed1.privateKey)
export const ed1PublicJwk = await exportJWK(ed1.publicKey)
export const ed2Jwk = await exportJWK(ed2.privateKey)
export const ed1Spki = await exportSPKI(ed1.publicKey)
export const es1Jwk = await exportJWK(es1.privateKey)
export const es1Spki = await exportSPKI(es1.publicKey)
export const rs1Jwk = await exportJWK(rs1.privateKey)
export const rs1Spki = await exportSPKI(rs1.publicKey)
export const HS_SECRET = generateSecret()

export const utf8 = (text: string) => new TextEncoder().encode(text)
export const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
export const segment = (value: unknown) =>
  b64u(utf8(typeof value === 'string' ? value : JSON.stringify(value)))

export const SUBTLE: Record<string, AlgorithmIdentifier | EcdsaParams> = {
  EdDSA: 'Ed25519',
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  RS256: 'RSASSA-PKCS1-v1_5',
  HS256: 'HMAC',
}

/** A compact JWS built by hand: any header, any payload bytes, signed with `key` as `alg`. */
export async function forge(
  header: Record<string, unknown> | string,
  payload: unknown,
  signer?: { alg: string; key: CryptoKey },
): Promise<string> {
  const input = `${segment(header)}.${segment(payload)}`
  if (!signer) return `${input}.`
  const signature = await crypto.subtle.sign(SUBTLE[signer.alg]!, signer.key, utf8(input))
  return `${input}.${b64u(new Uint8Array(signature))}`
}

export const SID = 'AAAAAAAAAAAAAAAAAAAAAA'
export const HEADER = { alg: 'EdDSA', kid: 'k1', typ: 'session+jwt' }
export const claims = (over: Record<string, unknown> = {}) => ({
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
export const ED1 = { alg: 'EdDSA', key: ed1.privateKey }

export function setup(
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

export type Sessions = ReturnType<typeof setup>['sessions']

export async function login(sessions: Sessions, data: Data = { userId: 'u1' }) {
  const session = await sessions.read(null)
  await session.regenerate()
  await session.save(data)
  expect(session.token).toBeDefined()
  return { session, token: session.token! }
}

export const cookieOf = (token: string) => `${COOKIE}=${token}`
export const bearerOf = (token: string) => new Headers({ authorization: `Bearer ${token}` })

/** Reads `token` as a cookie and as a Bearer token: both must give the same verdict. */
export async function readBoth(sessions: Sessions, token: string): Promise<Session<Data>> {
  const viaCookie = await sessions.read(cookieOf(token))
  const viaBearer = await sessions.read(bearerOf(token))
  expect(viaBearer.state).toBe(viaCookie.state)
  expect(viaBearer.reason).toBe(viaCookie.reason)
  return viaCookie
}

export async function expectRejected(sessions: Sessions, token: string, reason: RejectReason) {
  const session = await readBoth(sessions, token)
  expect(session.state).not.toBe('active')
  expect(session.reason).toBe(reason)
  expect(session.data).toEqual({})
  expect(session.userId).toBeUndefined()
}

// --- Round trip ---
