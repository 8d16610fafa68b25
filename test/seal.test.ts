import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { SessionError } from '../src/errors.js'
import { createKeyRing, createVectorKeyRing, generateSecret } from '../src/keys.js'
import { openSealed, seal, sealWithNonce, unseal, type SealOptions } from '../src/seal.js'
import { concat, fromBase64url, lengthPrefixed, toBase64url } from '../src/_internal/bytes.js'
import { portableBackend } from '../src/_internal/xaes.js'
import { code } from './helpers/error-code.js'

const hexToBytes = (h: string) => new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)))
const keys = createKeyRing(generateSecret())
const backends = ['native', 'portable'] as const
const NOW = 1_800_000_000_000
const base = { keys, purpose: 'test', now: () => NOW }

interface Vector {
  secret: string
  kid: string
  purpose: string
  expiresAtMs: number
  data: unknown
  nonce: string
  token: string
}
const vectors = (
  JSON.parse(readFileSync(new URL('./vectors/seal-c1.json', import.meta.url), 'utf8')) as {
    cases: Vector[]
  }
).cases

describe.each(backends)('known-answer vectors, %s backend', (backend) => {
  test.each(vectors.map((v, i) => [i, v] as const))(
    'case %i seals to the frozen token and opens',
    (_i, v) => {
      // The vectors' secrets are byte sequences, refused by createKeyRing since issue 9.10.
      const ring = createVectorKeyRing({ current: v.kid, keys: { [v.kid]: v.secret } })
      const options = { keys: ring, purpose: v.purpose, backend, expiresAtMs: v.expiresAtMs }
      expect(sealWithNonce(v.data, options, hexToBytes(v.nonce))).toBe(v.token)
      expect(unseal(v.token, { ...options, now: () => v.expiresAtMs - 1 })).toEqual(v.data)
      expect(code(() => unseal(v.token, { ...options, now: () => v.expiresAtMs }))).toBe(
        'ERR_SEAL_EXPIRED',
      )
    },
  )
})

describe.each(backends)('seal/unseal, %s backend', (backend) => {
  const options = { ...base, backend, ttlSeconds: 60 } satisfies SealOptions

  test('round trip; the token is cookie- and URL-safe', () => {
    const token = seal({ a: 1, b: ['x', null, true] }, options)
    expect(token).toMatch(/^c1\.k0\.[A-Za-z0-9_-]+$/)
    expect(unseal(token, options)).toEqual({ a: 1, b: ['x', null, true] })
  })

  test('expiry: valid at exp-1, expired at exp and exp+1', () => {
    const token = seal('x', { ...options, expiresAtMs: NOW + 1000 })
    expect(unseal(token, { ...options, now: () => NOW + 999 })).toBe('x')
    expect(code(() => unseal(token, { ...options, now: () => NOW + 1000 }))).toBe(
      'ERR_SEAL_EXPIRED',
    )
    expect(code(() => unseal(token, { ...options, now: () => NOW + 1001 }))).toBe(
      'ERR_SEAL_EXPIRED',
    )
  })

  test('purpose binding: a seal never opens for another purpose', () => {
    const token = seal('x', options)
    expect(code(() => unseal(token, { ...options, purpose: 'other' }))).toBe('ERR_SEAL_INVALID')
    expect(code(() => unseal(token, { ...options, purpose: 'tes' }))).toBe('ERR_SEAL_INVALID')
  })

  test('another app (other secret, same kid) cannot open it', () => {
    const token = seal('x', options)
    const other = createKeyRing(generateSecret())
    expect(code(() => unseal(token, { ...options, keys: other }))).toBe('ERR_SEAL_INVALID')
  })

  test('unknown kid is refused before decryption; a renamed kid does not open', () => {
    const token = seal('x', options)
    expect(code(() => unseal(token.replace('.k0.', '.k9.'), options))).toBe('ERR_KEY_UNKNOWN')
    const ring = createKeyRing({
      current: 'k1',
      keys: { k1: generateSecret(), k0: generateSecret() },
    })
    const t1 = seal('x', { ...options, keys: ring })
    // k1's seal relabelled as k0: k0's key does not open it (no trial decryption, AAD binds kid).
    expect(code(() => unseal(t1.replace('.k1.', '.k0.'), { ...options, keys: ring }))).toBe(
      'ERR_SEAL_INVALID',
    )
  })

  test.each([
    ['empty', ''],
    ['no dots', 'c1k0abc'],
    ['wrong version', 'c2.k0.' + 'A'.repeat(80)],
    ['upper-case version', 'C1.k0.' + 'A'.repeat(80)],
    ['bad kid grammar', 'c1.k/0.' + 'A'.repeat(80)],
    ['padding', 'c1.k0.' + 'A'.repeat(78) + '=='],
    ['standard base64 alphabet', 'c1.k0.' + '+'.repeat(80)],
    ['whitespace', 'c1.k0. ' + 'A'.repeat(80)],
    ['too short', 'c1.k0.' + 'A'.repeat(40)],
    ['impossible length 4k+1', 'c1.k0.' + 'A'.repeat(81)],
    ['a fourth part', 'c1.k0.' + 'A'.repeat(80) + '.x'],
  ])('malformed (%s) → ERR_SEAL_INVALID', (_name, token) => {
    expect(code(() => unseal(token, options))).toBe('ERR_SEAL_INVALID')
  })

  test('non-canonical base64url (non-zero trailing bits) is refused', () => {
    let token = seal({ x: '' }, options)
    for (let pad = 'a'; fromBase64url(token.split('.')[2]!)!.length % 3 === 0; pad += 'a') {
      token = seal({ x: pad }, options)
    }
    const body = token.split('.')[2]!
    const bytes = fromBase64url(body)!
    const last = body[body.length - 1]!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const spare = bytes.length % 3 === 1 ? 0x0f : 0x03
    const twin = alphabet[alphabet.indexOf(last) | 1 | (spare & 2)]!
    expect(twin).not.toBe(last)
    expect(code(() => unseal(token.slice(0, -1) + twin, options))).toBe('ERR_SEAL_INVALID')
  })

  test('input size is capped before any work', () => {
    expect(code(() => unseal('c1.k0.' + 'A'.repeat(20_000), options))).toBe('ERR_SEAL_INVALID')
    const token = seal('x'.repeat(100), options)
    expect(code(() => unseal(token, { ...options, maxLength: token.length - 1 }))).toBe(
      'ERR_SEAL_INVALID',
    )
    expect(unseal(token, { ...options, maxLength: token.length })).toBe('x'.repeat(100))
  })

  test('a non-string token is refused with a code, not a TypeError', () => {
    expect(code(() => unseal(42 as never, options))).toBe('ERR_SEAL_INVALID')
    expect(code(() => unseal(undefined as never, options))).toBe('ERR_SEAL_INVALID')
  })

  test('property: any JSON value round-trips', () => {
    // "__proto__" keys are refused at seal by design (tested below), so they are left out here.
    // -0 is refused too (issue 9.11: JSON would turn it into 0).
    const hasProtoKey = (v: unknown): boolean =>
      Object.is(v, -0) ||
      (typeof v === 'object' &&
        v !== null &&
        (Object.hasOwn(v, '__proto__') || Object.values(v).some(hasProtoKey)))
    fc.assert(
      fc.property(
        fc.jsonValue({ noUnicodeString: false }).filter((v) => !hasProtoKey(v)),
        (value) => {
          const normalised = JSON.parse(JSON.stringify(value)) as unknown // -0 → 0 is JSON's own rule
          expect(unseal(seal(value, options), options)).toEqual(normalised)
        },
      ),
      { numRuns: 300 },
    )
  })

  test('property: any bit flip, truncation or splice gives ERR_SEAL_INVALID and never another error', () => {
    const token = seal({ userId: 'u1', roles: ['a', 'b'] }, options)
    const other = seal({ userId: 'u2', roles: ['a', 'b'] }, options)
    fc.assert(
      fc.property(
        fc.nat(token.length * 8 - 1),
        fc.nat(token.length),
        fc.nat(other.length),
        (bit, cut, at) => {
          const chars = token.split('')
          const i = bit >>> 3
          chars[i] = String.fromCharCode(chars[i]!.charCodeAt(0) ^ (1 << (bit & 7)))
          const flipped = chars.join('')
          for (const bad of [flipped, token.slice(0, cut), token.slice(0, cut) + other.slice(at)]) {
            if (bad === token || bad === other) continue
            expect(['ERR_SEAL_INVALID', 'ERR_KEY_UNKNOWN']).toContain(
              code(() => unseal(bad, options)),
            )
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('data that cannot round-trip fails at seal', () => {
  const options = { ...base, ttlSeconds: 60 }
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  class Point {
    x = 1
  }
  test.each<[string, unknown]>([
    ['BigInt', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('x') }],
    ['a symbol key', { [Symbol('x')]: 1 }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Infinity]],
    ['a cycle', cyclic],
    ['a Map', { m: new Map() }],
    ['a Set', new Set([1])],
    ['a Date', { at: new Date(0) }],
    ['a class instance', new Point()],
    ['toJSON', { toJSON: () => 'x' }],
    ['an array hole', [1, , 3]],
    ['undefined in an array', [undefined]],
    ['undefined at the top', undefined],
    ['a Uint8Array', new Uint8Array(2)],
    ['__proto__ key', JSON.parse('{"__proto__": {"polluted": true}}')],
    ['deep nesting', JSON.parse('['.repeat(100) + ']'.repeat(100))],
  ])('%s → ERR_DATA_UNSERIALIZABLE', (_name, value) => {
    expect(code(() => seal(value, options))).toBe('ERR_DATA_UNSERIALIZABLE')
  })

  test.each<[string, () => unknown]>([
    [
      'a getter returning a new value on each access',
      () => ({
        get n() {
          return Math.random()
        },
      }),
    ],
    [
      'a getter that returns a number once, then a BigInt',
      () => {
        let calls = 0
        return {
          get n() {
            return calls++ === 0 ? 1 : 1n
          },
        }
      },
    ],
    ['a non-enumerable property', () => Object.defineProperty({ a: 1 }, 'hidden', { value: 2 })],
    ['-0', () => ({ n: -0 })],
    ['-0 in an array', () => [0, -0]],
    ['an array with an extra property', () => Object.assign([1, 2], { extra: 3 })],
    // Keys are listed as names, then symbols (issue 14): each kind of hidden key is still refused.
    ['an array with a symbol key', () => Object.assign([1, 2], { [Symbol('x')]: 3 })],
    [
      'an array with a non-enumerable extra property',
      () => Object.defineProperty([1, 2], 'extra', { value: 3 }),
    ],
    [
      'a non-enumerable symbol key',
      () => Object.defineProperty({ a: 1 }, Symbol('x'), { value: 2 }),
    ],
    [
      'an array element that is a getter',
      () => Object.defineProperty([1, 2], 1, { get: () => 2, enumerable: true }),
    ],
    [
      'a proxy whose get trap changes the value',
      () => {
        let calls = 0
        return new Proxy({ n: 1 }, { get: () => calls++ })
      },
    ],
    [
      'a revoked proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {})
        revoke()
        return { inner: proxy }
      },
    ],
  ])('9.11: %s → ERR_DATA_UNSERIALIZABLE (what is sealed is what the app holds)', (_name, make) => {
    expect(code(() => seal(make(), options))).toBe('ERR_DATA_UNSERIALIZABLE')
  })

  test.each<[string, unknown, string]>([
    ['a Date', { user: { createdAt: new Date(0), token: 'VALUE-123' } }, 'user.createdAt'],
    ['an array element', { items: ['VALUE-123', 1n] }, 'items[1]'],
    ['a -0 deep inside', { a: [{ b: { c: -0 } }] }, 'a[0].b.c'],
    ['the top level', Number.NaN, '(root)'],
    ['under a key that may be data (an e-mail)', { 'VALUE-123@x.example': { n: 1n } }, '[…].n'],
  ])('9.11: %s: the error names the key path, never the value', (_name, value, path) => {
    try {
      seal(value, options)
    } catch (error) {
      expect(error).toBeInstanceOf(SessionError)
      expect((error as SessionError).code).toBe('ERR_DATA_UNSERIALIZABLE')
      expect((error as SessionError).path).toBe(path)
      expect((error as SessionError).message).not.toContain('VALUE-123')
      return
    }
    throw new Error('expected a throw')
  })

  test('a Date is refused, never silently turned into a string', () => {
    expect(code(() => seal({ when: new Date() }, options))).toBe('ERR_DATA_UNSERIALIZABLE')
  })

  test('null-prototype objects and undefined properties are fine', () => {
    const obj = Object.assign(Object.create(null) as object, { a: 1 })
    expect(unseal(seal(obj, options), options)).toEqual({ a: 1 })
    expect(unseal(seal({ a: 1, b: undefined }, options), options)).toEqual({ a: 1 })
  })
})

describe('prototype pollution', () => {
  test('__proto__ smuggled through a \\u escape inside a valid seal never reaches Object.prototype', () => {
    // Build a valid seal whose plaintext holds a "\u005f_proto__" key, as a foreign producer with the key could.
    const options = { ...base, expiresAtMs: NOW + 60_000 }
    const crafted = seal({ marker: 1 }, options)
    expect(unseal(crafted, options)).toEqual({ marker: 1 })
    // Re-seal the escaped JSON directly through the AEAD with the real key.
    const text =
      '{"e":' +
      (NOW + 60_000) +
      ',"d":{"\\u005f_proto__":{"polluted":true},"constructor":{"prototype":{"polluted2":true}}}}'
    const token = sealRawPlaintext(text, options)
    const data = unseal<Record<string, unknown>>(token, options)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted2).toBeUndefined()
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype)
    expect(Object.hasOwn(data, '__proto__')).toBe(false)
    const merged = Object.assign({}, data)
    expect(merged.polluted).toBeUndefined()
  })
})

describe('nonces', () => {
  test('100,000 seals produce 100,000 distinct nonces', () => {
    const options = { ...base, ttlSeconds: 60 }
    const seen = new Set<string>()
    for (let i = 0; i < 100_000; i++) {
      const body = seal(0, options).split('.')[2]!
      seen.add(body.slice(0, 32)) // 32 base64url characters = the 24-byte nonce
    }
    expect(seen.size).toBe(100_000)
  })
})

test('openSealed reports the key id that opened the seal', () => {
  const old = generateSecret()
  const v1 = createKeyRing({ current: 'k1', keys: { k1: old } })
  const v2 = createKeyRing({ current: 'k2', keys: { k2: generateSecret(), k1: old } })
  const token = seal('x', { ...base, keys: v1, ttlSeconds: 60 })
  expect(openSealed(token, { ...base, keys: v2 }).kid).toBe('k1')
})

test('options are checked: purpose, lifetime, key ring', () => {
  expect(code(() => seal(1, { ...base, purpose: '', ttlSeconds: 1 }))).toBe('ERR_SESSION_OPTIONS')
  expect(code(() => seal(1, { ...base }))).toBe('ERR_SESSION_OPTIONS')
  expect(code(() => seal(1, { ...base, ttlSeconds: -1 }))).toBe('ERR_SESSION_OPTIONS')
  expect(code(() => seal(1, { ...base, expiresAtMs: 1.5 }))).toBe('ERR_SESSION_OPTIONS')
  expect(code(() => seal(1, { ...base, keys: generateSecret() as never, ttlSeconds: 1 }))).toBe(
    'ERR_KEY_RING_INVALID',
  )
})

// Seals an arbitrary plaintext with the ring's real key (the test plays a foreign producer).
function sealRawPlaintext(
  plaintext: string,
  options: { keys: typeof keys; purpose: string },
): string {
  const nonce = crypto.getRandomValues(new Uint8Array(24))
  // sealWithNonce serializes its own envelope, so go one level down through the backend.
  return rawSeal(plaintext, options.keys, options.purpose, nonce)
}

function rawSeal(plaintext: string, ring: typeof keys, purpose: string, nonce: Uint8Array): string {
  const key = portableBackend.importKey(ring.subkey(ring.current, 'seal'))
  const sealed = key.encrypt(
    nonce,
    new TextEncoder().encode(plaintext),
    lengthPrefixed('c1', ring.current, purpose),
  )
  return `c1.${ring.current}.${toBase64url(concat(nonce, sealed))}`
}
