/**
 * JWT keys: the accepted key formats (JWK, CryptoKey, CryptoKeyPair, PEM, HS256 secret), their
 * synchronous checks against the configured algorithm, and their one-time asynchronous import.
 * No key is ever read from a token: a `kid` only selects among configured keys.
 *
 * @module
 */

import { exportJWK, importJWK, importPKCS8, importSPKI, type JWK } from 'jose'
import { SessionError, isSessionError } from '../errors.js'
import { createKeyRing } from '../keys.js'
import { fromBase64url, toBase64url, utf8 } from '../_internal/bytes.js'
import { isLowEntropy } from '../_internal/entropy.js'

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

// --- Constants ---

export const ALGORITHMS: readonly JwtAlgorithm[] = ['EdDSA', 'ES256', 'RS256', 'HS256']
export const KID = /^[A-Za-z0-9._~-]{1,64}$/
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

export function ringError(message: string, cause?: unknown): never {
  throw new SessionError(
    'ERR_KEY_RING_INVALID',
    message,
    cause === undefined ? undefined : { cause },
  )
}

export function weakError(message: string): never {
  throw new SessionError('ERR_KEY_WEAK', message)
}

// --- Key specs (synchronous checks) and loading (asynchronous import) ---

export interface LoadedKey {
  /** Only the current key signs. */
  readonly signKey: CryptoKey | undefined
  readonly verifyKey: CryptoKey
  /** Public JWK (no kid/alg/use); undefined for HS256. */
  readonly publicJwk: JWK | undefined
}

export interface KeySpec {
  readonly canSign: boolean
  /** Identifies the key material, to refuse one key under two ids (not a secret in logs: never printed). */
  readonly fingerprint: string | undefined
  readonly load: () => Promise<LoadedKey>
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
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
  key: CryptoKey,
  { kid, algorithm, usage }: { kid: string; algorithm: JwtAlgorithm; usage: KeyUsage },
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
    checkCryptoKey(input, { kid, algorithm: 'HS256', usage: 'verify' })
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
    // The same entropy rules as every other secret (issue 9.10).
    if (isLowEntropy(k))
      weakError(
        `key "${kid}": the "k" member is predictable; generate one with \`npx cachet secret\``,
      )
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
  if (privateKey) checkCryptoKey(privateKey, { kid, algorithm, usage: 'sign' })
  if (publicKey) {
    checkCryptoKey(publicKey, { kid, algorithm, usage: 'verify' })
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

export function keySpec(kid: string, input: unknown, algorithm: JwtAlgorithm): KeySpec {
  if (algorithm === 'HS256') return secretSpec(kid, input)
  if (typeof input === 'string') return pemSpec(kid, input, algorithm)
  if (isCryptoKey(input) || isCryptoKeyPair(input)) return cryptoKeySpec(kid, input, algorithm)
  if (isObject(input) && typeof input.kty === 'string') return jwkSpec(kid, input, algorithm)
  return ringError(`key "${kid}": expected a JWK, a CryptoKey or CryptoKeyPair, or a PEM string`)
}

/** Imports every key of a ring once; an RS256 modulus under 2048 bits is refused here too. */
export async function loadKeys(config: {
  readonly algorithm: JwtAlgorithm
  readonly specs: ReadonlyMap<string, KeySpec>
}): Promise<ReadonlyMap<string, LoadedKey>> {
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
