// Byte helpers shared by the core. No Buffer, no Node built-ins: this file runs on edge runtimes.

const encoder = new TextEncoder()
// fatal: a sealed plaintext that is not valid UTF-8 is refused, never patched with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Decodes UTF-8; throws on invalid sequences (callers map that to their own error). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

/** UTF-8 length of a string without allocating (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/**
 * Encodes each part as a 2-byte big-endian length followed by its bytes, so that no two lists of
 * parts share an encoding ("ab"+"c" differs from "a"+"bc"): used for AAD and HKDF info.
 */
export function lengthPrefixed(...parts: string[]): Uint8Array {
  const encoded = parts.map(utf8)
  const out = new Uint8Array(encoded.reduce((n, p) => n + 2 + p.length, 0))
  let offset = 0
  for (const p of encoded) {
    if (p.length > 0xffff) throw new RangeError('length-prefixed part too long')
    out[offset] = p.length >>> 8
    out[offset + 1] = p.length & 0xff
    out.set(p, offset + 2)
    offset += 2 + p.length
  }
  return out
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

// --- Base64url (RFC 4648 §5), canonical only ---

// Both directions work on bytes and cross the string boundary once (TextDecoder/TextEncoder,
// native in every runtime): building the string 4 characters at a time was ~5x slower on a
// 4 KB cookie (bench/index.mjs).
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const CODES = encoder.encode(ALPHABET)
// Byte → sextet; 0xff for every byte outside the alphabet (so any invalid byte sets bit 7).
const LOOKUP = new Uint8Array(256).fill(0xff)
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i
const ascii = new TextDecoder()

function toBase64urlPortable(bytes: Uint8Array): string {
  const length = bytes.length
  const full = length - (length % 3)
  const out = new Uint8Array(Math.ceil((length * 4) / 3))
  let o = 0
  let i = 0
  for (; i < full; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[o++] = CODES[n >>> 18]!
    out[o++] = CODES[(n >>> 12) & 63]!
    out[o++] = CODES[(n >>> 6) & 63]!
    out[o++] = CODES[n & 63]!
  }
  if (length - full === 1) {
    const n = bytes[i]! << 16
    out[o++] = CODES[n >>> 18]!
    out[o++] = CODES[(n >>> 12) & 63]!
  } else if (length - full === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out[o++] = CODES[n >>> 18]!
    out[o++] = CODES[(n >>> 12) & 63]!
    out[o++] = CODES[(n >>> 6) & 63]!
  }
  // Every byte is ASCII, so UTF-8 decoding is exact.
  return ascii.decode(out)
}

/**
 * Decodes unpadded base64url, or returns undefined. Refuses padding, other alphabets, whitespace,
 * an impossible length (4k+1) and non-zero trailing bits, so every byte string has exactly one
 * accepted encoding (RFC 4648 §3.5: canonical encoding).
 */
function fromBase64urlPortable(text: string): Uint8Array | undefined {
  const length = text.length
  const rest = length & 3
  if (rest === 1) return undefined
  // One UTF-8 byte per character exactly when every character is ASCII; anything else is refused.
  const src = new Uint8Array(length)
  const { read, written } = encoder.encodeInto(text, src)
  if (read !== length || written !== length) return undefined
  const out = new Uint8Array((length >>> 2) * 3 + (rest === 0 ? 0 : rest - 1))
  let o = 0
  let i = 0
  for (const end = length - rest; i < end; i += 4) {
    const a = LOOKUP[src[i]!]!
    const b = LOOKUP[src[i + 1]!]!
    const c = LOOKUP[src[i + 2]!]!
    const d = LOOKUP[src[i + 3]!]!
    if ((a | b | c | d) > 63) return undefined
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = n >>> 16
    out[o++] = (n >>> 8) & 0xff
    out[o++] = n & 0xff
  }
  if (rest === 2) {
    const a = LOOKUP[src[i]!]!
    const b = LOOKUP[src[i + 1]!]!
    if ((a | b) > 63 || (b & 0x0f) !== 0) return undefined
    out[o++] = (a << 2) | (b >>> 4)
  } else if (rest === 3) {
    const a = LOOKUP[src[i]!]!
    const b = LOOKUP[src[i + 1]!]!
    const c = LOOKUP[src[i + 2]!]!
    if ((a | b | c) > 63 || (c & 0x03) !== 0) return undefined
    const n = (a << 18) | (b << 12) | (c << 6)
    out[o++] = n >>> 16
    out[o++] = (n >>> 8) & 0xff
  }
  return out
}

// Optional acceleration found at run time, like the native AEAD: Node's base64url codec (C++) is
// several times faster on a 4 KB cookie. Node's decoder is lenient (it skips invalid characters,
// accepts both alphabets and padding, and ignores trailing bits), so its output is accepted only
// when encoding it again gives back the very same text: exactly the canonical encodings (the
// encoder writes only the unpadded base64url alphabet, with zero trailing bits, and never a 4k+1
// length). test/bytes.test.ts compares the two codecs on random and mutated inputs.
interface NodeBytes {
  readonly buffer: ArrayBufferLike
  readonly byteOffset: number
  readonly length: number
  toString(encoding: 'base64url'): string
}
interface NodeBytesClass {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): NodeBytes
  from(text: string, encoding: 'base64url'): NodeBytes
}

function findNodeBytes(): NodeBytesClass | undefined {
  try {
    const g = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    const mod = g.process?.getBuiltinModule?.('node:buffer') as
      { Buffer?: NodeBytesClass } | undefined
    return typeof mod?.Buffer?.from === 'function' ? mod.Buffer : undefined
  } catch {
    return undefined
  }
}

const nodeBytes = findNodeBytes()

function toBase64urlNative(bytes: Uint8Array): string {
  return nodeBytes!.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url')
}

function fromBase64urlNative(text: string): Uint8Array | undefined {
  const decoded = nodeBytes!.from(text, 'base64url')
  // Measured: about half the cost of checking the alphabet with a regular expression first.
  if (decoded.toString('base64url') !== text) return undefined
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length)
}

/** The codec in use and the portable one, for tests that compare them. */
export const base64url = {
  native: nodeBytes ? { encode: toBase64urlNative, decode: fromBase64urlNative } : undefined,
  portable: { encode: toBase64urlPortable, decode: fromBase64urlPortable },
}

/** Encodes bytes as unpadded base64url (RFC 4648 §5). */
export const toBase64url: (bytes: Uint8Array) => string = nodeBytes
  ? toBase64urlNative
  : toBase64urlPortable

/**
 * Decodes unpadded base64url, or returns undefined. Refuses padding, other alphabets, whitespace,
 * an impossible length (4k+1) and non-zero trailing bits, so every byte string has exactly one
 * accepted encoding (RFC 4648 §3.5: canonical encoding).
 */
export const fromBase64url: (text: string) => Uint8Array | undefined = nodeBytes
  ? fromBase64urlNative
  : fromBase64urlPortable

// --- Randomness ---

// Nonces and ids come from the Web Crypto CSPRNG (present in Node 20, browsers and edge runtimes).
// getRandomValues costs a call into the runtime each time, so bytes are drawn from a pooled
// buffer refilled 4 KiB at a time; every byte is still handed out once only.
const POOL_SIZE = 4096
let pool = new Uint8Array(0)
let poolOffset = 0

export function randomBytes(length: number): Uint8Array {
  if (length > POOL_SIZE) return crypto.getRandomValues(new Uint8Array(length))
  if (poolOffset + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE))
    poolOffset = 0
  }
  const out = pool.slice(poolOffset, poolOffset + length)
  poolOffset += length
  return out
}
