/**
 * The Redis denylist: revocations shared by every instance of the app, one round trip per check,
 * confirmed writes announced over pub/sub, fail-closed within a deadline.
 *
 * @module
 */

import { createLocalCache, type LocalCache } from './cache.js'
import { createCaller, type Caller } from './circuit.js'
import { isClient, type RedisDenylistClient } from './client.js'
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
import type { DeviceIndex } from './devices.js'
import {
  GENERATION_SCRIPT,
  keyLayout,
  keyPart,
  KEEP_SCRIPT,
  PREFIX,
  type KeyLayout,
} from './keys.js'
import { createRedisDevices } from './redis-devices.js'
import {
  expectOk,
  incremented,
  mgetReply,
  parseCounter,
  parseGeneration,
  storedCounter,
  storedGeneration,
} from './replies.js'

// --- Types ---

/** Options of {@link createRedisDenylist}. */
export interface RedisDenylistOptions {
  /**
   * Prefix of every key and of the pub/sub channel: 1 to 64 printable ASCII characters without
   * `{`, `}` or spaces. Default `'cachet:'`. Changing it loses every revocation.
   */
  prefix?: string
  /**
   * Longest wait for Redis per command, in ms (1 to 60000). Default 100. A read that times out
   * fails closed; a revoke that times out rejects. Waiting for a connection that is down counts
   * against it too.
   */
  timeoutMs?: number
  /**
   * Longest wait for a connection being established, in ms (1 to 60000), before `timeoutMs`
   * starts for the command: the first call on a fresh client (a cold start: TCP and TLS to a
   * managed Redis take 50-300 ms), or the reconnection of a connection that dropped. Default
   * 3000. Shared by every call waiting on the same attempt; once an attempt fails (connection
   * refused) or overruns this budget, calls wait at most `timeoutMs` until a connection is ready
   * again.
   */
  connectTimeoutMs?: number
  /**
   * Answer repeated checks of a session from a local cache for up to this many ms (1 to 60000).
   * Another instance's revocation clears the entry at once through pub/sub; if a message is lost
   * a cached answer is at most `cacheTtlMs` old. Default: no cache.
   */
  cacheTtlMs?: number
  /** Most sessions kept in the local cache (1 to 1000000). Default 10000. */
  cacheMaxEntries?: number
  /**
   * A dedicated connection for pub/sub (a connection in subscriber mode cannot send other
   * commands), e.g. `client.duplicate()`. Only with `cacheTtlMs`. Default: the denylist calls
   * `client.duplicate()` itself and disconnects it in `close()`.
   */
  subscriber?: RedisDenylistClient
  /** Monotonic clock for cache expiry only, in ms. Default `performance.now`. For tests. */
  now?: () => number
}

/** A Redis denylist: a {@link Denylist} with a {@link DeviceIndex} and `close()`. */
export interface RedisDenylist extends Denylist, DeviceIndex {
  /**
   * Stops listening to the client, drops the cache and disconnects the subscriber the denylist
   * created (a subscriber you passed is unsubscribed, not disconnected). The client itself stays
   * open: it is yours. Later calls reject with `ERR_DENYLIST_UNAVAILABLE`.
   */
  close(): Promise<void>
}

// --- Options ---

const noop = () => {}

const DEFAULT_CONNECT_TIMEOUT_MS = 3000

interface RedisConfig {
  readonly prefix: string
  readonly timeoutMs: number
  readonly connectTimeoutMs: number
  /** 0: no local cache. */
  readonly cacheTtlMs: number
  readonly cacheMaxEntries: number
  readonly clock: () => number
}

function checkOptions(client: RedisDenylistClient, options: RedisDenylistOptions): RedisConfig {
  if (!isClient(client)) optionError('createRedisDenylist needs an ioredis Redis or Cluster client')
  if (typeof options !== 'object' || options === null) optionError('options must be an object')
  const prefix = options.prefix ?? 'cachet:'
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    optionError('prefix must be 1 to 64 printable ASCII characters without spaces or braces')
  }
  const timeoutMs = boundedInteger('timeoutMs', options.timeoutMs ?? 100, { min: 1, max: 60_000 })
  const connectTimeoutMs = boundedInteger(
    'connectTimeoutMs',
    options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    { min: 1, max: 60_000 },
  )
  const cacheTtlMs =
    options.cacheTtlMs === undefined
      ? 0
      : boundedInteger('cacheTtlMs', options.cacheTtlMs, { min: 1, max: 60_000 })
  const cacheMaxEntries = boundedInteger('cacheMaxEntries', options.cacheMaxEntries ?? 10_000, {
    min: 1,
    max: 1_000_000,
  })
  if (options.subscriber !== undefined) {
    if (cacheTtlMs === 0) optionError('subscriber is only used with cacheTtlMs')
    if (!isClient(options.subscriber) || typeof options.subscriber.subscribe !== 'function') {
      optionError('subscriber must be an ioredis Redis or Cluster client')
    }
    if (options.subscriber === client)
      optionError('subscriber must be a separate connection (client.duplicate())')
  }
  if (
    cacheTtlMs > 0 &&
    options.subscriber === undefined &&
    typeof client.duplicate !== 'function'
  ) {
    optionError('the cache needs a subscriber connection: pass one, or a client with duplicate()')
  }
  const clock = options.now ?? (() => performance.now())
  if (typeof clock !== 'function') optionError('now must be a function')
  return { prefix, timeoutMs, connectTimeoutMs, cacheTtlMs, cacheMaxEntries, clock }
}

// --- Reads and writes ---

interface Store {
  readonly caller: Caller
  readKeys(groups: readonly (readonly string[])[]): Promise<(string | null)[]>
  readSnapshot(sidPart: string, userPart: string | undefined): Promise<Snapshot>
  /** Creates the generation if there is none, and answers the one in force. */
  createGeneration(): Promise<string>
  /** A confirmed write that changes what checks answer: the caches are told afterwards. */
  write<R>(message: string, send: () => Promise<unknown>, parse: (reply: unknown) => R): Promise<R>
  /** Drops this instance's cached answers for `message` and tells the other instances. */
  notify(message: string): Promise<void>
}

function createStore({
  client,
  keys,
  caller,
  cache,
}: {
  client: RedisDenylistClient
  keys: KeyLayout
  caller: Caller
  cache: LocalCache | undefined
}): Store {
  const cluster = client.isCluster === true

  // One round trip: a single MGET on one server. A Cluster refuses a multi-key command across
  // slots (CROSSSLOT) and ioredis refuses a pipeline across nodes, so there each group (keys of
  // one hash tag) is its own MGET, all sent at once and awaited together.
  function readKeys(groups: readonly (readonly string[])[]): Promise<(string | null)[]> {
    const flat = groups.flat()
    if (!cluster)
      return caller.call(
        () => client.mget(...flat),
        (reply) => mgetReply(reply, flat.length),
      )
    return caller.call(
      () => Promise.all(groups.map((group) => client.mget(...group))),
      (replies) =>
        (replies as unknown[]).flatMap((reply, i) => mgetReply(reply, groups[i]!.length)),
    )
  }

  async function readSnapshot(sidPart: string, userPart: string | undefined): Promise<Snapshot> {
    const groups = [[keys.session(sidPart)], [keys.epoch, keys.generation]]
    // The device index's revocation marker rides in the MGET of the user's slot: no extra command.
    if (userPart !== undefined)
      groups.push([
        keys.version(userPart),
        keys.keep(userPart, sidPart),
        keys.deviceRevoked(userPart, sidPart),
      ])
    const values = await readKeys(groups)
    try {
      const revoked = values[0] !== null
      const epoch = storedCounter(values[1] ?? null)
      const generation = storedGeneration(values[2] ?? null)
      if (userPart === undefined)
        return { revoked, userVersion: 0, keptUntil: undefined, epoch, generation }
      const kept = values[4] ?? null
      return {
        revoked: revoked || (values[5] ?? null) !== null,
        epoch,
        generation,
        userVersion: storedCounter(values[3] ?? null),
        keptUntil: kept === null ? undefined : storedCounter(kept),
      }
    } catch (cause) {
      throw unavailable('Redis holds a malformed revocation counter or generation', cause)
    }
  }

  // None: a store never used, or one that lost its data. Created once (SET NX; a concurrent
  // creator wins and its value is answered); then other instances drop cached answers that carry
  // the old one.
  async function createGeneration(): Promise<string> {
    const generation = await caller.call(
      () => client.eval(GENERATION_SCRIPT, 1, keys.generation, newGeneration()),
      (reply) => {
        const value = storedGeneration(reply)
        if (value === undefined) throw new TypeError('the generation script answered nothing')
        return value
      },
    )
    cache?.invalidate('e:')
    await announce('e:')
    return generation
  }

  // Tells the other instances to drop cached answers. Published only after the write is
  // confirmed, so that a subscriber re-reading on the message sees it. A lost message is bounded
  // by cacheTtlMs, so a failed publish does not fail the revoke.
  async function announce(message: string): Promise<void> {
    await caller.call(() => client.publish(keys.channel, message), noop).catch(noop)
  }

  async function write<R>(
    message: string,
    send: () => Promise<unknown>,
    parse: (reply: unknown) => R,
  ): Promise<R> {
    let result: R
    try {
      result = await caller.call(send, parse)
    } finally {
      // Local answers go even when the write is unconfirmed: it may still land.
      cache?.invalidate(message)
    }
    await announce(message)
    return result
  }

  async function notify(message: string): Promise<void> {
    cache?.invalidate(message)
    await announce(message)
  }

  return { caller, readKeys, readSnapshot, createGeneration, write, notify }
}

/** A check's snapshot: from the local cache when it holds a fresh one, else from Redis. */
async function readThroughCache(
  store: Store,
  cache: LocalCache | undefined,
  { sidPart, userPart }: { readonly sidPart: string; readonly userPart: string | undefined },
): Promise<Snapshot> {
  if (!cache) return store.readSnapshot(sidPart, userPart)
  const hit = cache.get(sidPart, userPart)
  if (hit) return hit
  const read = cache.begin()
  const snapshot = await store.readSnapshot(sidPart, userPart)
  cache.set(read, { sidPart, userPart, snapshot })
  return snapshot
}

// --- Redis store ---

/**
 * A denylist in Redis, shared by every instance of the app. Takes an ioredis `Redis` or `Cluster`
 * (cachet imports no Redis package: install `ioredis` yourself).
 *
 * - A check is one round trip: one `MGET` on a single server; on a Cluster, one `MGET` per hash
 *   slot involved (the session's, the user's, the epoch and generation's), sent at once.
 * - A random store generation, created once with `SET NX`, is stamped into sessions: after Redis
 *   lost its data, sessions stamped before are refused (`store-reset`) whatever the counters say.
 * - Revocations are confirmed writes: `SET … PX`, `INCR`, or a script updating the user's counter
 *   and keep marker atomically; then a `PUBLISH` so that other instances drop cached answers.
 * - Every call settles within `timeoutMs` (plus `connectTimeoutMs` while a connection is being
 *   established); on failure it rejects with `ERR_DENYLIST_UNAVAILABLE`
 *   (`createSessions` then reads the session as revoked, reason `denylist-unavailable`, unless
 *   `onDenylistError: 'allow'`). No command enters ioredis's offline queue. The denylist recovers
 *   by itself when the client reconnects.
 * - With `cacheTtlMs`, repeated checks are answered in-process while a subscriber connection
 *   listens for revocations; a cached answer is never older than `cacheTtlMs`.
 *
 * Configure Redis with `maxmemory-policy noeviction` and persistence (AOF or RDB) so that
 * counters and revocations survive: see the README, section Revocation.
 *
 * @param client - An ioredis `Redis` or `Cluster`, connected or `lazyConnect`. It stays yours.
 * @param options - Prefix, timeout and cache; see {@link RedisDenylistOptions}.
 * @returns A {@link RedisDenylist}.
 * @throws `ERR_DENYLIST_OPTIONS` for a client that is not an ioredis client, a prefix with braces
 *   or spaces, out-of-range numbers, a `subscriber` without `cacheTtlMs` or equal to `client`.
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 })
 * const denylist = createRedisDenylist(redis, { timeoutMs: 100, cacheTtlMs: 1000 })
 * const sessions = createSessions({ keys: secret, denylist })
 * ```
 */
export function createRedisDenylist(
  client: RedisDenylistClient,
  options: RedisDenylistOptions = {},
): RedisDenylist {
  const config = checkOptions(client, options)
  const keys = keyLayout(config.prefix)
  const caller = createCaller({
    client,
    timeoutMs: config.timeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    clock: () => performance.now(),
  })
  const cache =
    config.cacheTtlMs === 0
      ? undefined
      : createLocalCache({
          client,
          subscriber: options.subscriber ?? client.duplicate(),
          ownsSubscriber: options.subscriber === undefined,
          channel: keys.channel,
          ttlMs: config.cacheTtlMs,
          maxEntries: config.cacheMaxEntries,
          clock: config.clock,
        })
  const store = createStore({ client, keys, caller, cache })

  return {
    async current(userId) {
      if (userId !== undefined && typeof userId !== 'string') optionError('userId must be a string')
      const groups = [[keys.epoch, keys.generation]]
      if (userId !== undefined) groups.push([keys.version(keyPart(userId))])
      const [epoch, stored, version] = await store.readKeys(groups)
      const counters = { userVersion: parseCounter(version), epoch: parseCounter(epoch) }
      const generation = parseGeneration(stored) ?? (await store.createGeneration())
      return { ...counters, generation }
    },
    async check(claims) {
      validateClaims(claims)
      const sidPart = keyPart(claims.sessionId)
      const userPart = claims.userId === undefined ? undefined : keyPart(claims.userId)
      return evaluate(claims, await readThroughCache(store, cache, { sidPart, userPart }))
    },
    async revokeSession(sessionId, ttlSeconds) {
      requireId('sessionId', sessionId)
      const ms = ttlMs(ttlSeconds)
      const sidPart = keyPart(sessionId)
      await store.write(
        `s:${sidPart}`,
        () => client.set(keys.session(sidPart), '1', 'PX', ms),
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
                2,
                version,
                keys.keep(userPart, keyPart(except)),
                String(ms),
              ),
        incremented,
      )
    },
    async revokeAll() {
      await store.write('e:', () => client.incr(keys.epoch), incremented)
    },
    async close() {
      caller.close()
      await cache?.close()
    },
    ...createRedisDevices({ client, keys, store }),
  }
}
