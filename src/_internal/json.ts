// Exact JSON: values that survive JSON.stringify → JSON.parse unchanged, nothing else.

import { SessionError } from '../errors.js'

const MAX_DEPTH = 64
// A key shown in an error's path: identifier-like keys only. Any other key (an e-mail, an id with
// punctuation) may be data itself and is shown as `[…]`.
const SHOWN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/

type Path = readonly (string | number)[]

function pathOf(path: Path): string {
  if (path.length === 0) return '(root)'
  let text = ''
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`
    else if (SHOWN_KEY.test(part)) text += text === '' ? part : `.${part}`
    else text += '[…]'
  }
  return text
}

function fail(path: Path, what: string, cause?: unknown): never {
  // The key path is named (`user.createdAt`), never a value.
  const where = pathOf(path)
  throw new SessionError(
    'ERR_DATA_UNSERIALIZABLE',
    `session data holds ${what} at ${where}, which cannot round-trip through JSON`,
    { cause, path: where },
  )
}

/**
 * Returns a plain copy of `value` if it is exact JSON, else throws `ERR_DATA_UNSERIALIZABLE`
 * naming the key path. Exact JSON: null, booleans, finite numbers other than -0, strings, dense
 * arrays with no other properties, and plain objects whose own properties are all enumerable data
 * properties (no getters, no non-enumerable or symbol keys, no `__proto__` key, no `toJSON`), no
 * cycles, at most 64 levels deep. `undefined` object properties are allowed (they read back as
 * absent). Each property is read once, into the copy, and the copy is what gets serialized: a
 * getter or a Proxy cannot make what is sealed differ from what was checked.
 */
function exactCopy(value: unknown, path: (string | number)[], stack: object[]): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      if (!Number.isFinite(value)) fail(path, 'a non-finite number')
      // JSON.stringify(-0) is "0": the app would hold -0 and read back 0.
      if (Object.is(value, -0)) fail(path, '-0')
      return value
    case 'object':
      break
    case 'undefined':
      return fail(path, 'undefined')
    default:
      return fail(path, `a ${typeof value}`)
  }
  if (value === null) return null
  if (path.length >= MAX_DEPTH) fail(path, 'nesting deeper than 64 levels')
  if (stack.includes(value)) fail(path, 'a cycle')
  stack.push(value)
  const copy = Array.isArray(value) ? copyArray(value, path, stack) : copyObject(value, path, stack)
  stack.pop()
  return copy
}

// An own property's value, read once through its descriptor: accessors and non-enumerable
// properties are refused (JSON.stringify would call the getter again, or skip the property).
// `path` is the property's own path; `missing` says what an absent property means.
function dataValue(value: object, key: string | number, path: Path, missing: string): unknown {
  const descriptor = Reflect.getOwnPropertyDescriptor(value, key)
  if (!descriptor) fail(path, missing)
  if (!('value' in descriptor)) fail(path, 'a getter (store its value instead)')
  if (!descriptor.enumerable) fail(path, 'a non-enumerable property')
  // A Proxy can answer a read differently from its descriptor: JSON.stringify would read it.
  if (!Object.is(Reflect.get(value, key), descriptor.value))
    fail(path, 'a value that changes when read (a Proxy?)')
  return descriptor.value as unknown
}

// Own keys are listed as names, then symbols: the same keys as Reflect.ownKeys, which V8 lists
// several times slower (it misses the enum cache). An array's indices are read by number, with
// no index string made.
function copyArray(value: unknown[], path: (string | number)[], stack: object[]): unknown[] {
  if (Object.getPrototypeOf(value) !== Array.prototype) fail(path, 'an array subclass')
  // Own keys of a plain dense array: its indices and "length", nothing else.
  if (
    Object.getOwnPropertyNames(value).length !== value.length + 1 ||
    Object.getOwnPropertySymbols(value).length !== 0
  )
    fail(path, 'an array with holes or extra properties')
  const copy: unknown[] = []
  for (let i = 0; i < value.length; i++) {
    path.push(i)
    copy.push(exactCopy(dataValue(value, i, path, 'a hole in an array'), path, stack))
    path.pop()
  }
  return copy
}

function copyObject(value: object, path: (string | number)[], stack: object[]): object {
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    fail(
      path,
      value instanceof Date
        ? 'a Date (store date.getTime() or an ISO string)'
        : 'a non-plain object',
    )
  }
  const copy: Record<string, unknown> = {}
  // Names include non-enumerable keys (JSON.stringify drops them silently); symbols are refused.
  for (const key of Object.getOwnPropertyNames(value)) {
    if (key === '__proto__') fail(path, 'the key "__proto__"')
    path.push(key)
    const child = dataValue(value, key, path, 'a property that vanished while being read')
    if (key === 'toJSON' && typeof child === 'function') fail(path, 'an object with toJSON')
    if (child !== undefined) copy[key] = exactCopy(child, path, stack)
    path.pop()
  }
  if (Object.getOwnPropertySymbols(value).length !== 0) fail(path, 'a symbol key')
  return copy
}

/**
 * Serializes exact JSON (see {@link exactCopy}), or throws `ERR_DATA_UNSERIALIZABLE` with the key
 * path on `error.path`; a getter, Proxy or hostile object never throws a bare error.
 */
export function stringifyJson(value: unknown): string {
  let copy: unknown
  try {
    copy = exactCopy(value, [], [])
  } catch (error) {
    if (error instanceof SessionError) throw error
    // A Proxy trap or a revoked Proxy threw: the data cannot be read, let alone serialized.
    return fail([], 'an object that cannot be read (a Proxy?)', error)
  }
  return JSON.stringify(copy)
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
