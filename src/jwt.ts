/**
 * JWT sessions: the same sessions as the sealed cookie (lifetimes, rolling refresh, key rotation,
 * revocation), encoded as a signed JWT (JWS compact serialization, RFC 7515/7519) with `jose`, so
 * that other services can verify them from a JWKS without sharing a secret.
 *
 * - {@link jwtStrategy} plugs into `createSessions({ strategy })`.
 * - {@link exportJWKS} serves the public keys (`/.well-known/jwks.json`).
 * - {@link verifySessionToken} verifies a token in another service from a JWKS or its URL.
 *
 * A JWT is signed, not encrypted: anyone holding the token reads its claims and data. Put in the
 * session only what the client and every verifier may see; use the sealed cookie otherwise.
 *
 * Claims: `iss`, `aud`, `sub` (user id), `sid` (session id), `iat`, `exp`, `auth_time` (session
 * creation), `ls` (last seen, only when it differs from `iat`), `uv`/`ep` (revocation user
 * version and epoch, with a denylist) and `data` (the session data). Header: `alg`, `kid`, `typ`.
 * Times are NumericDates (RFC 7519 §2): whole seconds, so a JWT session ends up to one second
 * before the millisecond the sealed cookie would.
 *
 * @module
 */

import {
  CompactSign,
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  importJWK,
  importPKCS8,
  importSPKI,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { MAX_COOKIE_AGE_SECONDS } from './cookie.js'
import type { Denylist, RevocationStatus } from './denylist.js'
import { SessionError, isSessionError } from './errors.js'
import { createKeyRing } from './keys.js'
import type { DecodeResult, SessionEnvelope, SessionStrategy, StrategyContext } from './session.js'
import { fromBase64url, toBase64url, utf8 } from './_internal/bytes.js'
import { parseJson, stringifyJson } from './_internal/json.js'
import { checkRevocation } from './_internal/revocation.js'

// --- Types ---

/** Signature algorithms cachet signs and verifies with (RFC 7518 §3.1, RFC 8037 §3.1). */
export type JwtAlgorithm = 'EdDSA' | 'ES256' | 'RS256' | 'HS256'

/** The asymmetric algorithms: the ones another service can verify from a public JWKS. */
export type JwtPublicAlgorithm = Exclude<JwtAlgorithm, 'HS256'>

/**
 * One key of a JWT key ring, in a format every runtime imports (no Node `KeyObject`):
 *
 * - a JWK (`{ kty, … }`): private (with `d`) or public;
 * - a `CryptoKey`, or a `CryptoKeyPair` (`{ privateKey, publicKey }`, as `generateKeyPair` returns);
 * - a PEM string: `-----BEGIN PRIVATE KEY-----` (PKCS #8) or `-----BEGIN PUBLIC KEY-----` (SPKI);
 * - for HS256 only, a secret: a string or bytes carrying 32+ random bytes (the rules of
 *   `createKeyRing`), or an `oct` JWK. The key is the string's UTF-8 bytes, as in `jose`.
 */
export type JwtKey = JWK | CryptoKey | CryptoKeyPair | string | Uint8Array

/** The keys of a JWT strategy: `current` signs, every key verifies. */
export interface JwtKeyRingOptions {
  /** The key id that signs new tokens. Its key must be private (or the HS256 secret). */
  current: string
  /**
   * Key id → key. Ids are 1–64 characters of `[A-Za-z0-9._~-]` and appear as `kid` in every
   * token. Keys other than `current` only verify: they may be public keys.
   */
  keys: Readonly<Record<string, JwtKey>>
}

/** Options of {@link jwtStrategy}. */
export interface JwtStrategyOptions {
  /** The one algorithm tokens are signed and verified with (the allowlist is exactly this). */
  algorithm: JwtAlgorithm
  /** Keys by id, with the current (signing) key named. */
  keys: JwtKeyRingOptions
  /** `iss` of minted tokens; tokens with another `iss` are rejected. */
  issuer: string
  /** `aud` of minted tokens; a token must name at least one of these. */
  audience: string | readonly string[]
  /** The `typ` header (RFC 8725 §3.11 explicit typing). Default `'session+jwt'`. */
  typ?: string
  /**
   * How far in the future `iat` may be (clocks of instances differ), 0–300 seconds. Default 60.
   * Expiry is exact, as with the sealed cookie: no tolerance extends a session's lifetime.
   */
  clockToleranceSeconds?: number
  /**
   * Also read `Authorization: Bearer <token>` when the request carries no session cookie (the
   * cookie decides when present). Never read from a query string. Default `false`.
   */
  bearer?: boolean
}

/**
 * A JWT strategy: pass it as `strategy` to `createSessions`. It also carries a `ready` promise
 * that settles when every key is imported.
 */
export interface JwtStrategy {
  /** The factory `createSessions` calls. */
  (context: StrategyContext): SessionStrategy
  /** The signing algorithm. */
  readonly algorithm: JwtAlgorithm
  /** The key id that signs. */
  readonly currentKid: string
  /** Whether `Authorization: Bearer` is read. */
  readonly bearer: boolean
  /**
   * Imports every key (once) and resolves, or rejects with `ERR_KEY_RING_INVALID` /
   * `ERR_KEY_WEAK` when a key that passed the synchronous checks fails to import (for instance a
   * PEM of another key type). Await it at startup to fail before the first request.
   */
  readonly ready: Promise<void>
}

/** Why {@link verifySessionToken} refused a token. */
export type TokenRejectReason =
  /** Malformed, oversize, tampered with, wrong algorithm, `iss`, `aud` or `typ`, bad claims. */
  | 'invalid'
  /** Past `exp`. */
  | 'expired'
  /** Its `kid` names no key of the JWKS. */
  | 'unknown-key'
  /** The remote JWKS could not be fetched. */
  | 'jwks-unavailable'
  /** Revoked, when a denylist is given. */
  | Exclude<RevocationStatus, 'ok'>
  /** The denylist could not be asked (fail-closed default). */
  | 'denylist-unavailable'

/** The verified claims of a session token, with times in ms since the epoch. */
export interface SessionTokenClaims {
  /** `sid`. */
  readonly sessionId: string
  /** `sub`, when the session names a user. */
  readonly userId: string | undefined
  /** `data`: the session data (`__proto__` keys removed). */
  readonly data: unknown
  /** `iat`. */
  readonly issuedAtMs: number
  /** `exp`. */
  readonly expiresAtMs: number
  /** `auth_time`: when the session was created (login). */
  readonly createdAtMs: number
  /** `ls`, or `iat` when absent. */
  readonly lastSeenMs: number
  /** `uv`: the user's revocation version, with a denylist. */
  readonly userVersion: number | undefined
  /** `ep`: the global revocation epoch, with a denylist. */
  readonly epoch: number | undefined
  /** The `kid` of the key that verified the token. */
  readonly kid: string
  /** Every verified claim, as sent. */
  readonly payload: JWTPayload
}

/** The outcome of {@link verifySessionToken}. */
export type VerifySessionTokenResult =
  | { readonly ok: true; readonly claims: SessionTokenClaims }
  | { readonly ok: false; readonly reason: TokenRejectReason }

/** Options of {@link verifySessionToken}. */
export interface VerifySessionTokenOptions {
  /**
   * The issuer's public keys: a JWKS object (e.g. the output of {@link exportJWKS}), the URL of
   * a JWKS (fetched and cached by jose `createRemoteJWKSet`: 10-minute cache, 30-second cooldown,
   * 5-second timeout; one set per URL), or a key-set function from jose `createLocalJWKSet` /
   * `createRemoteJWKSet` with your own settings. A JWKS object is read again when its `keys` list
   * is replaced or changes length. A JWKS object holding a private member (`d`,
   * `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`) is refused with `ERR_KEY_RING_INVALID`.
   */
  jwks: JSONWebKeySet | URL | JWTVerifyGetKey
  /** The allowed algorithms: asymmetric only. */
  algorithms: readonly JwtPublicAlgorithm[]
  /** The expected `iss`. */
  issuer: string
  /** The token must name at least one of these in `aud`. */
  audience: string | readonly string[]
  /** The expected `typ` header. Default `'session+jwt'`. */
  typ?: string
  /** How far in the future `iat` may be, 0–300 seconds. Default 60. */
  clockToleranceSeconds?: number
  /** Longest token accepted, checked before parsing. Default 16,384 characters. */
  maxTokenLength?: number
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number
  /** Optional: check revocation in the issuer's denylist (`cachet/denylist`). */
  denylist?: Denylist
  /** With a denylist that fails: `'deny'` (default, fail closed) or `'allow'`. */
  onDenylistError?: 'deny' | 'allow'
}

// --- Constants ---

/** The default `typ` header of session tokens. */
export const DEFAULT_JWT_TYP = 'session+jwt'
/** Default cap on the length of a token given to {@link verifySessionToken}. */
export const DEFAULT_MAX_TOKEN_LENGTH = 16_384

const ALGORITHMS: readonly JwtAlgorithm[] = ['EdDSA', 'ES256', 'RS256', 'HS256']
const KID = /^[A-Za-z0-9._~-]{1,64}$/
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/
// RFC 7515 §7.1: three base64url segments; an empty signature is refused here already.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
// RFC 6838 §4.2 restricted-name, optionally with a subtype (RFC 7515 §4.1.9 allows both forms).
const TYP = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})?$/
// A session lives at most 400 days (RFC 6265bis §5.6.2 cap, kept for JWTs); +1 s for rounding.
const MAX_LIFETIME_SECONDS = MAX_COOKIE_AGE_SECONDS + 1
const MAX_TOLERANCE_SECONDS = 300
const DEFAULT_TOLERANCE_SECONDS = 60
const MIN_RSA_BITS = 2048
const MIN_SECRET_BYTES = 32

interface Family {
  readonly kty: 'OKP' | 'EC' | 'RSA' | 'oct'
  readonly crv?: string
  /** `CryptoKey.algorithm.name` (WebCrypto). */
  readonly subtle: string
  /** JWK members of the public key, then the private-only ones (RFC 7517/7518/8037). */
  readonly publicMembers: readonly string[]
  readonly privateMembers: readonly string[]
}

const FAMILIES: Readonly<Record<JwtAlgorithm, Family>> = {
  EdDSA: {
    kty: 'OKP',
    crv: 'Ed25519',
    subtle: 'Ed25519',
    publicMembers: ['kty', 'crv', 'x'],
    privateMembers: ['d'],
  },
  ES256: {
    kty: 'EC',
    crv: 'P-256',
    subtle: 'ECDSA',
    publicMembers: ['kty', 'crv', 'x', 'y'],
    privateMembers: ['d'],
  },
  RS256: {
    kty: 'RSA',
    subtle: 'RSASSA-PKCS1-v1_5',
    publicMembers: ['kty', 'n', 'e'],
    privateMembers: ['d', 'p', 'q', 'dp', 'dq', 'qi'],
  },
  HS256: { kty: 'oct', subtle: 'HMAC', publicMembers: [], privateMembers: ['k'] },
}

// Exact base64url lengths of fixed-size members: 32-byte Ed25519 and P-256 coordinates/scalars.
const FIXED_MEMBER_LENGTH: Readonly<Record<string, number>> = { x: 43, y: 43, d: 43 }

// --- Errors ---

function ringError(message: string, cause?: unknown): never {
  throw new SessionError(
    'ERR_KEY_RING_INVALID',
    message,
    cause === undefined ? undefined : { cause },
  )
}

function weakError(message: string): never {
  throw new SessionError('ERR_KEY_WEAK', message)
}

function optionError(message: string): never {
  throw new SessionError('ERR_SESSION_OPTIONS', message)
}

// --- Key specs (synchronous checks) and loading (asynchronous import) ---

interface LoadedKey {
  /** Only the current key signs. */
  readonly signKey: CryptoKey | undefined
  readonly verifyKey: CryptoKey
  /** Public JWK (no kid/alg/use); undefined for HS256. */
  readonly publicJwk: JWK | undefined
}

interface KeySpec {
  readonly canSign: boolean
  /** Identifies the key material, to refuse one key under two ids (not a secret in logs: never printed). */
  readonly fingerprint: string | undefined
  readonly load: () => Promise<LoadedKey>
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

// Symbol.toStringTag works across realms (edge-runtime VMs), where instanceof does not.
const isCryptoKey = (value: unknown): value is CryptoKey =>
  isObject(value) &&
  (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'CryptoKey'

const isCryptoKeyPair = (value: unknown): value is CryptoKeyPair =>
  isObject(value) && isCryptoKey(value.privateKey) && isCryptoKey(value.publicKey)

function pick(jwk: Record<string, unknown>, members: readonly string[]): JWK {
  const out: Record<string, unknown> = {}
  for (const member of members) if (jwk[member] !== undefined) out[member] = jwk[member]
  return out
}

/** Checks a CryptoKey's algorithm against the configured one (RFC 7518 §3.1 ↔ WebCrypto names). */
function checkCryptoKey(
  kid: string,
  key: CryptoKey,
  algorithm: JwtAlgorithm,
  usage: KeyUsage,
): void {
  const family = FAMILIES[algorithm]
  const alg = key.algorithm as KeyAlgorithm & {
    namedCurve?: string
    hash?: { name?: string }
    modulusLength?: number
    length?: number
  }
  if (alg.name !== family.subtle)
    ringError(`key "${kid}": a ${alg.name} CryptoKey cannot be used with ${algorithm}`)
  if (algorithm === 'ES256' && alg.namedCurve !== 'P-256')
    ringError(`key "${kid}": ES256 needs a P-256 key`)
  if ((algorithm === 'RS256' || algorithm === 'HS256') && alg.hash?.name !== 'SHA-256') {
    ringError(`key "${kid}": ${algorithm} needs a SHA-256 key`)
  }
  if (algorithm === 'RS256' && (alg.modulusLength ?? 0) < MIN_RSA_BITS) {
    weakError(`key "${kid}": RS256 needs a modulus of at least 2048 bits`)
  }
  if (algorithm === 'HS256' && (alg.length ?? 0) < MIN_SECRET_BYTES * 8) {
    weakError(`key "${kid}": an HS256 key must carry at least 32 bytes`)
  }
  if (!key.usages.includes(usage))
    ringError(`key "${kid}": the CryptoKey does not allow "${usage}"`)
}

async function importHmac(bytes: Uint8Array, usages: KeyUsage[]): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    bytes as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    usages,
  )
}

function secretSpec(kid: string, input: unknown): KeySpec {
  let bytes: Uint8Array
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      // The same strength rules as the sealed cookie's secrets (keys.ts).
      createKeyRing(input)
    } catch (error) {
      if (isSessionError(error))
        throw new SessionError(error.code, `key "${kid}": ${error.message}`, { cause: error })
      throw error
    }
    bytes = typeof input === 'string' ? utf8(input) : input.slice()
  } else if (isCryptoKey(input)) {
    if (input.type !== 'secret') ringError(`key "${kid}": HS256 needs a secret key`)
    checkCryptoKey(kid, input, 'HS256', 'verify')
    const key = input
    return {
      canSign: key.usages.includes('sign'),
      fingerprint: undefined,
      load: () => Promise.resolve({ signKey: key, verifyKey: key, publicJwk: undefined }),
    }
  } else if (isObject(input) && typeof input.kty === 'string') {
    if (input.kty !== 'oct') ringError(`key "${kid}": HS256 needs an "oct" JWK`)
    checkJwkMetadata(kid, input, 'HS256')
    const k = typeof input.k === 'string' ? fromBase64url(input.k) : undefined
    if (!k) ringError(`key "${kid}": the "k" member must be base64url`)
    if (k.length < MIN_SECRET_BYTES)
      weakError(`key "${kid}": an HS256 key must carry at least 32 bytes`)
    bytes = k
  } else {
    return ringError(
      `key "${kid}": HS256 needs a secret (string or bytes), an "oct" JWK or an HMAC CryptoKey`,
    )
  }
  const material = bytes
  return {
    canSign: true,
    fingerprint: `oct:${toBase64url(material)}`,
    load: async () => {
      const key = await importHmac(material, ['sign', 'verify'])
      return { signKey: key, verifyKey: key, publicJwk: undefined }
    },
  }
}

/** `alg`, `use`, `kid` of a configured JWK must agree with the configuration when present. */
function checkJwkMetadata(
  kid: string,
  jwk: Record<string, unknown>,
  algorithm: JwtAlgorithm,
): void {
  if (jwk.alg !== undefined && jwk.alg !== algorithm)
    ringError(`key "${kid}": the JWK's "alg" is not ${algorithm}`)
  if (jwk.use !== undefined && jwk.use !== 'sig')
    ringError(`key "${kid}": the JWK's "use" is not "sig"`)
  if (jwk.kid !== undefined && jwk.kid !== kid)
    ringError(`key "${kid}": the JWK's "kid" differs from its id`)
}

function jwkSpec(kid: string, jwk: Record<string, unknown>, algorithm: JwtAlgorithm): KeySpec {
  const family = FAMILIES[algorithm]
  if (jwk.kty !== family.kty || (family.crv !== undefined && jwk.crv !== family.crv)) {
    ringError(
      `key "${kid}": ${algorithm} needs a ${family.kty}${family.crv ? ` ${family.crv}` : ''} JWK`,
    )
  }
  checkJwkMetadata(kid, jwk, algorithm)
  const isPrivate = jwk.d !== undefined
  const members = isPrivate
    ? [...family.publicMembers, ...family.privateMembers]
    : family.publicMembers
  for (const member of members) {
    if (member === 'kty' || member === 'crv') continue
    const value = jwk[member]
    const bytes = typeof value === 'string' ? fromBase64url(value) : undefined
    if (!bytes || bytes.length === 0)
      ringError(`key "${kid}": the JWK member "${member}" must be base64url`)
    const fixed = FIXED_MEMBER_LENGTH[member]
    if (algorithm !== 'RS256' && fixed !== undefined && (value as string).length !== fixed) {
      ringError(`key "${kid}": the JWK member "${member}" has the wrong length`)
    }
    if (member === 'n') {
      // RFC 7518 §3.3: a key of size 2048 bits or larger MUST be used with RS256.
      const bits = (bytes.length - (bytes[0] === 0 ? 1 : 0)) * 8
      if (bits < MIN_RSA_BITS)
        weakError(`key "${kid}": RS256 needs a modulus of at least 2048 bits`)
    }
  }
  const publicJwk = pick(jwk, family.publicMembers)
  const privateJwk = isPrivate ? pick(jwk, members) : undefined
  return {
    canSign: isPrivate,
    // Members checked above are strings: the public key identifies the key.
    fingerprint: JSON.stringify(publicJwk),
    load: async () => {
      const verifyKey = (await importJWK(publicJwk, algorithm)) as CryptoKey
      const signKey = privateJwk
        ? ((await importJWK(privateJwk, algorithm)) as CryptoKey)
        : undefined
      return { signKey, verifyKey, publicJwk }
    },
  }
}

const PEM = /^-----BEGIN (PRIVATE KEY|PUBLIC KEY)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----$/

function pemSpec(kid: string, input: string, algorithm: JwtAlgorithm): KeySpec {
  const pem = input.trim()
  const match = PEM.exec(pem)
  if (!match) {
    ringError(
      `key "${kid}": a PEM key must be PKCS #8 ("BEGIN PRIVATE KEY") or SPKI ("BEGIN PUBLIC KEY"); ` +
        'convert others with `openssl pkcs8 -topk8 -nocrypt` or `openssl pkey -pubout`',
    )
  }
  const isPrivate = match[1] === 'PRIVATE KEY'
  const family = FAMILIES[algorithm]
  return {
    canSign: isPrivate,
    fingerprint: undefined,
    load: async () => {
      if (isPrivate) {
        const extractable = await importPKCS8(pem, algorithm, { extractable: true })
        const full = (await exportJWK(extractable)) as Record<string, unknown>
        const publicJwk = pick(full, family.publicMembers)
        const [signKey, verifyKey] = await Promise.all([
          importPKCS8(pem, algorithm),
          importJWK(publicJwk, algorithm) as Promise<CryptoKey>,
        ])
        return { signKey, verifyKey, publicJwk }
      }
      const verifyKey = await importSPKI(pem, algorithm, { extractable: true })
      return {
        signKey: undefined,
        verifyKey,
        publicJwk: pick(await exportJWK(verifyKey), family.publicMembers),
      }
    },
  }
}

function cryptoKeySpec(
  kid: string,
  input: CryptoKey | CryptoKeyPair,
  algorithm: JwtAlgorithm,
): KeySpec {
  const family = FAMILIES[algorithm]
  const pair = isCryptoKeyPair(input) ? input : undefined
  const privateKey = pair
    ? pair.privateKey
    : (input as CryptoKey).type === 'private'
      ? (input as CryptoKey)
      : undefined
  const publicKey = pair
    ? pair.publicKey
    : (input as CryptoKey).type === 'public'
      ? (input as CryptoKey)
      : undefined
  if (!privateKey && !publicKey)
    ringError(`key "${kid}": ${algorithm} needs a private or public key`)
  if (pair && (privateKey!.type !== 'private' || publicKey!.type !== 'public')) {
    ringError(`key "${kid}": a key pair needs a private and a public key`)
  }
  if (privateKey) checkCryptoKey(kid, privateKey, algorithm, 'sign')
  if (publicKey) {
    checkCryptoKey(kid, publicKey, algorithm, 'verify')
    if (!publicKey.extractable)
      ringError(`key "${kid}": the public CryptoKey must be extractable (for the JWKS)`)
  } else if (!privateKey!.extractable) {
    ringError(
      `key "${kid}": pass the CryptoKeyPair, or an extractable private key, so that the public key is known`,
    )
  }
  return {
    canSign: privateKey !== undefined,
    fingerprint: undefined,
    load: async () => {
      if (publicKey) {
        const publicJwk = pick(await exportJWK(publicKey), family.publicMembers)
        return { signKey: privateKey, verifyKey: publicKey, publicJwk }
      }
      const publicJwk = pick(await exportJWK(privateKey!), family.publicMembers)
      const verifyKey = (await importJWK(publicJwk, algorithm)) as CryptoKey
      return { signKey: privateKey, verifyKey, publicJwk }
    },
  }
}

function keySpec(kid: string, input: unknown, algorithm: JwtAlgorithm): KeySpec {
  if (algorithm === 'HS256') return secretSpec(kid, input)
  if (typeof input === 'string') return pemSpec(kid, input, algorithm)
  if (isCryptoKey(input) || isCryptoKeyPair(input)) return cryptoKeySpec(kid, input, algorithm)
  if (isObject(input) && typeof input.kty === 'string') return jwkSpec(kid, input, algorithm)
  return ringError(`key "${kid}": expected a JWK, a CryptoKey or CryptoKeyPair, or a PEM string`)
}

// --- Configuration ---

interface Config {
  readonly algorithm: JwtAlgorithm
  readonly current: string
  readonly specs: ReadonlyMap<string, KeySpec>
  readonly issuer: string
  readonly audience: readonly string[]
  /** `aud` as minted: a string for one audience (RFC 7519 §4.1.3). */
  readonly audienceClaim: string | readonly string[]
  readonly typ: string
  readonly toleranceSeconds: number
  readonly bearer: boolean
}

function checkIssuer(issuer: unknown): string {
  if (typeof issuer !== 'string' || issuer.length === 0 || issuer.length > 1024) {
    optionError('issuer must be a non-empty string (at most 1024 characters)')
  }
  return issuer
}

function checkAudience(audience: unknown): readonly string[] {
  const list: unknown[] =
    typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : []
  if (
    list.length === 0 ||
    list.length > 32 ||
    list.some((a) => typeof a !== 'string' || a.length === 0 || a.length > 1024)
  ) {
    optionError('audience must be a non-empty string or a list of 1-32 non-empty strings')
  }
  return Object.freeze([...(list as string[])])
}

function checkTyp(typ: unknown): string {
  const value = typ ?? DEFAULT_JWT_TYP
  if (typeof value !== 'string' || !TYP.test(value) || value.toLowerCase() === 'jwt') {
    // Plain "JWT" would make any JWT of this issuer pass as a session (RFC 8725 §3.11).
    optionError('typ must be a media type such as "session+jwt" (not plain "JWT")')
  }
  return value
}

function checkTolerance(value: unknown): number {
  const seconds = value ?? DEFAULT_TOLERANCE_SECONDS
  if (
    typeof seconds !== 'number' ||
    !Number.isFinite(seconds) ||
    seconds < 0 ||
    seconds > MAX_TOLERANCE_SECONDS
  ) {
    optionError('clockToleranceSeconds must be a number from 0 to 300')
  }
  return seconds
}

function checkConfig(options: JwtStrategyOptions): Config {
  if (!isObject(options)) optionError('jwtStrategy needs an options object')
  const { algorithm, keys } = options
  if (typeof algorithm !== 'string' || !ALGORITHMS.includes(algorithm)) {
    optionError('algorithm must be one of EdDSA, ES256, RS256, HS256')
  }
  const issuer = checkIssuer(options.issuer)
  const audience = checkAudience(options.audience)
  const typ = checkTyp(options.typ)
  const toleranceSeconds = checkTolerance(options.clockToleranceSeconds)
  const bearer = options.bearer ?? false
  if (typeof bearer !== 'boolean') optionError('bearer must be a boolean')
  if (!isObject(keys) || !isObject(keys.keys))
    ringError('keys must be { current, keys: { kid: key } }')
  const entries = Object.entries(keys.keys)
  if (entries.length === 0) ringError('keys.keys needs at least one key')
  const { current } = keys
  if (typeof current !== 'string' || !Object.hasOwn(keys.keys, current))
    ringError('keys.current must name one of keys.keys')
  // A Map, never a plain object: a kid from a token ("__proto__", "constructor") must not reach
  // Object.prototype.
  const specs = new Map<string, KeySpec>()
  const fingerprints = new Set<string>()
  for (const [kid, input] of entries) {
    if (!KID.test(kid)) ringError('a key id must be 1-64 characters of [A-Za-z0-9._~-]')
    const spec = keySpec(kid, input, algorithm)
    if (kid === current && !spec.canSign)
      ringError(`key "${kid}": the current key must be able to sign (a private key)`)
    if (spec.fingerprint !== undefined) {
      if (fingerprints.has(spec.fingerprint))
        ringError(`key "${kid}": the same key is used under two ids`)
      fingerprints.add(spec.fingerprint)
    }
    specs.set(kid, spec)
  }
  return {
    algorithm,
    current,
    specs,
    issuer,
    audience,
    audienceClaim: audience.length === 1 ? audience[0]! : audience,
    typ,
    toleranceSeconds,
    bearer,
  }
}

async function loadKeys(config: Config): Promise<ReadonlyMap<string, LoadedKey>> {
  const loaded = new Map<string, LoadedKey>()
  await Promise.all(
    [...config.specs].map(async ([kid, spec]) => {
      let key: LoadedKey
      try {
        key = await spec.load()
      } catch (cause) {
        if (isSessionError(cause)) throw cause
        ringError(`key "${kid}": the key could not be imported for ${config.algorithm}`, cause)
      }
      if (config.algorithm === 'RS256') {
        const bits = (key.verifyKey.algorithm as RsaHashedKeyAlgorithm).modulusLength
        if (bits < MIN_RSA_BITS)
          weakError(`key "${kid}": RS256 needs a modulus of at least 2048 bits`)
      }
      loaded.set(kid, key)
    }),
  )
  return loaded
}

// --- Claims ---

// The claims as read, before the kid and the raw payload are attached.
type ParsedClaims = Omit<SessionTokenClaims, 'kid' | 'payload'>

const isSeconds = (value: unknown): value is number =>
  typeof value === 'number' &&
  Number.isSafeInteger(value) &&
  value >= 0 &&
  Number.isSafeInteger(value * 1000)

const isCounter = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/**
 * The session claims of a payload jose verified (signature, alg, iss, aud, typ, exp), or
 * undefined. jose accepts any number as a NumericDate; sessions need whole seconds within the
 * lifetime (`exp - auth_time`, at most `maxLifetimeSeconds`), `iat` not in the future beyond the
 * tolerance, and ordered times.
 */
function parseClaims(payload: JWTPayload, params: VerifyParams): ParsedClaims | undefined {
  const { nowMs, toleranceSeconds, maxLifetimeSeconds } = params
  const {
    sid,
    sub,
    iat,
    exp,
    auth_time: createdAt,
    ls,
    uv,
    ep,
  } = payload as Record<string, unknown>
  if (typeof sid !== 'string' || !SESSION_ID.test(sid)) return undefined
  if (sub !== undefined && (typeof sub !== 'string' || sub.length === 0)) return undefined
  if (!isSeconds(iat) || !isSeconds(exp) || !isSeconds(createdAt)) return undefined
  // RFC 7519 §4.1.6: iat is when the token was issued; one from the future is forged or skewed.
  if (iat * 1000 > nowMs + toleranceSeconds * 1000) return undefined
  // A token signed with our key but for longer than the sessions' maxAge (minted elsewhere, or
  // before maxAge was lowered) would outlive the policy and a revocation's TTL (maxAge + skew).
  if (createdAt > iat || exp - createdAt > maxLifetimeSeconds) return undefined
  const lastSeen = ls === undefined ? iat : ls
  if (!isSeconds(lastSeen) || lastSeen < createdAt || lastSeen > iat) return undefined
  if ((uv !== undefined && !isCounter(uv)) || (ep !== undefined && !isCounter(ep))) return undefined
  if (!Object.hasOwn(payload, 'data')) return undefined
  let data: unknown
  try {
    // Values from JSON.parse may hold own "__proto__" keys; drop them as the sealed cookie does.
    data = parseJson(JSON.stringify(payload.data))
  } catch {
    return undefined
  }
  return {
    sessionId: sid,
    userId: sub,
    issuedAtMs: iat * 1000,
    expiresAtMs: exp * 1000,
    createdAtMs: createdAt * 1000,
    lastSeenMs: lastSeen * 1000,
    userVersion: uv,
    epoch: ep,
    data,
  }
}

type VerifyOutcome =
  | {
      readonly ok: true
      readonly claims: ParsedClaims
      readonly kid: string
      readonly payload: JWTPayload
    }
  | {
      readonly ok: false
      readonly reason: 'invalid' | 'expired' | 'unknown-key' | 'jwks-unavailable'
    }

interface VerifyParams {
  readonly algorithms: readonly string[]
  readonly issuer: string
  readonly audience: readonly string[]
  readonly typ: string
  readonly toleranceSeconds: number
  readonly maxTokenLength: number
  /** Longest `exp - auth_time` accepted, in seconds. */
  readonly maxLifetimeSeconds: number
  readonly nowMs: number
}

const INVALID = { ok: false, reason: 'invalid' } as const

/**
 * Verifies a compact JWS with keys from `resolve` only. Never throws. `resolve` gets the `kid`
 * (a string, any content) and returns a key, `'unknown'`, or throws for an unavailable key set.
 */
async function verifyToken(
  token: unknown,
  params: VerifyParams,
  resolve: (
    kid: string,
    header: Parameters<JWTVerifyGetKey>[0],
    jws: Parameters<JWTVerifyGetKey>[1],
  ) => Promise<CryptoKey | 'unknown'>,
): Promise<VerifyOutcome> {
  // Size and shape before any parsing; the signature must be canonical base64url (RFC 4648 §3.5)
  // so that one signature has one encoding.
  if (typeof token !== 'string' || token.length > params.maxTokenLength || !COMPACT_JWS.test(token))
    return INVALID
  if (!fromBase64url(token.slice(token.lastIndexOf('.') + 1))) return INVALID
  let failure: 'unknown-key' | 'jwks-unavailable' | undefined
  let usedKid = ''
  try {
    const { payload } = await jwtVerify(
      token,
      async (header, jws) => {
        // Keys come from configuration only: jwk, jku, x5u and x5c headers are never read; kid
        // only selects among configured keys.
        const kid = header.kid
        if (typeof kid !== 'string') throw new Error('no kid')
        let key: CryptoKey | 'unknown'
        try {
          key = await resolve(kid, header, jws)
        } catch (error) {
          failure = 'jwks-unavailable'
          throw error
        }
        if (key === 'unknown') {
          failure = 'unknown-key'
          throw new Error('unknown kid')
        }
        usedKid = kid
        return key
      },
      {
        // One fixed allowlist: never "none", never an HMAC alg against a public key.
        algorithms: [...params.algorithms],
        issuer: params.issuer,
        audience: [...params.audience],
        typ: params.typ,
        requiredClaims: ['exp', 'iat', 'sid'],
        currentDate: new Date(params.nowMs),
        // Expiry is exact (no tolerance); iat in the future is checked in parseClaims.
        clockTolerance: 0,
      },
    )
    const claims = parseClaims(payload, params)
    return claims ? { ok: true, claims, kid: usedKid, payload } : INVALID
  } catch (error) {
    if (failure !== undefined) return { ok: false, reason: failure }
    // jose raises JWTExpired only after the signature verified: an attacker cannot pick this reason.
    if ((error as { code?: unknown } | null)?.code === 'ERR_JWT_EXPIRED')
      return { ok: false, reason: 'expired' }
    return INVALID
  }
}

// --- Strategy ---

interface StrategyState {
  readonly config: Config
  readonly load: () => Promise<ReadonlyMap<string, LoadedKey>>
}

const STRATEGIES = new WeakMap<object, StrategyState>()

function claimsOf(
  config: Config,
  envelope: SessionEnvelope,
  expiresAtMs: number,
  nowMs: number,
): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000)
  const lastSeen = Math.floor(envelope.lastSeenMs / 1000)
  const claims: Record<string, unknown> = { iss: config.issuer, aud: config.audienceClaim }
  if (envelope.userId !== undefined) claims.sub = envelope.userId
  claims.sid = envelope.sessionId
  claims.iat = iat
  claims.exp = Math.floor(expiresAtMs / 1000)
  // OIDC Core §2: auth_time is when the user authenticated, i.e. the session's creation.
  claims.auth_time = Math.floor(envelope.createdAtMs / 1000)
  if (lastSeen !== iat) claims.ls = lastSeen
  if (envelope.userVersion !== undefined) claims.uv = envelope.userVersion
  if (envelope.epoch !== undefined) claims.ep = envelope.epoch
  claims.data = envelope.data
  return claims
}

/**
 * Creates a JWT session strategy for `createSessions({ strategy })`. Every option and every key is
 * checked here, synchronously; keys are imported (asynchronously, once) on first use or when
 * `ready` is awaited.
 *
 * Tokens are read from the session cookie and, with `bearer: true`, from
 * `Authorization: Bearer` when no session cookie is present. A token verified with a key other
 * than `current` is re-signed with `current` (rotation). Revocation with a denylist is keyed by
 * `sid`, so a revoked session stays revoked whatever the bytes of its token.
 *
 * @param options Algorithm, keys, issuer, audience, optional `typ`, clock tolerance and Bearer.
 * @returns A {@link JwtStrategy}.
 * @throws `ERR_SESSION_OPTIONS` for an unknown algorithm (including `none`), a missing issuer or
 *   audience, a bad `typ`, tolerance or `bearer`; `ERR_KEY_RING_INVALID` for an unknown `current`
 *   key id, a bad key id, a key of the wrong type for the algorithm, a public key as `current`, a
 *   malformed JWK or PEM, or one key under two ids; `ERR_KEY_WEAK` for an HS256 secret under 32
 *   bytes or an RSA modulus under 2048 bits.
 * @example
 * ```ts
 * import { createSessions } from 'cachet'
 * import { jwtStrategy } from 'cachet/jwt'
 *
 * const jwt = jwtStrategy({
 *   algorithm: 'EdDSA',
 *   keys: { current: 'k2', keys: { k2: JSON.parse(process.env.JWT_KEY_2!), k1: JSON.parse(process.env.JWT_PUBLIC_KEY_1!) } },
 *   issuer: 'https://app.example.com',
 *   audience: 'https://api.example.com',
 *   bearer: true,
 * })
 * await jwt.ready
 * const sessions = createSessions<{ userId: string }>({ keys: process.env.SESSION_SECRET!, strategy: jwt })
 * ```
 */
export function jwtStrategy(options: JwtStrategyOptions): JwtStrategy {
  const config = checkConfig(options)
  let loading: Promise<ReadonlyMap<string, LoadedKey>> | undefined
  const load = () => {
    if (!loading) {
      loading = loadKeys(config)
      // Marked as handled: a failure surfaces through `ready`, encode() and exportJWKS(), never
      // as an unhandled rejection.
      loading.catch(() => undefined)
    }
    return loading
  }
  const header = { alg: config.algorithm, kid: config.current, typ: config.typ }

  const factory = (context: StrategyContext): SessionStrategy => {
    const maxTokenLength = context.maxTokenLength
    const params: VerifyParams = {
      algorithms: [config.algorithm],
      issuer: config.issuer,
      audience: config.audience,
      typ: config.typ,
      toleranceSeconds: config.toleranceSeconds,
      maxTokenLength,
      // exp and auth_time are both rounded down to whole seconds (RFC 7519 §2), so a session of
      // maxAge seconds has exp - auth_time <= ceil(maxAge).
      maxLifetimeSeconds:
        context.maxAgeSeconds === undefined
          ? MAX_LIFETIME_SECONDS
          : Math.min(MAX_LIFETIME_SECONDS, Math.ceil(context.maxAgeSeconds)),
      nowMs: 0,
    }
    return {
      name: 'jwt',
      bearer: config.bearer,
      async encode(envelope, expiresAtMs, nowMs) {
        const keys = await load()
        const payload = stringifyJson(claimsOf(config, envelope, expiresAtMs, nowMs))
        return new CompactSign(utf8(payload))
          .setProtectedHeader(header)
          .sign(keys.get(config.current)!.signKey!)
      },
      async decode(token, nowMs): Promise<DecodeResult> {
        let keys: ReadonlyMap<string, LoadedKey>
        try {
          keys = await load()
        } catch {
          return INVALID
        }
        const outcome = await verifyToken(token, { ...params, nowMs }, (kid) =>
          Promise.resolve(keys.get(kid)?.verifyKey ?? 'unknown'),
        )
        if (!outcome.ok)
          return outcome.reason === 'jwks-unavailable'
            ? INVALID
            : { ok: false, reason: outcome.reason }
        const { claims } = outcome
        const { issuedAtMs: _issuedAtMs, expiresAtMs: _expiresAtMs, ...envelope } = claims
        return {
          ok: true,
          envelope,
          expiresAtMs: claims.expiresAtMs,
          stale: outcome.kid !== config.current,
        }
      },
    }
  }
  Object.defineProperties(factory, {
    algorithm: { value: config.algorithm, enumerable: true },
    currentKid: { value: config.current, enumerable: true },
    bearer: { value: config.bearer, enumerable: true },
    ready: { get: () => load().then(() => undefined), enumerable: true },
  })
  const strategy = Object.freeze(factory) as JwtStrategy
  STRATEGIES.set(strategy, { config, load })
  return strategy
}

// --- JWKS ---

/**
 * The public keys of a JWT strategy as a JWK Set (RFC 7517 §5), current key first, each with
 * `kid`, `alg` and `use: "sig"` and no private member. Serve it at `/.well-known/jwks.json`; keep
 * a retired key in the strategy (verify-only) until the tokens it signed have expired.
 *
 * @param strategy A strategy from {@link jwtStrategy}.
 * @returns `{ keys: [...] }`, ready for `Response.json()`.
 * @throws `ERR_SESSION_OPTIONS` for an HS256 strategy (a shared secret is never published) or a
 *   value that is not a strategy; `ERR_KEY_RING_INVALID` / `ERR_KEY_WEAK` when a key fails to import.
 * @example
 * ```ts
 * export async function GET() {
 *   return Response.json(await exportJWKS(jwt), {
 *     headers: { 'cache-control': 'public, max-age=300' },
 *   })
 * }
 * ```
 */
export async function exportJWKS(strategy: JwtStrategy): Promise<JSONWebKeySet> {
  const state = STRATEGIES.get(strategy)
  if (!state) optionError('exportJWKS() needs a strategy from jwtStrategy()')
  const { config } = state
  if (config.algorithm === 'HS256') optionError('an HS256 strategy has no public key to export')
  const keys = await state.load()
  const ids = [config.current, ...[...keys.keys()].filter((kid) => kid !== config.current)]
  return {
    keys: ids.map((kid) => ({
      ...keys.get(kid)!.publicJwk!,
      kid,
      alg: config.algorithm,
      use: 'sig',
    })),
  }
}

// --- Verification in other services ---

const PUBLIC_ALGORITHMS: readonly string[] = ['EdDSA', 'ES256', 'RS256']
const PRIVATE_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
const localSets = new WeakMap<
  object,
  { readonly keys: unknown[]; readonly count: number; readonly get: JWTVerifyGetKey }
>()
const remoteSets = new Map<string, JWTVerifyGetKey>()
const MAX_REMOTE_SETS = 32

function keySetOf(jwks: unknown): { get: JWTVerifyGetKey; remote: boolean } {
  if (typeof jwks === 'function') return { get: jwks as JWTVerifyGetKey, remote: true }
  if (jwks instanceof URL) {
    if (jwks.protocol !== 'https:' && jwks.protocol !== 'http:')
      optionError('jwks URL must be http(s)')
    let set = remoteSets.get(jwks.href)
    if (!set) {
      if (remoteSets.size >= MAX_REMOTE_SETS) remoteSets.delete(remoteSets.keys().next().value!)
      set = createRemoteJWKSet(jwks)
      remoteSets.set(jwks.href, set)
    }
    return { get: set, remote: true }
  }
  if (isObject(jwks) && Array.isArray(jwks.keys)) {
    const keys: unknown[] = jwks.keys
    const cached = localSets.get(jwks)
    // jose's createLocalJWKSet copies the keys: build it again when the object's list was
    // replaced or grew or shrank (a JWKS refreshed in place), so new keys verify and are checked.
    if (cached?.keys === keys && cached.count === keys.length)
      return { get: cached.get, remote: false }
    // RFC 7517 §5: a JWK Set to verify with holds public keys. A private member (RFC 7518 §6.2.2,
    // §6.3.2, §6.4.1, RFC 8037 §2) means a signing key or shared secret was handed to a verifier;
    // jose would import it and every token would fail as unknown-key. Refuse it loudly.
    if (keys.some((key) => isObject(key) && PRIVATE_MEMBERS.some((m) => Object.hasOwn(key, m))))
      ringError('jwks holds a private key or a secret: pass only public keys (exportJWKS)')
    let set: JWTVerifyGetKey
    try {
      set = createLocalJWKSet(jwks as unknown as JSONWebKeySet)
    } catch (cause) {
      ringError('jwks is not a valid JWK Set', cause)
    }
    localSets.set(jwks, { keys, count: keys.length, get: set })
    return { get: set, remote: false }
  }
  return optionError('jwks must be a JWK Set, its URL, or a jose key set function')
}

function checkVerifyOptions(
  options: VerifySessionTokenOptions,
): VerifyParams & { keySet: ReturnType<typeof keySetOf> } {
  if (!isObject(options)) optionError('verifySessionToken needs an options object')
  const { algorithms } = options
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    algorithms.some((a) => !PUBLIC_ALGORITHMS.includes(a))
  ) {
    optionError('algorithms must list EdDSA, ES256 or RS256 (asymmetric only)')
  }
  for (const hook of ['now'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function')
      optionError(`${hook} must be a function`)
  }
  const maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH
  if (!Number.isSafeInteger(maxTokenLength) || maxTokenLength < 64 || maxTokenLength > 1_048_576) {
    optionError('maxTokenLength must be an integer from 64 to 1048576')
  }
  const onDenylistError = options.onDenylistError ?? 'deny'
  if (onDenylistError !== 'deny' && onDenylistError !== 'allow')
    optionError("onDenylistError must be 'deny' or 'allow'")
  if (options.denylist !== undefined && typeof options.denylist?.check !== 'function')
    optionError('denylist must implement Denylist')
  return {
    algorithms,
    issuer: checkIssuer(options.issuer),
    audience: checkAudience(options.audience),
    typ: checkTyp(options.typ),
    toleranceSeconds: checkTolerance(options.clockToleranceSeconds),
    maxTokenLength,
    maxLifetimeSeconds: MAX_LIFETIME_SECONDS,
    nowMs: (options.now ?? Date.now)(),
    keySet: keySetOf(options.jwks),
  }
}

/**
 * Verifies a session token in a service that holds only the issuer's public keys (a JWKS), with
 * the same rules as the issuing app: a fixed algorithm allowlist, keys only from the JWKS (never
 * from the token's `jwk`, `jku`, `x5u` or `x5c` headers; a token must carry a `kid`), `iss`,
 * `aud`, `typ`, `exp`, `iat` and `sid` checked, the length capped before parsing. Optionally
 * checks the issuer's denylist. Never throws for a bad token.
 *
 * @param token The token, e.g. from `Authorization: Bearer <token>`.
 * @param options The JWKS (object, URL or jose key set), allowed algorithms, issuer, audience.
 * @returns `{ ok: true, claims }` or `{ ok: false, reason }`.
 * @throws `ERR_SESSION_OPTIONS` for bad options (an HS256 or empty allowlist, a missing issuer or
 *   audience, a JWKS of the wrong shape); `ERR_KEY_RING_INVALID` for a malformed JWKS object or one
 *   holding a private key or secret.
 * @example
 * ```ts
 * const JWKS_URL = new URL('https://app.example.com/.well-known/jwks.json')
 * const result = await verifySessionToken(token, {
 *   jwks: JWKS_URL,
 *   algorithms: ['EdDSA'],
 *   issuer: 'https://app.example.com',
 *   audience: 'https://api.example.com',
 * })
 * if (!result.ok) return new Response(null, { status: 401 })
 * console.log(result.claims.userId, result.claims.data)
 * ```
 */
export async function verifySessionToken(
  token: string,
  options: VerifySessionTokenOptions,
): Promise<VerifySessionTokenResult> {
  const { keySet, ...params } = checkVerifyOptions(options)
  const outcome = await verifyToken(token, params, async (_kid, header, jws) => {
    try {
      return (await keySet.get(header, jws)) as CryptoKey
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      if (code === 'ERR_JWKS_NO_MATCHING_KEY') return 'unknown'
      if (
        !keySet.remote ||
        code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ||
        code === 'ERR_JOSE_NOT_SUPPORTED'
      ) {
        return 'unknown'
      }
      throw error
    }
  })
  if (!outcome.ok) return outcome
  const { claims, kid, payload } = outcome
  const denylist = options.denylist
  if (denylist) {
    const { status, allowed } = await checkRevocation(
      denylist,
      claims,
      options.onDenylistError ?? 'deny',
    )
    if (!allowed) return { ok: false, reason: status as Exclude<typeof status, 'ok'> }
  }
  return { ok: true, claims: { ...claims, kid, payload } }
}
