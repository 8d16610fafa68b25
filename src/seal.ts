/**
 * Sealing: authenticated encryption of JSON data into a compact, URL- and cookie-safe string.
 *
 * Wire format, version 1:
 *
 * ```text
 * c1.<kid>.<base64url(nonce[24] ‖ ciphertext ‖ tag[16])>
 * ```
 *
 * The AEAD is XAES-256-GCM (C2SP) under the `seal` subkey of key `kid`. The AAD binds the format
 * version, the key id and the purpose, length-prefixed. The plaintext is the UTF-8 JSON
 * `{"e":<expiry, ms since epoch>,"d":<data>}`.
 *
 * @module
 */

import { SessionError } from './errors.js'
import { isKeyId, type KeyRing } from './keys.js'
import {
  fromBase64url,
  fromUtf8,
  lengthPrefixed,
  randomBytes,
  toBase64url,
  utf8,
} from './_internal/bytes.js'
import { parseJson, stringifyJson } from './_internal/json.js'
import {
  selectBackend,
  XAES_NONCE_BYTES,
  XAES_TAG_BYTES,
  type BackendName,
  type XaesBackend,
  type XaesKey,
} from './_internal/xaes.js'

/** The version tag of the current wire format. */
export const SEAL_VERSION = 'c1'
/** Default cap on the length of a sealed string accepted by {@link unseal} (characters). */
export const DEFAULT_MAX_SEAL_LENGTH = 16_384

/** Options shared by {@link seal} and {@link unseal}. */
export interface SealContext {
  /** The key ring (see `createKeyRing`). */
  keys: KeyRing
  /** What the seal is for (e.g. `'session'`, a cookie name). A seal never opens for another purpose. */
  purpose: string
  /** `'auto'` (default: node:crypto when found at run time, else @noble/ciphers), `'native'` or `'portable'`. */
  backend?: 'auto' | BackendName
  /** Clock in ms since the epoch; defaults to `Date.now`. */
  now?: () => number
}

/** Options of {@link seal}. */
export interface SealOptions extends SealContext {
  /** Lifetime from now, in seconds. Give this or `expiresAtMs`. */
  ttlSeconds?: number
  /** Absolute expiry, ms since the epoch. */
  expiresAtMs?: number
}

/** Options of {@link unseal}. */
export interface UnsealOptions extends SealContext {
  /** Longest sealed string accepted, checked before any other work. Default 16,384. */
  maxLength?: number
}

/** What {@link openSealed} returns besides the data. */
export interface Opened {
  data: unknown
  kid: string
  expiresAtMs: number
}

const MAX_PURPOSE = 256

const keyCache = new WeakMap<KeyRing, Map<string, XaesKey>>()

function xaesKey(keys: KeyRing, kid: string, backend: XaesBackend): XaesKey {
  let perRing = keyCache.get(keys)
  if (!perRing) keyCache.set(keys, (perRing = new Map()))
  const cacheKey = `${backend.name}:${kid}`
  let key = perRing.get(cacheKey)
  if (!key) perRing.set(cacheKey, (key = backend.importKey(keys.subkey(kid, 'seal'))))
  return key
}

function checkContext(options: SealContext): XaesBackend {
  if (typeof options?.keys?.subkey !== 'function') {
    throw new SessionError(
      'ERR_KEY_RING_INVALID',
      'options.keys must be a key ring from createKeyRing()',
    )
  }
  if (
    typeof options.purpose !== 'string' ||
    options.purpose.length === 0 ||
    options.purpose.length > MAX_PURPOSE
  ) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'options.purpose must be a non-empty string of at most 256 characters',
    )
  }
  try {
    return selectBackend(options.backend)
  } catch (cause) {
    throw new SessionError('ERR_SESSION_OPTIONS', 'the native backend needs node:crypto', { cause })
  }
}

// AAD: version, key id and purpose, each length-prefixed (no two contexts share an encoding).
const aadCache = new Map<string, Uint8Array>()
function aadFor(kid: string, purpose: string): Uint8Array {
  const cacheKey = `${kid}\u0000${purpose}`
  let aad = aadCache.get(cacheKey)
  if (!aad) {
    aad = lengthPrefixed(SEAL_VERSION, kid, purpose)
    if (aadCache.size < 1024) aadCache.set(cacheKey, aad)
  }
  return aad
}

/**
 * Seals JSON data for one purpose with the ring's current key.
 *
 * @param data Any exact-JSON value (see `ERR_DATA_UNSERIALIZABLE`).
 * @returns `c1.<kid>.<base64url>`: safe in cookies, URLs and headers without escaping.
 * @throws `ERR_DATA_UNSERIALIZABLE` for BigInt, functions, symbols, cycles, NaN/Infinity, Map, Set,
 *   Date, class instances, array holes, `__proto__` keys; `ERR_SESSION_OPTIONS` for a bad purpose,
 *   lifetime or backend; `ERR_KEY_RING_INVALID` when `keys` is not a key ring.
 * @example
 * ```ts
 * const keys = createKeyRing(process.env.SESSION_SECRET!)
 * const token = seal({ userId: 'u1' }, { keys, purpose: 'invite', ttlSeconds: 3600 })
 * const data = unseal(token, { keys, purpose: 'invite' }) // { userId: 'u1' }
 * ```
 */
export function seal(data: unknown, options: SealOptions): string {
  return sealWithNonce(data, options, randomBytes(XAES_NONCE_BYTES))
}

/**
 * {@link seal} with a caller-chosen nonce. Internal: for known-answer vectors only. A repeated
 * nonce under one key breaks GCM's confidentiality and authenticity.
 * @internal
 */
export function sealWithNonce(data: unknown, options: SealOptions, nonce: Uint8Array): string {
  const backend = checkContext(options)
  const nowMs = (options.now ?? Date.now)()
  let expiresAtMs: number
  if (options.expiresAtMs !== undefined) {
    expiresAtMs = options.expiresAtMs
  } else if (
    options.ttlSeconds !== undefined &&
    Number.isFinite(options.ttlSeconds) &&
    options.ttlSeconds > 0
  ) {
    expiresAtMs = nowMs + Math.round(options.ttlSeconds * 1000)
  } else {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'seal needs a positive ttlSeconds or an expiresAtMs',
    )
  }
  if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs <= 0) {
    throw new SessionError('ERR_SESSION_OPTIONS', 'expiresAtMs must be a positive integer')
  }
  const json = stringifyJson(data)
  const kid = options.keys.current
  if (nonce.length !== XAES_NONCE_BYTES) throw new RangeError('nonce must be 24 bytes')
  const plaintext = utf8(`{"e":${expiresAtMs},"d":${json}}`)
  const body = xaesKey(options.keys, kid, backend).encryptWithNonce(
    nonce,
    plaintext,
    aadFor(kid, options.purpose),
  )
  return `${SEAL_VERSION}.${kid}.${toBase64url(body)}`
}

const invalid = () =>
  new SessionError('ERR_SEAL_INVALID', 'the sealed value is malformed or was tampered with')

/**
 * Opens a seal and reports which key opened it; the session layer uses `kid` to re-seal values
 * opened with a non-current key. Same checks and errors as {@link unseal}.
 */
export function openSealed(token: string, options: UnsealOptions): Opened {
  const backend = checkContext(options)
  const maxLength = options.maxLength ?? DEFAULT_MAX_SEAL_LENGTH
  // Size cap before any other work; then structure; then the key id; only then the AEAD.
  if (typeof token !== 'string' || token.length > maxLength) throw invalid()
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  if (first < 0 || second < 0 || token.slice(0, first) !== SEAL_VERSION) throw invalid()
  const kid = token.slice(first + 1, second)
  if (!isKeyId(kid)) throw invalid()
  if (!options.keys.has(kid))
    throw new SessionError('ERR_KEY_UNKNOWN', 'the sealed value names an unknown key')
  const body = fromBase64url(token.slice(second + 1))
  // Smallest plaintext is `{"e":1,"d":0}` (13 bytes); the tag is always 128 bits.
  if (!body || body.length < XAES_NONCE_BYTES + XAES_TAG_BYTES + 13) throw invalid()
  const nonce = body.subarray(0, XAES_NONCE_BYTES)
  const plaintext = xaesKey(options.keys, kid, backend).decrypt(
    nonce,
    body.subarray(XAES_NONCE_BYTES),
    aadFor(kid, options.purpose),
  )
  if (!plaintext) throw invalid()
  let envelope: unknown
  try {
    envelope = parseJson(fromUtf8(plaintext))
  } catch {
    throw invalid()
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) throw invalid()
  const { e, d } = envelope as { e?: unknown; d?: unknown }
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || !('d' in envelope)) throw invalid()
  // Valid while now < e: at exactly e the seal has expired.
  if ((options.now ?? Date.now)() >= e)
    throw new SessionError('ERR_SEAL_EXPIRED', 'the sealed value has expired')
  return { data: d, kid, expiresAtMs: e }
}

/**
 * Opens a value made by {@link seal} for the same purpose, with the key its id names.
 *
 * @returns The data, as sealed.
 * @throws `ERR_SEAL_INVALID` when malformed, oversize, truncated, tampered with or sealed for
 *   another purpose (one code for all, so the error says nothing an attacker can use);
 *   `ERR_KEY_UNKNOWN` when its key id is not in the ring; `ERR_SEAL_EXPIRED` when expired.
 * @example
 * ```ts
 * const data = unseal(token, { keys, purpose: 'invite' })
 * ```
 */
export function unseal<T = unknown>(token: string, options: UnsealOptions): T {
  return openSealed(token, options).data as T
}
