import { describe, expect, test } from 'vitest'
import { createKeyRing, generateSecret, type KeyRingOptions } from '../src/keys.js'
import { code } from './helpers/error-code.js'

const GOOD = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8' // base64url of 32 bytes
const GOOD2 = generateSecret()

describe('secrets', () => {
  test.each([
    ['base64url of 32 bytes', GOOD],
    ['base64 of 32 bytes with padding', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='],
    ['hex of 32 bytes', '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'],
    ['a 32-character passphrase', 'The quick brown fox jumps over!!'],
    ['32 raw bytes', new Uint8Array(32).fill(7)],
    ['a generated secret', generateSecret()],
  ])('accepts %s', (_name, secret) => {
    expect(createKeyRing(secret).current).toBe('k0')
  })

  test.each([
    ['empty', ''],
    ['short', 'too short'],
    ['31 characters', 'The quick brown fox jumps over!'],
    ['hex of 16 bytes (32 chars)', '000102030405060708090a0b0c0d0e0f'],
    ['base64 of 24 bytes', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYX'],
    ['repetitive', 'a'.repeat(64)],
    ['two characters alternating', 'ab'.repeat(32)],
    ['surrounding spaces', ` ${GOOD} `],
    ['31 raw bytes', new Uint8Array(31)],
  ])('refuses %s with ERR_KEY_WEAK', (_name, secret) => {
    expect(code(() => createKeyRing(secret))).toBe('ERR_KEY_WEAK')
  })

  test.each([
    ['a number', 12345],
    ['null inside a ring', { current: 'a', keys: { a: null } }],
    ['an array', [GOOD]],
  ])('refuses %s', (_name, input) => {
    expect(code(() => createKeyRing(input as never))).toMatch(/^ERR_KEY_(WEAK|RING_INVALID)$/)
  })

  test('error messages never contain the secret', () => {
    const secret = 'abcdefghij-short'
    try {
      createKeyRing({ current: 'k', keys: { k: secret } })
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(secret)
      return
    }
    throw new Error('expected a throw')
  })
})

describe('key rings', () => {
  test.each<[string, unknown]>([
    ['an unknown current', { current: 'k3', keys: { k1: GOOD, k2: GOOD2 } }],
    ['no keys', { current: 'k1', keys: {} }],
    ['a duplicate secret', { current: 'k1', keys: { k1: GOOD, k2: GOOD } }],
    ['a key id with a dot', { current: 'k.1', keys: { 'k.1': GOOD } }],
    ['a key id too long', { current: 'k'.repeat(17), keys: { ['k'.repeat(17)]: GOOD } }],
    ['a missing keys object', { current: 'k1' }],
    ['current from the prototype', { current: 'toString', keys: { k1: GOOD } }],
  ])('refuses %s with ERR_KEY_RING_INVALID', (_name, options) => {
    expect(code(() => createKeyRing(options as KeyRingOptions))).toBe('ERR_KEY_RING_INVALID')
  })

  test('current comes first; other keys only open', () => {
    const ring = createKeyRing({ current: 'k2', keys: { k1: GOOD, k2: GOOD2 } })
    expect(ring.ids).toEqual(['k2', 'k1'])
    expect(ring.has('k1')).toBe(true)
    expect(ring.has('k3')).toBe(false)
    expect(Object.isFrozen(ring)).toBe(true)
  })

  test('subkeys: 32 bytes, cached, distinct per use and per key', () => {
    const ring = createKeyRing({ current: 'k2', keys: { k1: GOOD, k2: GOOD2 } })
    const a = ring.subkey('k1', 'seal')
    expect(a).toHaveLength(32)
    expect(ring.subkey('k1', 'seal')).toBe(a)
    expect(ring.subkey('k1', 'csrf')).not.toEqual(a)
    expect(ring.subkey('k2', 'seal')).not.toEqual(a)
    expect(code(() => ring.subkey('k9', 'seal'))).toBe('ERR_KEY_UNKNOWN')
  })

  test('the same secret gives the same subkey in any ring (deterministic HKDF)', () => {
    const a = createKeyRing({ current: 'k1', keys: { k1: GOOD } })
    const b = createKeyRing({ current: 'k1', keys: { k1: GOOD, k2: GOOD2 } })
    expect(a.subkey('k1', 'seal')).toEqual(b.subkey('k1', 'seal'))
  })

  test('length-prefixed info: kid/use boundaries cannot be shifted', () => {
    const ring = createKeyRing({ current: 'a', keys: { a: GOOD, ab: GOOD2 } })
    const ring2 = createKeyRing({ current: 'a', keys: { a: GOOD2, ab: GOOD } })
    // "ab" + "c" vs "a" + "bc" under the same secret must differ.
    expect(ring.subkey('ab', 'c')).not.toEqual(ring2.subkey('a', 'bc'))
  })

  test('a ring passes through createKeyRing unchanged', () => {
    const ring = createKeyRing(GOOD)
    expect(createKeyRing(ring)).toBe(ring)
  })

  test('generateSecret gives 43 base64url characters, each call fresh', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 100; i++) {
      const s = generateSecret()
      expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/)
      seen.add(s)
    }
    expect(seen.size).toBe(100)
  })
})
