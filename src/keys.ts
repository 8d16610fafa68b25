/**
 * Key rings: which secret seals, which secrets still open, and per-purpose subkeys.
 *
 * A key ring holds one or more named secrets. Exactly one, `current`, seals; the others only open
 * existing seals (staged rollout: deploy a new key as verify-only, promote it in a later deploy,
 * remove the old one after the longest session lifetime). Every secret is checked at construction.
 *
 * @module
 */

import { SessionError } from './errors.js'
import { lengthPrefixed, toBase64url, utf8 } from './_internal/bytes.js'
import { isLowEntropy } from './_internal/entropy.js'
import { hkdfSha256, sha256 } from './_internal/sha256.js'

/** A secret: a string (base64, base64url or hex of 32+ bytes, or 32+ characters) or 32+ bytes. */
export type Secret = string | Uint8Array

/** Options of {@link createKeyRing} with several keys. */
export interface KeyRingOptions {
  /** The id of the key that seals. It must be a key of `keys`. */
  current: string
  /** Key id → secret. Ids are 1–16 characters of `[A-Za-z0-9_-]`; they appear in every seal. */
  keys: Readonly<Record<string, Secret>>
}

/** An immutable, validated set of keys. Create with {@link createKeyRing}. */
export interface KeyRing {
  /** The id of the key that seals. */
  readonly current: string
  /** All key ids, current first. */
  readonly ids: readonly string[]
  /** True when `kid` names a key of this ring. */
  has(kid: string): boolean
  /**
   * The 32-byte subkey of key `kid` for one use (`'seal'`, `'csrf'`, …), derived once with
   * HKDF-SHA256 and cached. Throws `ERR_KEY_UNKNOWN` for an unknown id.
   */
  subkey(kid: string, use: string): Uint8Array
}

/** Minimum bytes of key material (256 bits). */
export const MIN_SECRET_BYTES = 32
/** The key id given to a key ring made from a single secret. */
export const DEFAULT_KEY_ID = 'k0'

// A key id travels in every seal and token header: 1–16 base64url characters.
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/

/** True when `value` is a well-formed key id (1–16 characters of `[A-Za-z0-9_-]`). */
export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && KEY_ID.test(value)
}
const HEX = /^[0-9a-fA-F]+$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const BASE64URL = /^[A-Za-z0-9_-]+$/
// HKDF salt: a fixed, public domain separator (RFC 5869 §3.1 allows a non-secret salt).
const HKDF_SALT = utf8('cachet/hkdf/v1')

/**
 * Bytes of key material a secret string carries, judged by its shape: hex and base64-looking
 * strings count their decoded bytes (32 hex characters are only 128 bits), anything else counts
 * characters. Strings of fewer than 10 distinct characters ("aaaa…", "abab…") carry nothing.
 */
function secretStrength(secret: string): number {
  const chars = Array.from(secret)
  if (new Set(chars).size < 10) return 0
  if (HEX.test(secret)) return Math.floor(secret.length / 2)
  if (BASE64.test(secret) || BASE64URL.test(secret))
    return Math.floor((secret.replace(/=+$/, '').length * 3) / 4)
  return chars.length
}

function weakSecret(kid: string): never {
  throw new SessionError(
    'ERR_KEY_WEAK',
    `key "${kid}": the secret is predictable (a repeated pattern, a sequence, a keyboard walk or few distinct values); generate one with \`npx cachet secret\` or crypto.getRandomValues(new Uint8Array(32))`,
  )
}

interface SecretChecks {
  /** False only for the frozen known-answer vectors (see {@link createVectorKeyRing}). */
  readonly entropy: boolean
}

const MAKE_ONE = 'make a secret with `npx cachet secret` and set the variable'

function checkSecret(kid: string, secret: unknown, checks: SecretChecks): Uint8Array {
  if (secret === undefined || secret === null) {
    throw new SessionError(
      'ERR_KEY_MISSING',
      `key "${kid}" is ${String(secret)}: an environment variable is probably missing; ${MAKE_ONE}`,
    )
  }
  if (secret instanceof Uint8Array) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new SessionError('ERR_KEY_WEAK', `key "${kid}": a secret must carry at least 32 bytes`)
    }
    if (checks.entropy && isLowEntropy(secret)) weakSecret(kid)
    return secret.slice()
  }
  if (typeof secret !== 'string') {
    throw new SessionError(
      'ERR_KEY_WEAK',
      `key "${kid}": a secret must be a string or a Uint8Array`,
    )
  }
  if (secret.trim() !== secret) {
    throw new SessionError(
      'ERR_KEY_WEAK',
      `key "${kid}": the secret has leading or trailing spaces`,
    )
  }
  if (secretStrength(secret) < MIN_SECRET_BYTES) {
    throw new SessionError(
      'ERR_KEY_WEAK',
      `key "${kid}": a secret must be base64/base64url/hex of 32+ bytes or 32+ varied characters (try \`npx cachet secret\`)`,
    )
  }
  if (checks.entropy && isLowEntropy(secret)) weakSecret(kid)
  // The key material is the secret's UTF-8 bytes, whatever its encoding: no guessing between
  // "hex" and "passphrase that looks like hex" can change which key a string means.
  return utf8(secret)
}

/**
 * Creates a key ring from one secret or from named keys with an explicit current key.
 *
 * @param input A secret (its key id is `'k0'`) or `{ current, keys }`.
 * @returns An immutable {@link KeyRing}.
 * @throws `ERR_KEY_MISSING` when `input` or one of its secrets is `undefined`/`null` (an unset
 *   environment variable); `ERR_KEY_WEAK` for a short, empty, ill-typed or repetitive secret;
 *   `ERR_KEY_RING_INVALID` for an unknown `current`, a bad key id, no keys or a secret used twice.
 * @example
 * ```ts
 * const keys = createKeyRing({
 *   current: 'k2',
 *   keys: { k2: process.env.SESSION_KEY_2!, k1: process.env.SESSION_KEY_1! },
 * })
 * ```
 */
export function createKeyRing(input: Secret | KeyRingOptions | KeyRing): KeyRing {
  if (isKeyRing(input)) return input
  if (input === undefined || input === null) {
    throw new SessionError(
      'ERR_KEY_MISSING',
      `keys is ${String(input)}: an environment variable (e.g. SESSION_SECRET) is probably missing; ${MAKE_ONE}`,
    )
  }
  if (typeof input === 'string' || input instanceof Uint8Array) {
    return buildRing(DEFAULT_KEY_ID, [[DEFAULT_KEY_ID, input]])
  }
  if (typeof input !== 'object' || input === null) {
    throw new SessionError('ERR_KEY_RING_INVALID', 'keys must be a secret or { current, keys }')
  }
  const { current, keys } = input as Partial<KeyRingOptions>
  if (typeof keys !== 'object' || keys === null) {
    throw new SessionError('ERR_KEY_RING_INVALID', 'keys.keys must be an object of key id → secret')
  }
  if (typeof current !== 'string' || !Object.hasOwn(keys, current)) {
    throw new SessionError('ERR_KEY_RING_INVALID', 'keys.current must name one of keys.keys')
  }
  return buildRing(current, Object.entries(keys))
}

const RINGS = new WeakSet<object>()

function isKeyRing(value: unknown): value is KeyRing {
  return typeof value === 'object' && value !== null && RINGS.has(value)
}

function buildRing(
  current: string,
  entries: [string, unknown][],
  checks: SecretChecks = { entropy: true },
): KeyRing {
  if (entries.length === 0) throw new SessionError('ERR_KEY_RING_INVALID', 'a key ring needs a key')
  const material = new Map<string, Uint8Array>()
  const seen = new Set<string>()
  for (const [kid, secret] of entries) {
    if (!isKeyId(kid)) {
      throw new SessionError(
        'ERR_KEY_RING_INVALID',
        'a key id must be 1-16 characters of [A-Za-z0-9_-]',
      )
    }
    const bytes = checkSecret(kid, secret, checks)
    const fingerprint = toBase64url(sha256(bytes))
    if (seen.has(fingerprint)) {
      throw new SessionError('ERR_KEY_RING_INVALID', `key "${kid}": the same secret is used twice`)
    }
    seen.add(fingerprint)
    material.set(kid, bytes)
  }
  const cache = new Map<string, Uint8Array>()
  const ids = [current, ...[...material.keys()].filter((kid) => kid !== current)]
  const ring: KeyRing = Object.freeze({
    current,
    ids: Object.freeze(ids),
    has: (kid: string) => material.has(kid),
    subkey(kid: string, use: string) {
      const cacheKey = `${kid}\u0000${use}`
      let key = cache.get(cacheKey)
      if (!key) {
        const ikm = material.get(kid)
        if (!ikm) throw new SessionError('ERR_KEY_UNKNOWN', 'unknown key id')
        // HKDF-SHA256 (RFC 5869) with length-prefixed info so that no two (kid, use) pairs
        // share an info string.
        key = hkdfSha256(ikm, {
          salt: HKDF_SALT,
          info: lengthPrefixed('cachet', kid, use),
          length: 32,
        })
        cache.set(cacheKey, key)
      }
      return key
    },
  })
  RINGS.add(ring)
  return ring
}

/**
 * Generates a fresh 256-bit secret, base64url-encoded (43 characters).
 *
 * @example
 * ```ts
 * const secret = generateSecret() // store it in SESSION_SECRET
 * ```
 */
export function generateSecret(): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(32)))
}

/**
 * A key ring whose secrets skip the entropy check, for the frozen known-answer vectors in
 * `test/vectors/` only: their secrets (byte sequences) predate the check, and a vector file is never
 * edited. Not exported by the package (`src/index.ts` does not list it).
 * @internal
 */
export function createVectorKeyRing(input: KeyRingOptions): KeyRing {
  return buildRing(input.current, Object.entries(input.keys), { entropy: false })
}
