import { shake128 } from '@noble/hashes/sha3.js'
import { describe, expect, test } from 'vitest'
import { nativeBackend, portableBackend, type XaesBackend } from '../src/_internal/xaes.js'

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
const text = (s: string) => new TextEncoder().encode(s)

const backends: [string, XaesBackend][] = [['portable', portableBackend]]
if (nativeBackend) backends.push(['native', nativeBackend])

test('the native backend is found through process.getBuiltinModule on Node', () => {
  expect(nativeBackend?.name).toBe('native')
})

// C2SP XAES-256-GCM test vectors (../shared/reference/xaes-256-gcm.md).
describe.each(backends)('XAES-256-GCM, %s backend', (_name, backend) => {
  test('vector 1 (top bit of L is 0)', () => {
    const key = backend.importKey(new Uint8Array(32).fill(1))
    const nonce = text('ABCDEFGHIJKLMNOPQRSTUVWX')
    const sealed = key.encrypt(nonce, text('XAES-256-GCM'), new Uint8Array())
    expect(hex(sealed)).toBe('ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271')
    expect(key.decrypt(nonce, sealed, new Uint8Array())).toEqual(text('XAES-256-GCM'))
  })

  test('vector 2 (top bit of L is 1, with AAD)', () => {
    const key = backend.importKey(new Uint8Array(32).fill(3))
    const nonce = text('ABCDEFGHIJKLMNOPQRSTUVWX')
    const aad = text('c2sp.org/XAES-256-GCM')
    const sealed = key.encrypt(nonce, text('XAES-256-GCM'), aad)
    expect(hex(sealed)).toBe('986ec1832593df5443a179437fd083bf3fdb41abd740a21f71eb769d')
    expect(key.decrypt(nonce, sealed, aad)).toEqual(text('XAES-256-GCM'))
    // Wrong AAD, flipped tag bit, truncated tag: refused.
    expect(key.decrypt(nonce, sealed, text('c2sp.org/XAES-256-GCN'))).toBeUndefined()
    const flipped = sealed.slice()
    flipped[flipped.length - 1]! ^= 1
    expect(key.decrypt(nonce, flipped, aad)).toBeUndefined()
    expect(key.decrypt(nonce, sealed.subarray(0, sealed.length - 4), aad)).toBeUndefined()
    expect(key.decrypt(nonce, sealed.subarray(0, 10), aad)).toBeUndefined()
  })

  test('accumulated randomized test, 10,000 iterations', () => {
    const source = shake128.create({})
    const sink = shake128.create({})
    const read = (n: number) => source.xof(n)
    for (let i = 0; i < 10_000; i++) {
      const key = read(32)
      const nonce = read(24)
      const plaintext = read(read(1)[0]!)
      const aad = read(read(1)[0]!)
      const k = backend.importKey(key)
      const sealed = k.encrypt(nonce, plaintext, aad)
      sink.update(sealed)
      if (i % 1000 === 0) expect(k.decrypt(nonce, sealed, aad)).toEqual(plaintext)
    }
    expect(hex(sink.xof(32))).toBe(
      'e6b9edf2df6cec60c8cbd864e2211b597fb69a529160cd040d56c0c210081939',
    )
  })

  test('rejects wrong key and nonce sizes', () => {
    expect(() => backend.importKey(new Uint8Array(16))).toThrow(RangeError)
    const key = backend.importKey(new Uint8Array(32))
    expect(() => key.encrypt(new Uint8Array(12), new Uint8Array(1), new Uint8Array())).toThrow(
      RangeError,
    )
  })
})

test('both backends produce identical bytes for random inputs', () => {
  if (!nativeBackend) return
  for (let i = 0; i < 200; i++) {
    const key = crypto.getRandomValues(new Uint8Array(32))
    const nonce = crypto.getRandomValues(new Uint8Array(24))
    const plaintext = crypto.getRandomValues(new Uint8Array(i * 7))
    const aad = crypto.getRandomValues(new Uint8Array(i % 40))
    const a = portableBackend.importKey(key).encrypt(nonce, plaintext, aad)
    const b = nativeBackend.importKey(key).encrypt(nonce, plaintext, aad)
    expect(hex(a)).toBe(hex(b))
    expect(portableBackend.importKey(key).decrypt(nonce, b, aad)).toEqual(plaintext)
    expect(nativeBackend.importKey(key).decrypt(nonce, a, aad)).toEqual(plaintext)
  }
})

test('encryptWithNonce is the nonce followed by encrypt, on both backends (issue 14)', () => {
  for (const [, backend] of backends) {
    for (let i = 0; i < 20; i++) {
      const key = backend.importKey(crypto.getRandomValues(new Uint8Array(32)))
      const nonce = crypto.getRandomValues(new Uint8Array(24))
      const plaintext = crypto.getRandomValues(new Uint8Array(i * 13))
      const aad = crypto.getRandomValues(new Uint8Array(i % 5))
      const body = key.encryptWithNonce(nonce, plaintext, aad)
      expect(hex(body)).toBe(hex(nonce) + hex(key.encrypt(nonce, plaintext, aad)))
      expect(key.decrypt(nonce, body.subarray(24), aad)).toEqual(plaintext)
    }
    const key = backend.importKey(new Uint8Array(32))
    expect(() =>
      key.encryptWithNonce(new Uint8Array(12), new Uint8Array(1), new Uint8Array()),
    ).toThrow(RangeError)
  }
})
