/**
 * Parsing of Redis replies for the denylist: counters, INCR results and MGET arrays, refusing any
 * shape a healthy server would not send.
 *
 * @module
 */

import { GENERATION, isCounter, unavailable } from './contract.js'

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/

/** A counter read with MGET: absent is 0; anything but a non-negative decimal is garbage. */
export function storedCounter(value: unknown): number {
  if (value === null) return 0
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const n = Number(value)
    if (Number.isSafeInteger(n)) return n
  }
  throw new TypeError('a counter is not a non-negative integer')
}

/**
 * A counter read over HTTP: `@upstash/redis` decodes each value as JSON by default
 * (`automaticDeserialization`), so a counter arrives as a number; with that option off, or for a
 * value that is not JSON, as the stored string. Both spellings are accepted; anything else is
 * garbage.
 */
export function decodedCounter(value: unknown): number {
  if (value === null) return 0
  const n = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value
  if (isCounter(n)) return n
  throw new TypeError('a counter is not a non-negative integer')
}

/** The reply of INCR or the keep script (a number, or a string with `stringNumbers`). */
export function incremented(value: unknown): number {
  const n = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value
  if (!isCounter(n) || n < 1) throw new TypeError('INCR did not answer a positive integer')
  return n
}

/** A generation read with MGET: absent is undefined; anything but a short token is garbage. */
export function storedGeneration(value: unknown): string | undefined {
  if (value === null) return undefined
  if (typeof value === 'string' && GENERATION.test(value)) return value
  throw new TypeError('the generation is not a short token')
}

export function mgetReply(value: unknown, length: number): (string | null)[] {
  if (!Array.isArray(value) || value.length !== length)
    throw new TypeError('MGET answered a wrong shape')
  for (const v of value)
    if (v !== null && typeof v !== 'string') throw new TypeError('MGET answered a non-string')
  return value as (string | null)[]
}

/** A counter read outside a check: a malformed one is an unavailable store. */
export function parseCounter(value: string | null | undefined): number {
  return parsed(() => storedCounter(value ?? null))
}

/** A generation read outside a check: a malformed one is an unavailable store. */
export function parseGeneration(value: string | null | undefined): string | undefined {
  return parsed(() => storedGeneration(value ?? null))
}

function parsed<R>(read: () => R): R {
  try {
    return read()
  } catch (cause) {
    throw unavailable('Redis holds a malformed revocation counter or generation', cause)
  }
}

/** A `SET` that did not answer `OK` was not stored. */
export function expectOk(reply: unknown): void {
  if (reply !== 'OK') throw new TypeError('SET did not answer OK')
}
