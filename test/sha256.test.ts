// src/_internal/sha256.ts against the published vectors (FIPS 180-4 examples, RFC 4231, RFC 5869)
// and against node:crypto for any input, including every length around the padding boundaries.

import { createHash, createHmac, hkdfSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createHmacSha256, hkdfSha256, sha256 } from '../src/_internal/sha256.js'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const text = (s: string) => new TextEncoder().encode(s)
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))

describe('sha256', () => {
  test.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ])('FIPS 180-4 example %j', (input, expected) => {
    expect(hex(sha256(text(input)))).toBe(expected)
  })

  test('a million "a"', () => {
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    )
  })

  test('equals node:crypto for every length from 0 to 200 bytes', () => {
    for (let n = 0; n <= 200; n++) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff)
      expect(hex(sha256(data)), `length ${n}`).toBe(createHash('sha256').update(data).digest('hex'))
    }
  })

  test('property: equals node:crypto', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(hex(sha256(data))).toBe(createHash('sha256').update(data).digest('hex'))
      }),
    )
  })
})

describe('HMAC-SHA256', () => {
  test('RFC 4231 test cases 1, 2 and 6 (a key longer than a block)', () => {
    expect(hex(createHmacSha256(new Uint8Array(20).fill(0x0b))(text('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    )
    expect(hex(createHmacSha256(text('Jefe'))(text('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
    const longKey = new Uint8Array(131).fill(0xaa)
    expect(
      hex(
        createHmacSha256(longKey)(text('Test Using Larger Than Block-Size Key - Hash Key First')),
      ),
    ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54')
  })

  test('property: equals node:crypto, and one keyed function serves many messages', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        (key, messages) => {
          const mac = createHmacSha256(key)
          for (const message of messages) {
            expect(hex(mac(message))).toBe(createHmac('sha256', key).update(message).digest('hex'))
          }
        },
      ),
    )
  })
})

describe('HKDF-SHA256', () => {
  test('RFC 5869 test case 1', () => {
    const okm = hkdfSha256(new Uint8Array(22).fill(0x0b), {
      salt: fromHex('000102030405060708090a0b0c'),
      info: fromHex('f0f1f2f3f4f5f6f7f8f9'),
      length: 42,
    })
    expect(hex(okm)).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    )
  })

  test('property: equals node:crypto', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 1, max: 200 }),
        (ikm, salt, info, length) => {
          const expected = Buffer.from(hkdfSync('sha256', ikm, salt, info, length)).toString('hex')
          expect(hex(hkdfSha256(ikm, { salt, info, length }))).toBe(expected)
        },
      ),
    )
  })

  test('refuses a length outside 1 to 255 × 32', () => {
    const options = { salt: new Uint8Array(1), info: new Uint8Array(0) }
    expect(() => hkdfSha256(new Uint8Array(32), { ...options, length: 0 })).toThrow(RangeError)
    expect(() => hkdfSha256(new Uint8Array(32), { ...options, length: 8161 })).toThrow(RangeError)
  })
})
