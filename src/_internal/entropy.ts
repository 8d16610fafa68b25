// Refusing low-entropy secrets (issue 9.10): repetition with a short period, sequences, keyboard
// walks and few distinct values, in bytes and in strings alike.
//
// The test is a tiny predictor. A symbol (a byte, or a character of a string) is "predicted" when
// the symbols before it already fix it under one of three rules:
//   1. period: it equals the symbol P places back (P is the best period from 1 to 64);
//   2. sequence: its difference to the previous symbol repeats the previous difference
//      ("aaa", "abc", "0246", "zyx");
//   3. keyboard: its key on a US keyboard is the same step from the previous key as that key was
//      from the one before ("qwer", "asdf", "!@#$"; shifted and plain keys count alike).
// A secret whose unpredicted ("novel") symbols number fewer than MIN_NOVEL is refused, and so are
// byte strings with fewer than MIN_DISTINCT_BYTES distinct values.
//
// Why these thresholds never refuse a random secret: for symbols drawn uniformly from an alphabet
// of k values, given everything before position i, rule 1 (for a fixed P) and rule 2 each allow
// one value and rule 3 at most two (a key and its shifted form), so position i is predicted with
// probability at most 4/k whatever came before. The count of predicted positions is then bounded
// by Binomial(n, 4/k), and a union over the 64 candidate periods bounds the choice of P:
//   P(refused) <= 64 * P(Binomial(n, 4/k) >= n - MIN_NOVEL + 1)
// which is 5.6e-14 for 32 raw bytes (n = 32, k = 256), 2.0e-16 for 43 base64url characters
// (k = 64), 2.2e-17 for 44 base64 characters and 2.2e-12 for 64 hex characters (k = 16). The
// distinct-value rule refuses 32 random bytes with probability 3.2e-17 (exact birthday count).
// A hex or base64 string is judged both as characters and as the bytes it decodes to, so the
// bounds add. Every bound is below 2^-38 per secret; test/keys.test.ts checks 10,000 real ones.

import { fromBase64url } from './bytes.js'

const MIN_NOVEL = 20
const MIN_DISTINCT_BYTES = 16
const MAX_PERIOD = 64
const HEX = /^(?:[0-9a-fA-F]{2})+$/
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/

// US keyboard rows, plain and shifted: a character's key is row * 16 + column.
const ROWS = [
  ['`1234567890-=', '~!@#$%^&*()_+'],
  ['qwertyuiop[]\\', 'QWERTYUIOP{}|'],
  ["asdfghjkl;'", 'ASDFGHJKL:"'],
  ['zxcvbnm,./', 'ZXCVBNM<>?'],
]
const KEYS = new Map<number, number>()
ROWS.forEach((forms, row) => {
  for (const form of forms)
    for (let col = 0; col < form.length; col++) KEYS.set(form.charCodeAt(col), row * 16 + col)
})

function bestPeriod(symbols: readonly number[]): number {
  let best = 1
  let bestMatches = -1
  for (let p = 1; p <= Math.min(MAX_PERIOD, symbols.length - 1); p++) {
    let matches = 0
    for (let i = p; i < symbols.length; i++) if (symbols[i] === symbols[i - p]) matches++
    if (matches > bestMatches) [best, bestMatches] = [p, matches]
  }
  return best
}

/** The number of symbols none of the three rules predicts. */
function novelSymbols(symbols: readonly number[]): number {
  const period = bestPeriod(symbols)
  const at = (i: number) => symbols[i]!
  const key = (i: number) => KEYS.get(at(i))
  let novel = 0
  for (let i = 0; i < symbols.length; i++) {
    const repeats = i >= period && at(i) === at(i - period)
    const sequence = i >= 2 && at(i) - at(i - 1) === at(i - 1) - at(i - 2)
    const k0 = key(i)
    const k1 = i >= 1 ? key(i - 1) : undefined
    const k2 = i >= 2 ? key(i - 2) : undefined
    const walk = k0 !== undefined && k1 !== undefined && k2 !== undefined && k0 - k1 === k1 - k2
    if (!repeats && !sequence && !walk) novel++
  }
  return novel
}

function weakBytes(bytes: Uint8Array): boolean {
  const symbols = Array.from(bytes)
  return new Set(symbols).size < MIN_DISTINCT_BYTES || novelSymbols(symbols) < MIN_NOVEL
}

function decoded(secret: string): Uint8Array | undefined {
  if (HEX.test(secret)) {
    const bytes = new Uint8Array(secret.length / 2)
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = Number.parseInt(secret.slice(2 * i, 2 * i + 2), 16)
    return bytes
  }
  if (BASE64.test(secret))
    return fromBase64url(secret.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'))
  return undefined
}

/**
 * True when a secret is predictable: a short period, a sequence, a keyboard walk, or (bytes) few
 * distinct values. A string is judged by its characters and, when it is hex or base64, by the
 * bytes it decodes to. Never true for a random secret of 32+ bytes (bounds above).
 */
export function isLowEntropy(secret: string | Uint8Array): boolean {
  if (secret instanceof Uint8Array) return weakBytes(secret)
  const chars = Array.from(secret, (c) => c.codePointAt(0)!)
  if (novelSymbols(chars) < MIN_NOVEL) return true
  const bytes = decoded(secret)
  return bytes !== undefined && bytes.length >= 32 && weakBytes(bytes)
}
