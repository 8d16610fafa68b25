import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { base64url, fromBase64url, toBase64url } from '../src/_internal/bytes.js'

const { native, portable } = base64url

test('on Node the native codec (node:buffer, found at run time) is the one in use', () => {
  expect(native).toBeDefined()
  expect(toBase64url).toBe(native!.encode)
  expect(fromBase64url).toBe(native!.decode)
})

describe('native and portable base64url agree byte for byte, and on what they refuse', () => {
  test('encoding and decoding any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), (bytes, offset) => {
        // A view at an offset inside a larger buffer, as subarray() hands out.
        const host = new Uint8Array(bytes.length + offset)
        host.set(bytes, offset)
        const view = host.subarray(offset)
        const text = portable.encode(view)
        expect(native!.encode(view)).toBe(text)
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/)
        expect(native!.decode(text)).toEqual(bytes)
        expect(portable.decode(text)).toEqual(bytes)
      }),
      { numRuns: 2000 },
    )
  })

  test('any string: both accept the same strings and decode them the same way', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .é\u0000'
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength: 40 }),
          fc.string({ unit: 'binary', maxLength: 40 }),
        ),
        (text) => {
          const a = native!.decode(text)
          const b = portable.decode(text)
          expect(a === undefined).toBe(b === undefined)
          if (a && b) {
            expect(a).toEqual(b)
            expect(portable.encode(a)).toBe(text) // canonical: one encoding per byte string
          }
        },
      ),
      { numRuns: 5000 },
    )
  })

  test.each([
    ['padding', 'QQ=='],
    ['standard alphabet', 'a+/b'],
    ['whitespace', 'QU JD'],
    ['4k+1 length', 'QUJDR'],
    ['non-zero trailing bits (2 chars)', 'QR'],
    ['non-zero trailing bits (3 chars)', 'QUK'],
    ['non-ASCII', 'QUJé'],
  ])('both refuse %s', (_name, text) => {
    expect(native!.decode(text)).toBeUndefined()
    expect(portable.decode(text)).toBeUndefined()
  })
})
