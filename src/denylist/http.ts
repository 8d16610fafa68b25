/**
 * The denylist over HTTP: the same store as {@link createRedisDenylist}, reached through an
 * `@upstash/redis` client (Redis over HTTPS, for runtimes that only have `fetch`: edge middleware,
 * edge routes, Workers).
 *
 * @module
 */

import {
  boundedInteger,
  evaluate,
  newGeneration,
  optionError,
  requireId,
  revokeUserArgs,
  ttlMs,
  unavailable,
  validateClaims,
  type Denylist,
  type Snapshot,
} from './contract.js'
import {
  GENERATION_SCRIPT,
  KEEP_SCRIPT,
  keyLayout,
  keyPart,
  PREFIX,
  type KeyLayout,
} from './keys.js'
import { decodedCounter, expectOk, incremented, storedGeneration } from './replies.js'

/**
 * The members of an `@upstash/redis` `Redis` client (v1) that the HTTP denylist uses. Declared
 * structurally so that cachet compiles without the package (an optional peer dependency).
 */
export interface HttpRedisDenylistClient {
  mget(...keys: string[]): Promise<unknown>
  set(key: string, value: string, options: { px: number }): Promise<unknown>
  incr(key: string): Promise<unknown>
  eval(script: string, keys: string[], args: string[]): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
}

/** Options of {@link createHttpRedisDenylist}. */
export interface HttpRedisDenylistOptions {
  /**
   * Prefix of every key and of the pub/sub channel, as in `createRedisDenylist` (an app whose
   * Node and edge parts share a Redis passes the same prefix to both). Default `'cachet:'`.
   */
  prefix?: string
  /**
   * Longest wait for an answer per call, in ms (1 to 60000). Default 500: an edge isolate's first
   * request includes a TLS handshake. A read that times out fails closed; a revoke rejects.
   */
  timeoutMs?: number
}

const noop = () => {}

// An ioredis client has methods of the same names with other signatures (`set(k, v, 'PX', ms)`,
// `eval(script, numkeys, ...)`): recognised by its connection status and refused.
function isHttpClient(value: unknown): value is HttpRedisDenylistClient {
  const c = value as Partial<Record<keyof HttpRedisDenylistClient | 'status', unknown>> | null
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.mget === 'function' &&
    typeof c.set === 'function' &&
    typeof c.incr === 'function' &&
    typeof c.eval === 'function' &&
    typeof c.publish === 'function' &&
    c.status === undefined
  )
}

function mgetValues(value: unknown, length: number): unknown[] {
  if (!Array.isArray(value) || value.length !== length)
    throw new TypeError('MGET answered a wrong shape')
  return value
}

/** Settles within `timeoutMs` with the parsed reply, or rejects with ERR_DENYLIST_UNAVAILABLE. */
function withDeadline<R>(
  timeoutMs: number,
  send: () => Promise<unknown>,
  parse: (reply: unknown) => R,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(unavailable(`Redis did not answer over HTTP within ${timeoutMs} ms`)),
      timeoutMs,
    )
    let reply: Promise<unknown>
    try {
      reply = Promise.resolve(send())
    } catch (cause) {
      clearTimeout(timer)
      reject(unavailable('the HTTP Redis client refused the command', cause))
      return
    }
    reply.then(
      (value) => {
        clearTimeout(timer)
        try {
          resolve(parse(value))
        } catch (cause) {
          reject(unavailable('Redis answered something unexpected', cause))
        }
      },
      (cause: unknown) => {
        clearTimeout(timer)
        reject(unavailable('Redis did not perform the command', cause))
      },
    )
  })
}

// --- Options ---

interface HttpConfig {
  readonly prefix: string
  readonly timeoutMs: number
}

function checkOptions(client: unknown, options: HttpRedisDenylistOptions): HttpConfig {
  if (!isHttpClient(client))
    optionError(
      'createHttpRedisDenylist needs an @upstash/redis client (ioredis: createRedisDenylist)',
    )
  if (typeof options !== 'object' || options === null) optionError('options must be an object')
  const prefix = options.prefix ?? 'cachet:'
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    optionError('prefix must be 1 to 64 printable ASCII characters without spaces or braces')
  }
  const timeoutMs = boundedInteger('timeoutMs', options.timeoutMs ?? 500, { min: 1, max: 60_000 })
  return { prefix, timeoutMs }
}

// --- Reads and writes ---

interface HttpStore {
  /**
   * The epoch, the generation (absent: undefined) and, given a user key, its version (absent: 0):
   * one HTTP request holding one MGET.
   */
  readCurrent(
    versionKey: string | undefined,
  ): Promise<{ epoch: number; generation: string | undefined; userVersion: number }>
  /** What the store holds for one check: one HTTP request holding one MGET. */
  readSnapshot(sidPart: string, userPart: string | undefined): Promise<Snapshot>
  /** Creates the generation if there is none (the ioredis store's script), answers the one in force. */
  createGeneration(): Promise<string>
  /** A confirmed write, then the PUBLISH that clears other instances' caches. */
  write<R>(
    message: string,
    send: () => Promise<unknown>,
    parse: (reply: unknown) => R,
  ): Promise<void>
}

const malformed = (cause: unknown) =>
  unavailable('Redis holds a malformed revocation counter or generation', cause)

// The client decodes each value as JSON by default; a generation (base64url) is not JSON and so
// arrives as the stored string, as it does with `automaticDeserialization: false`.
function createdGeneration(reply: unknown): string {
  const value = storedGeneration(reply)
  if (value === undefined) throw new TypeError('the generation script answered nothing')
  return value
}

function createHttpStore(
  client: HttpRedisDenylistClient,
  keys: KeyLayout,
  timeoutMs: number,
): HttpStore {
  const call = <R>(send: () => Promise<unknown>, parse: (reply: unknown) => R) =>
    withDeadline(timeoutMs, send, parse)
  const readKeys = (list: string[]) =>
    call(
      () => client.mget(...list),
      (reply) => mgetValues(reply, list.length),
    )
  return {
    async readCurrent(versionKey) {
      const list = [keys.epoch, keys.generation]
      if (versionKey !== undefined) list.push(versionKey)
      const values = await readKeys(list)
      try {
        return {
          epoch: decodedCounter(values[0]),
          generation: storedGeneration(values[1]),
          userVersion: versionKey === undefined ? 0 : decodedCounter(values[2]),
        }
      } catch (cause) {
        throw malformed(cause)
      }
    },
    async readSnapshot(sidPart, userPart) {
      const list = [keys.session(sidPart), keys.epoch, keys.generation]
      // The device index's revocation marker (written by the ioredis store's session cap) rides in
      // the same MGET, as in the ioredis store: a session evicted on Node is refused here too.
      if (userPart !== undefined)
        list.push(
          keys.version(userPart),
          keys.keep(userPart, sidPart),
          keys.deviceRevoked(userPart, sidPart),
        )
      const values = await readKeys(list)
      try {
        const epoch = decodedCounter(values[1])
        const generation = storedGeneration(values[2])
        const revoked = values[0] !== null
        if (userPart === undefined)
          return { revoked, userVersion: 0, keptUntil: undefined, epoch, generation }
        return {
          revoked: revoked || (values[5] ?? null) !== null,
          epoch,
          generation,
          userVersion: decodedCounter(values[3]),
          keptUntil: values[4] === null ? undefined : decodedCounter(values[4]),
        }
      } catch (cause) {
        throw malformed(cause)
      }
    },
    // None: a store never used, or one that lost its data. Created once with the ioredis store's
    // SET NX script (a concurrent creator, over either transport, wins and its value is
    // answered); then Node instances drop cached answers that carry the old one.
    async createGeneration() {
      const generation = await call(
        () => client.eval(GENERATION_SCRIPT, [keys.generation], [newGeneration()]),
        createdGeneration,
      )
      await call(() => client.publish(keys.channel, 'e:'), noop).catch(noop)
      return generation
    },
    // The same messages as the ioredis store publishes, after the write is confirmed; a lost
    // message is bounded by the other instances' cacheTtlMs, so a failed publish does not fail.
    async write(message, send, parse) {
      await call(send, parse)
      await call(() => client.publish(keys.channel, message), noop).catch(noop)
    },
  }
}

// --- The store ---

/**
 * A denylist in Redis reached over HTTP with an `@upstash/redis` client: for edge middleware,
 * edge routes and Workers, where TCP (and so ioredis) is not available. It shares keys, values
 * and TTLs with {@link createRedisDenylist}: a Node app with ioredis and an edge middleware with
 * this store, given the same prefix, read and revoke the same sessions.
 *
 * A sibling of `createRedisDenylist` rather than another client type for it: the HTTP client's
 * commands take other arguments (`set(k, v, { px })`, `eval(script, keys, args)`), it has no
 * connection to wait for, and it cannot subscribe, so there is no local cache here (no pub/sub
 * dependency; see `recheckSeconds` in `createSessions` for skipping reads instead).
 *
 * - A check is one HTTP request holding one `MGET` (with the client's auto-pipelining, concurrent
 *   checks may share a request; each stays one `MGET`).
 * - Revocations are confirmed writes (`SET … PX`, `INCR`, or the keep script through `EVAL`),
 *   then one `PUBLISH` so that Node instances with a cache drop their answers at once.
 * - The store generation is the ioredis store's key (`<prefix>{store}:generation`, next to
 *   `<prefix>{store}:epoch`), read in the same `MGET`; the first `current()` on a store without one
 *   creates it with the same `SET NX` script (through `EVAL`), so sessions stamped before Redis
 *   lost its data are refused (`store-reset`) by both stores.
 * - Every call settles within `timeoutMs`; on failure it rejects with `ERR_DENYLIST_UNAVAILABLE`
 *   (`createSessions` then reads the session as revoked, reason `denylist-unavailable`, unless
 *   `onDenylistError: 'allow'`). The client's own retries continue in the background: create it
 *   with `retry: false` or a small `retry` if that matters.
 *
 * @param client - An `@upstash/redis` `Redis` (e.g. `Redis.fromEnv()`). It stays yours.
 * @param options - Prefix and timeout; see {@link HttpRedisDenylistOptions}.
 * @returns A {@link Denylist}.
 * @throws `ERR_DENYLIST_OPTIONS` for a client that is not an `@upstash/redis` client (an ioredis
 *   client goes to `createRedisDenylist`), a prefix with braces or spaces, an out-of-range timeout.
 * @example
 * ```ts
 * import { Redis } from '@upstash/redis'
 * const denylist = createHttpRedisDenylist(Redis.fromEnv(), { timeoutMs: 500 })
 * const sessions = createSessions({ keys: secret, denylist, recheckSeconds: 30 })
 * ```
 */
export function createHttpRedisDenylist(
  client: HttpRedisDenylistClient,
  options: HttpRedisDenylistOptions = {},
): Denylist {
  const { prefix, timeoutMs } = checkOptions(client, options)
  const keys = keyLayout(prefix)
  const store = createHttpStore(client, keys, timeoutMs)

  return {
    async current(userId) {
      if (userId !== undefined && typeof userId !== 'string') optionError('userId must be a string')
      const versionKey = userId === undefined ? undefined : keys.version(keyPart(userId))
      const { epoch, generation, userVersion } = await store.readCurrent(versionKey)
      return { userVersion, epoch, generation: generation ?? (await store.createGeneration()) }
    },
    async check(claims) {
      validateClaims(claims)
      const sidPart = keyPart(claims.sessionId)
      const userPart = claims.userId === undefined ? undefined : keyPart(claims.userId)
      return evaluate(claims, await store.readSnapshot(sidPart, userPart))
    },
    async revokeSession(sessionId, ttlSeconds) {
      requireId('sessionId', sessionId)
      const ms = ttlMs(ttlSeconds)
      const sidPart = keyPart(sessionId)
      await store.write(
        `s:${sidPart}`,
        () => client.set(keys.session(sidPart), '1', { px: ms }),
        expectOk,
      )
    },
    async revokeUser(userId, revokeOptions = {}) {
      const { ms, except } = revokeUserArgs(userId, revokeOptions)
      const userPart = keyPart(userId)
      const version = keys.version(userPart)
      await store.write(
        `u:${userPart}`,
        except === undefined
          ? () => client.incr(version)
          : () =>
              client.eval(
                KEEP_SCRIPT,
                [version, keys.keep(userPart, keyPart(except))],
                [String(ms)],
              ),
        incremented,
      )
    },
    async revokeAll() {
      await store.write('e:', () => client.incr(keys.epoch), incremented)
    },
  }
}
