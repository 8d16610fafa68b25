// Mutations of sealed tokens and session cookies for the fuzz tests (issue 9, "Also").
//
// Every mutation is a plain record drawn by fast-check and applied deterministically to a fixed
// set of originals, so a failure shrinks to a small record and replays from its seed.

import fc from 'fast-check'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A token-level mutation: its result never equals an original (the caller checks). */
export type TokenMutation =
  | { kind: 'bit-flip'; t: number; at: number; bit: number }
  | { kind: 'char-flip'; t: number; at: number; bit: number }
  | { kind: 'truncate-end'; t: number; at: number }
  | { kind: 'truncate-start'; t: number; at: number }
  | { kind: 'splice'; t: number; u: number; at: number; from: number }
  | { kind: 'swap-body'; t: number; u: number }
  | { kind: 'kid-swap'; t: number; kid: number }
  | { kind: 'non-canonical'; t: number; variant: number }
  | { kind: 'insert'; t: number; at: number; char: number }
  | { kind: 'duplicate-part'; t: number; at: number; length: number }

const idx = fc.nat({ max: 1 << 20 })

export const tokenMutation: fc.Arbitrary<TokenMutation> = fc.oneof(
  fc.record({ kind: fc.constant('bit-flip'), t: idx, at: idx, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('char-flip'), t: idx, at: idx, bit: fc.nat({ max: 6 }) }),
  fc.record({ kind: fc.constant('truncate-end'), t: idx, at: idx }),
  fc.record({ kind: fc.constant('truncate-start'), t: idx, at: idx }),
  fc.record({ kind: fc.constant('splice'), t: idx, u: idx, at: idx, from: idx }),
  fc.record({ kind: fc.constant('swap-body'), t: idx, u: idx }),
  fc.record({ kind: fc.constant('kid-swap'), t: idx, kid: idx }),
  fc.record({ kind: fc.constant('non-canonical'), t: idx, variant: fc.nat({ max: 5 }) }),
  fc.record({ kind: fc.constant('insert'), t: idx, at: idx, char: fc.nat({ max: 127 }) }),
  fc.record({ kind: fc.constant('duplicate-part'), t: idx, at: idx, length: fc.nat({ max: 64 }) }),
)

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!

function decode64(text: string): number[] | undefined {
  const bits: number[] = []
  for (const c of text) {
    const v = ALPHABET.indexOf(c)
    if (v < 0) return undefined
    for (let b = 5; b >= 0; b--) bits.push((v >> b) & 1)
  }
  return bits
}

function encode64(bits: readonly number[]): string {
  let text = ''
  for (let i = 0; i < bits.length; i += 6) {
    let v = 0
    for (let b = 0; b < 6; b++) v = (v << 1) | (bits[i + b] ?? 0)
    text += ALPHABET[v]
  }
  return text
}

function parts(token: string): [string, string, string] {
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  return [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)]
}

// Base64url whose unused trailing bits are set, or padded, or in the standard alphabet: the
// same bytes to a lenient decoder, a different string to a strict one (RFC 4648 §3.5).
function nonCanonical(body: string, variant: number): string {
  const spare = [0, 0, 4, 2][body.length % 4]!
  if (spare > 0 && variant < 3) {
    const last = ALPHABET.indexOf(body.at(-1)!)
    const flipped = last ^ (1 + (variant % ((1 << spare) - 1)))
    return body.slice(0, -1) + ALPHABET[flipped]
  }
  if (variant === 3) return body + '='
  if (variant === 4)
    return (
      body.replace(/-/g, '+').replace(/_/g, '/') +
      (body.includes('-') || body.includes('_') ? '' : '==')
    )
  return ` ${body}`
}

/** Applies a mutation to `tokens` (sealed tokens `c1.<kid>.<body>`), with `kids` to swap in. */
export function mutateToken(
  m: TokenMutation,
  tokens: readonly string[],
  kids: readonly string[],
): string {
  const token = pick(tokens, m.t)
  switch (m.kind) {
    case 'bit-flip': {
      const [version, kid, body] = parts(token)
      const bits = decode64(body)!
      const at = (m.at % Math.floor(bits.length / 8)) * 8 + m.bit
      bits[at] = 1 - bits[at]!
      return `${version}.${kid}.${encode64(bits.slice(0, bits.length - (bits.length % 8)))}`
    }
    case 'char-flip': {
      const at = m.at % token.length
      const c = String.fromCharCode(token.charCodeAt(at) ^ (1 << m.bit))
      return token.slice(0, at) + c + token.slice(at + 1)
    }
    case 'truncate-end':
      return token.slice(0, m.at % token.length)
    case 'truncate-start':
      return token.slice(1 + (m.at % (token.length - 1)))
    case 'splice': {
      const other = pick(tokens, m.u)
      return token.slice(0, m.at % token.length) + other.slice(m.from % other.length)
    }
    case 'swap-body': {
      const [version, kid] = parts(token)
      return `${version}.${kid}.${parts(pick(tokens, m.u))[2]}`
    }
    case 'kid-swap': {
      const [version, kid, body] = parts(token)
      const others = kids.filter((k) => k !== kid)
      return `${version}.${pick(others, m.kid)}.${body}`
    }
    case 'non-canonical': {
      const [version, kid, body] = parts(token)
      return `${version}.${kid}.${nonCanonical(body, m.variant)}`
    }
    case 'insert': {
      const at = m.at % (token.length + 1)
      return token.slice(0, at) + String.fromCharCode(m.char) + token.slice(at)
    }
    case 'duplicate-part': {
      const at = m.at % token.length
      return token.slice(0, at) + token.slice(at, at + 1 + m.length) + token.slice(at)
    }
  }
}

/** A session as a browser holds it: its id and its cookie pairs (one, or its chunks in order). */
export interface CookieOriginal {
  readonly id: string
  readonly pairs: readonly (readonly [name: string, value: string])[]
}

/**
 * A Cookie header built from pieces of the originals, mutated tokens and garbage, in any order:
 * chunks reordered, duplicated, moved to other indices or taken from another session.
 */
export interface CookiePiece {
  readonly source: number
  readonly part: number
  readonly index: number
  readonly keepIndex: boolean
  readonly mutate: TokenMutation | null
}

export const cookiePieces: fc.Arbitrary<CookiePiece[]> = fc.array(
  fc.record({
    source: idx,
    part: idx,
    index: fc.integer({ min: -1, max: 5 }),
    keepIndex: fc.boolean(),
    mutate: fc.option(tokenMutation, { freq: 3 }),
  }),
  { minLength: 1, maxLength: 8 },
)
