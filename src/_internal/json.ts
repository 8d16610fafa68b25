// Exact JSON: values that survive JSON.stringify → JSON.parse unchanged, nothing else.

import { SessionError } from '../errors.js'

const MAX_DEPTH = 64

function fail(depth: number, what: string): never {
  // Neither values nor key names appear in the message: keys can be data too (a map by e-mail).
  throw new SessionError(
    'ERR_DATA_UNSERIALIZABLE',
    `session data holds ${what} at depth ${depth}, which cannot round-trip through JSON`,
  )
}

/**
 * Throws `ERR_DATA_UNSERIALIZABLE` unless `value` is plain JSON: null, booleans, finite numbers,
 * strings, dense arrays and plain objects, no cycles, no `toJSON` (a Date would silently become a
 * string), no `__proto__` key, at most 64 levels deep. `undefined` object properties are allowed
 * (they read back as absent, which reads as undefined).
 */
export function assertJson(value: unknown, depth = 0, stack: object[] = []): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return
    case 'number':
      if (!Number.isFinite(value)) fail(depth, 'a non-finite number')
      return
    case 'object':
      break
    case 'undefined':
      return fail(depth, 'undefined')
    default:
      return fail(depth, `a ${typeof value}`)
  }
  if (value === null) return
  if (depth >= MAX_DEPTH) fail(depth, 'nesting deeper than 64 levels')
  if (stack.includes(value)) fail(depth, 'a cycle')
  stack.push(value)
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) fail(depth, 'an array subclass')
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) fail(depth, 'a hole in an array')
      assertJson(value[i], depth + 1, stack)
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      fail(
        depth,
        value instanceof Date
          ? 'a Date (store date.getTime() or an ISO string)'
          : 'a non-plain object',
      )
    }
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
      fail(depth, 'an object with toJSON')
    // One Reflect.ownKeys call sees symbol keys too (JSON.stringify would drop them silently).
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === 'symbol') fail(depth, 'a symbol key')
      if (key === '__proto__') fail(depth, 'the key "__proto__"')
      const child = (value as Record<string, unknown>)[key]
      if (child !== undefined) assertJson(child, depth + 1, stack)
    }
  }
  stack.pop()
}

/** Serializes after {@link assertJson}. */
export function stringifyJson(value: unknown): string {
  assertJson(value)
  return JSON.stringify(value)
}

function dropProto(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value
}

/**
 * Parses JSON. A `__proto__` key (possible only through a `\u` escape or a foreign producer) is
 * dropped, so parsed data can be merged anywhere without reaching Object.prototype. The reviver
 * only runs when the text could hold such a key, keeping the common path fast.
 */
export function parseJson(text: string): unknown {
  return text.includes('__proto__') || text.includes('\\u')
    ? (JSON.parse(text, dropProto) as unknown)
    : (JSON.parse(text) as unknown)
}
