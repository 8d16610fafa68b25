// SHA-256 (FIPS 180-4 §6.2), HMAC-SHA256 (RFC 2104, FIPS 198-1) and HKDF-SHA256 (RFC 5869): the
// only hash cachet uses (key derivation, key fingerprints, CSRF tokens, denylist keys), written out
// so that edge bundles do not carry a general hashing library. Synchronous, like the rest of the
// core. Checked against node:crypto and the RFC vectors in test/sha256.test.ts.

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64
// primes.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])
// FIPS 180-4 §5.3.3: the same of the square roots of the first 8 primes.
const IV = new Uint32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
])

const BLOCK_BYTES = 64
const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n))

// FIPS 180-4 §6.2.2: one 512-bit block at `offset` into the state; `w` is the message schedule.
function compress(state: Uint32Array, block: Uint8Array, offset: number, w: Uint32Array): void {
  for (let t = 0; t < 16; t++, offset += 4) {
    w[t] =
      (block[offset]! << 24) |
      (block[offset + 1]! << 16) |
      (block[offset + 2]! << 8) |
      block[offset + 3]!
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!
    const y = w[t - 2]!
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10)
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0
  }
  let [a, b, c, d, e, f, g, h] = state as unknown as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  for (let t = 0; t < 64; t++) {
    const t1 =
      (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  state[0]! += a
  state[1]! += b
  state[2]! += c
  state[3]! += d
  state[4]! += e
  state[5]! += f
  state[6]! += g
  state[7]! += h
}

// Hashes `data` onward from `start`, a state that has already absorbed `prefixBytes` bytes (whole
// blocks: HMAC's keyed pads), with the padding of FIPS 180-4 §5.1.1.
function finish(start: Uint32Array, prefixBytes: number, data: Uint8Array): Uint8Array {
  const state = start.slice()
  const w = new Uint32Array(64)
  let i = 0
  for (; i + BLOCK_BYTES <= data.length; i += BLOCK_BYTES) compress(state, data, i, w)
  const rest = data.length - i
  const tail = new Uint8Array(rest < 56 ? BLOCK_BYTES : 2 * BLOCK_BYTES)
  tail.set(data.subarray(i))
  tail[rest] = 0x80
  const bits = (prefixBytes + data.length) * 8
  const view = new DataView(tail.buffer)
  view.setUint32(tail.length - 8, Math.floor(bits / 0x1_0000_0000))
  view.setUint32(tail.length - 4, bits >>> 0)
  for (let j = 0; j < tail.length; j += BLOCK_BYTES) compress(state, tail, j, w)
  const out = new Uint8Array(32)
  const outView = new DataView(out.buffer)
  for (let k = 0; k < 8; k++) outView.setUint32(k * 4, state[k]!)
  return out
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return finish(IV, 0, data)
}

/** HMAC-SHA256 keyed once: returns the MAC function (RFC 2104 §2; the padded keys absorbed once). */
export function createHmacSha256(key: Uint8Array): (data: Uint8Array) => Uint8Array {
  const padded = new Uint8Array(BLOCK_BYTES)
  padded.set(key.length > BLOCK_BYTES ? sha256(key) : key)
  const w = new Uint32Array(64)
  const keyed = (pad: number) => {
    const state = IV.slice()
    compress(
      state,
      padded.map((byte) => byte ^ pad),
      0,
      w,
    )
    return state
  }
  const inner = keyed(0x36)
  const outer = keyed(0x5c)
  return (data) => finish(outer, BLOCK_BYTES, finish(inner, BLOCK_BYTES, data))
}

/** HKDF-SHA256 (RFC 5869 §2.2 extract, §2.3 expand) of `length` bytes, at most 255 × 32. */
export function hkdfSha256(
  ikm: Uint8Array,
  options: { salt: Uint8Array; info: Uint8Array; length: number },
): Uint8Array {
  const { salt, info, length } = options
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
    throw new RangeError('HKDF-SHA256 length must be 1 to 8160 bytes')
  }
  const prk = createHmacSha256(salt.length > 0 ? salt : new Uint8Array(32))(ikm)
  const mac = createHmacSha256(prk)
  const out = new Uint8Array(length)
  let previous: Uint8Array = new Uint8Array(0)
  for (let i = 1, offset = 0; offset < length; i++, offset += 32) {
    const input = new Uint8Array(previous.length + info.length + 1)
    input.set(previous)
    input.set(info, previous.length)
    input[input.length - 1] = i
    previous = mac(input)
    out.set(previous.subarray(0, length - offset), offset)
  }
  return out
}
