/**
 * Revocation for stateless sessions: a denylist of session ids, per-user versions and a global
 * epoch, checked in one round trip per read.
 *
 * A session carries its id, the user's version (a counter read when the session was created) and
 * the global epoch. It is revoked when its id is on the denylist (logout, regenerate, admin
 * revoke), when the user's counter moved past its version ("log out everywhere"), or when the
 * epoch moved past its epoch ("revoke all"). Counters, not timestamps: Redis orders a revocation
 * and a login made in the same millisecond.
 *
 * Two stores: {@link createMemoryDenylist} (one process: tests, demos) and
 * {@link createRedisDenylist} (an ioredis `Redis` or `Cluster`, with timeouts, fail-closed errors
 * and an optional local cache invalidated through pub/sub). This module imports no Redis package
 * and no Node built-in: it runs on edge runtimes.
 *
 * @module
 */

import { sha256 } from '@noble/hashes/sha2.js'
import { SessionError } from './errors.js'
import { toBase64url } from './_internal/bytes.js'

// --- Types ---

/** What a session carries for revocation checks. */
export interface RevocationClaims {
  /** The session id (128-bit, base64url). */
  readonly sessionId: string
  /** The user the session belongs to, when the data names one. */
  readonly userId?: string
  /** The user's version when the session was created or regenerated. */
  readonly userVersion: number
  /** The global epoch when the session was created or regenerated. */
  readonly epoch: number
}

/** The outcome of a revocation check. */
export type RevocationStatus = 'ok' | 'session-revoked' | 'user-revoked' | 'epoch-revoked'

/** The counters stamped into a new session. */
export interface RevocationVersions {
  /** The user's counter (0 for a user never revoked, or a session without a user). */
  readonly userVersion: number
  /** The global epoch (0 until the first `revokeAll`). */
  readonly epoch: number
}

/** Options of {@link Denylist.revokeUser}. */
export interface RevokeUserOptions {
  /** A session of the user that stays valid (e.g. the one that changed the password). */
  readonly exceptSessionId?: string
  /**
   * How long the exception must be remembered: the longest remaining lifetime of that session
   * plus clock skew. Default: the longest lifetime cachet allows (400 days + 1 hour).
   */
  readonly ttlSeconds?: number
}

/**
 * A revocation store. Implementations: {@link createMemoryDenylist} (one process) and
 * {@link createRedisDenylist} (ioredis `Redis` or `Cluster`). Every method rejects with a
 * `SessionError` `ERR_DENYLIST_UNAVAILABLE` when the store did not answer or confirm in time, and
 * with `ERR_DENYLIST_OPTIONS` for an invalid argument.
 */
export interface Denylist {
  /** The current user version and epoch, stamped into a session when it is created. */
  current(userId: string | undefined): Promise<RevocationVersions>
  /** Whether a session is still valid. One round trip. */
  check(claims: RevocationClaims): Promise<RevocationStatus>
  /** Revokes one session id for `ttlSeconds` (its remaining absolute lifetime plus clock skew). */
  revokeSession(sessionId: string, ttlSeconds: number): Promise<void>
  /** Revokes every session of a user created before now, except `exceptSessionId` if given. */
  revokeUser(userId: string, options?: RevokeUserOptions): Promise<void>
  /** Revokes every session created before now. */
  revokeAll(): Promise<void>
}

/**
 * The members of an ioredis `Redis` or `Cluster` (v5) that the Redis denylist uses. Declared
 * structurally so that cachet compiles without ioredis (an optional peer dependency) and without
 * Node's types, which ioredis's declarations would pull into every module.
 */
export interface RedisDenylistClient {
  /** ioredis connection status: `'ready'` once commands can be sent. */
  readonly status: string
  /** True for an ioredis `Cluster`. */
  readonly isCluster: boolean
  mget(...keys: string[]): Promise<unknown>
  set(key: string, value: string, mode: 'PX', milliseconds: number): Promise<unknown>
  incr(key: string): Promise<unknown>
  eval(script: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
  subscribe(...channels: string[]): Promise<unknown>
  unsubscribe(...channels: string[]): Promise<unknown>
  connect(): Promise<unknown>
  disconnect(): void
  duplicate(): RedisDenylistClient
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
}

/** Options of {@link createMemoryDenylist}. */
export interface MemoryDenylistOptions {
  /** Clock for revocation TTLs, ms since epoch. Default `Date.now`. */
  now?: () => number
}

/** Options of {@link createRedisDenylist}. */
export interface RedisDenylistOptions {
  /**
   * Prefix of every key and of the pub/sub channel: 1 to 64 printable ASCII characters without
   * `{`, `}` or spaces. Default `'cachet:'`. Changing it loses every revocation.
   */
  prefix?: string
  /**
   * Longest wait for Redis per call, including waiting for a connection, in ms (1 to 60000).
   * Default 100. A read that times out fails closed; a revoke that times out rejects.
   */
  timeoutMs?: number
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

/** A Redis denylist: a {@link Denylist} with `close()`. */
export interface RedisDenylist extends Denylist {
  /**
   * Stops listening to the client, drops the cache and disconnects the subscriber the denylist
   * created (a subscriber you passed is unsubscribed, not disconnected). The client itself stays
   * open: it is yours. Later calls reject with `ERR_DENYLIST_UNAVAILABLE`.
   */
  close(): Promise<void>
}

// --- Validation ---

// The longest TTL a revocation needs: the 400-day cookie lifetime cap (RFC 6265bis §5.6.2, which
// bounds `maxAgeSeconds`) plus the largest `clockSkewSeconds` createSessions accepts (3600).
const MAX_TTL_SECONDS = 400 * 24 * 3600 + 3600

function optionError(message: string): never {
  throw new SessionError('ERR_DENYLIST_OPTIONS', message)
}

function unavailable(message: string, cause?: unknown): SessionError {
  return new SessionError('ERR_DENYLIST_UNAVAILABLE', message, cause === undefined ? {} : { cause })
}

function requireId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    optionError(`${name} must be a non-empty string`)
  return value
}

function ttlMs(value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    value > MAX_TTL_SECONDS
  ) {
    optionError(`ttlSeconds must be a number above 0 and at most ${MAX_TTL_SECONDS}`)
  }
  return Math.ceil(value * 1000)
}

function boundedInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    optionError(`${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

const isCounter = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

function validateClaims(claims: RevocationClaims): void {
  if (typeof claims !== 'object' || claims === null) optionError('check() needs revocation claims')
  requireId('sessionId', claims.sessionId)
  if (claims.userId !== undefined && typeof claims.userId !== 'string')
    optionError('userId must be a string')
  if (!isCounter(claims.userVersion) || !isCounter(claims.epoch)) {
    optionError('userVersion and epoch must be non-negative safe integers')
  }
}

// --- Evaluation (shared by both stores and the cache) ---

/** What the store holds for one check. */
interface Snapshot {
  /** The session id is on the denylist. */
  readonly revoked: boolean
  /** The user's counter (0 when absent); ignored without a user. */
  readonly userVersion: number
  /** The version up to which this session survives "log out everywhere", if it was kept. */
  readonly keptUntil: number | undefined
  readonly epoch: number
}

function evaluate(claims: RevocationClaims, snapshot: Snapshot): RevocationStatus {
  if (snapshot.revoked) return 'session-revoked'
  if (claims.userId !== undefined) {
    // A counter below the session's version cannot happen unless the store lost its data (a
    // restart without persistence, a flush, an eviction); the revocations it held are gone, so
    // the session is refused rather than trusted.
    if (snapshot.userVersion < claims.userVersion) return 'user-revoked'
    if (
      snapshot.userVersion > claims.userVersion &&
      !(snapshot.keptUntil !== undefined && snapshot.keptUntil >= snapshot.userVersion)
    ) {
      return 'user-revoked'
    }
  }
  // The same reasoning for the epoch: below the session's means lost data.
  if (snapshot.epoch !== claims.epoch) return 'epoch-revoked'
  return 'ok'
}

// --- Memory store ---

/**
 * A denylist held in this process: for tests, demos and single-process apps. Every instance of
 * the app must share the same object; revocations are lost when the process exits (sessions
 * stamped with a version above zero are then refused, see the README).
 *
 * @param options - `now`: the clock for revocation TTLs.
 * @returns A {@link Denylist}.
 * @throws `ERR_DENYLIST_OPTIONS` when `now` is not a function.
 * @example
 * ```ts
 * const sessions = createSessions({ keys: secret, denylist: createMemoryDenylist() })
 * ```
 */
export function createMemoryDenylist(options: MemoryDenylistOptions = {}): Denylist {
  const now = options.now ?? Date.now
  if (typeof now !== 'function') optionError('now must be a function')
  const revoked = new Map<string, number>() // session id → expiry (ms)
  const versions = new Map<string, number>() // user id → counter
  const kept = new Map<string, Map<string, { version: number; expiresAtMs: number }>>() // user → sid → keep
  let epoch = 0
  let writes = 0

  // Expired entries are dropped when read, and all of them every 1024 writes, so memory follows
  // the number of live revocations.
  const sweep = () => {
    if (++writes % 1024 !== 0) return
    const t = now()
    for (const [id, expiresAtMs] of revoked) if (expiresAtMs <= t) revoked.delete(id)
    for (const [user, byId] of kept) {
      for (const [id, keep] of byId) if (keep.expiresAtMs <= t) byId.delete(id)
      if (byId.size === 0) kept.delete(user)
    }
  }
  const live = (expiresAtMs: number | undefined) => expiresAtMs !== undefined && now() < expiresAtMs

  return {
    async current(userId) {
      if (userId !== undefined && typeof userId !== 'string') optionError('userId must be a string')
      return { userVersion: userId === undefined ? 0 : (versions.get(userId) ?? 0), epoch }
    },
    async check(claims) {
      validateClaims(claims)
      const keep =
        claims.userId === undefined ? undefined : kept.get(claims.userId)?.get(claims.sessionId)
      return evaluate(claims, {
        revoked: live(revoked.get(claims.sessionId)),
        userVersion: claims.userId === undefined ? 0 : (versions.get(claims.userId) ?? 0),
        keptUntil: keep !== undefined && live(keep.expiresAtMs) ? keep.version : undefined,
        epoch,
      })
    },
    async revokeSession(sessionId, ttlSeconds) {
      requireId('sessionId', sessionId)
      const ms = ttlMs(ttlSeconds)
      revoked.set(sessionId, now() + ms)
      sweep()
    },
    async revokeUser(userId, revokeOptions = {}) {
      requireId('userId', userId)
      const except = revokeOptions.exceptSessionId
      if (except !== undefined) requireId('exceptSessionId', except)
      const ms = ttlMs(revokeOptions.ttlSeconds ?? MAX_TTL_SECONDS)
      const version = (versions.get(userId) ?? 0) + 1
      versions.set(userId, version)
      if (except !== undefined) {
        let byId = kept.get(userId)
        if (!byId) kept.set(userId, (byId = new Map()))
        byId.set(except, { version, expiresAtMs: now() + ms })
      }
      sweep()
    },
    async revokeAll() {
      epoch++
    },
  }
}

// --- Redis: key layout ---

// An id that is already a short base64url-like token (a cachet session id, a UUID) is used as is;
// anything else (':', '*', '{', '}', spaces, non-ASCII, 1 MB strings) becomes '~' + the base64url
// SHA-256 of its UTF-16 code units. The two forms cannot meet ('~' is outside the plain alphabet),
// no part contains ':' or braces, so no id can reach another key or break a hash tag, and every
// key is short. Code units, not UTF-8: UTF-8 maps every lone surrogate to U+FFFD, which would make
// '\uD800' and '\uD801' collide.
const PLAIN_ID = /^[A-Za-z0-9_-]{1,64}$/

function keyPart(id: string): string {
  if (PLAIN_ID.test(id)) return id
  const units = new Uint8Array(id.length * 2)
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    units[2 * i] = c >>> 8
    units[2 * i + 1] = c & 0xff
  }
  return '~' + toBase64url(sha256(units))
}

// Keys, with Redis Cluster hash tags (the part between the first '{' and '}' picks the slot,
// Redis Cluster spec §"Hash tags"):
//   <prefix>{s:<sid>}            "1" while the session is revoked (PX = remaining lifetime + skew)
//   <prefix>{u:<user>}:v         the user's counter (INCR; no TTL)
//   <prefix>{u:<user>}:k:<sid>   the counter value up to which <sid> survives (PX)
//   <prefix>epoch                the global epoch (INCR; no TTL)
// The user's counter and keep markers share a slot so that one script updates both atomically.
// The session key is tagged by its own id, so revoking by id alone needs no user id.
interface KeyLayout {
  session(sidPart: string): string
  version(userPart: string): string
  keep(userPart: string, sidPart: string): string
  readonly epoch: string
  readonly channel: string
}

function keyLayout(prefix: string): KeyLayout {
  return {
    session: (sidPart) => `${prefix}{s:${sidPart}}`,
    version: (userPart) => `${prefix}{u:${userPart}}:v`,
    keep: (userPart, sidPart) => `${prefix}{u:${userPart}}:k:${sidPart}`,
    epoch: `${prefix}epoch`,
    channel: `${prefix}revocations`,
  }
}

// INCR the user's counter and remember, in the same slot and atomically, that one session
// survives up to the new value: no concurrent check sees the new counter without the marker.
const KEEP_SCRIPT =
  "local v = redis.call('INCR', KEYS[1]) redis.call('SET', KEYS[2], v, 'PX', ARGV[1]) return v"

// --- Redis: replies ---

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/

/** A counter read with MGET: absent is 0; anything but a non-negative decimal is garbage. */
function storedCounter(value: unknown): number {
  if (value === null) return 0
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const n = Number(value)
    if (Number.isSafeInteger(n)) return n
  }
  throw new TypeError('a counter is not a non-negative integer')
}

/** The reply of INCR or the keep script (a number, or a string with `stringNumbers`). */
function incremented(value: unknown): number {
  const n = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value
  if (!isCounter(n) || n < 1) throw new TypeError('INCR did not answer a positive integer')
  return n
}

function mgetReply(value: unknown, length: number): (string | null)[] {
  if (!Array.isArray(value) || value.length !== length)
    throw new TypeError('MGET answered a wrong shape')
  for (const v of value)
    if (v !== null && typeof v !== 'string') throw new TypeError('MGET answered a non-string')
  return value as (string | null)[]
}

const noop = () => {}

// --- Redis: calls with a deadline ---

interface Caller {
  call<R>(send: () => Promise<unknown>, parse: (reply: unknown) => R): Promise<R>
  close(): void
}

// Every call settles within timeoutMs, whatever the connection does:
// - Nothing is sent while the connection is not ready: the call waits for 'ready' within its own
//   deadline, so ioredis's offline queue never holds our commands (an outage would otherwise
//   pile up one queued command per request, all replayed at reconnection).
// - Redis answers a connection's commands in order, so while one of our commands is overdue
//   (sent, not answered within the deadline: a stopped or overloaded server) a new one cannot be
//   answered sooner. Calls then fail at once, except one probe per timeoutMs; the first timely
//   answer closes the circuit.
function createCaller(client: RedisDenylistClient, timeoutMs: number, clock: () => number): Caller {
  const waiting = new Set<() => void>()
  const overdue = new Set<object>()
  let lastSendMs = Number.NEGATIVE_INFINITY
  let closed = false
  const onReady = () => {
    const ready = [...waiting]
    waiting.clear()
    for (const go of ready) go()
  }
  client.on('ready', onReady)

  function call<R>(send: () => Promise<unknown>, parse: (reply: unknown) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let settled = false
      let token: object | undefined
      const finish = (error: SessionError | undefined, value?: R) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        waiting.delete(go)
        if (error) reject(error)
        else resolve(value as R)
      }
      const timer = setTimeout(() => {
        if (token) overdue.add(token)
        finish(unavailable(`Redis did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
      const go = () => {
        if (settled) return
        if (overdue.size > 0 && clock() - lastSendMs < timeoutMs) {
          finish(unavailable('Redis is not answering (an earlier command is overdue)'))
          return
        }
        const sent = (token = {})
        lastSendMs = clock()
        let reply: Promise<unknown>
        try {
          // Promise.resolve: a client answering synchronously cannot throw out of an event handler.
          reply = Promise.resolve(send())
        } catch (cause) {
          finish(unavailable('the Redis client refused the command', cause))
          return
        }
        reply.then(
          (value) => {
            overdue.delete(sent)
            if (settled) return
            // A timely answer: the connection works. Overdue commands were answered or lost.
            overdue.clear()
            let parsed: R
            try {
              parsed = parse(value)
            } catch (cause) {
              finish(unavailable('Redis answered something unexpected', cause))
              return
            }
            finish(undefined, parsed)
          },
          (cause: unknown) => {
            overdue.delete(sent)
            finish(unavailable('Redis did not perform the command', cause))
          },
        )
      }
      if (closed) finish(unavailable('the denylist is closed'))
      else if (client.status === 'ready') go()
      else if (client.status === 'end') finish(unavailable('the Redis connection has ended'))
      else {
        waiting.add(go)
        // lazyConnect: a client that never connected does so on first use.
        if (client.status === 'wait') client.connect().catch(noop)
      }
    })
  }

  return {
    call,
    close() {
      closed = true
      client.off('ready', onReady)
    },
  }
}

// --- Redis: local cache ---

interface CacheEntry {
  readonly userPart: string | undefined
  readonly snapshot: Snapshot
  readonly expiresAtMs: number
}

// Pub/sub messages: 's:<sidPart>' a session, 'u:<userPart>' a user, 'e:' the epoch.
interface LocalCache {
  /** A fresh entry for this session and user, only while pub/sub is live. */
  get(sidPart: string, userPart: string | undefined): Snapshot | undefined
  /** A token to pass to `set`: a read started now. */
  begin(): { readonly generation: number; readonly startMs: number }
  /** Stores a read's answer unless an invalidation happened while it was in flight. */
  set(
    read: { readonly generation: number; readonly startMs: number },
    sidPart: string,
    userPart: string | undefined,
    snapshot: Snapshot,
  ): void
  invalidate(message: string): void
  close(): Promise<void>
}

function createLocalCache(
  client: RedisDenylistClient,
  subscriber: RedisDenylistClient,
  owned: boolean,
  channel: string,
  ttl: number,
  maxEntries: number,
  clock: () => number,
): LocalCache {
  const entries = new Map<string, CacheEntry>()
  // Bumped by every invalidation: a read in flight across one may carry the old state and is not
  // stored (the "read, revoke, message, store stale answer" race).
  let generation = 0
  let live = false // subscribed on a connection that has not closed since
  let attempt = 0
  let closed = false

  const invalidate = (message: string) => {
    generation++
    if (message.startsWith('s:')) entries.delete(message.slice(2))
    else if (message.startsWith('u:')) {
      const userPart = message.slice(2)
      for (const [sidPart, entry] of entries)
        if (entry.userPart === userPart) entries.delete(sidPart)
    } else entries.clear()
  }
  const subscribe = () => {
    const mine = ++attempt
    subscriber.subscribe(channel).then(() => {
      if (mine === attempt && !closed && subscriber.status === 'ready') live = true
    }, noop)
  }
  // While the subscriber is down, messages are missed: drop everything and stop caching until it
  // is subscribed again.
  const onDown = () => {
    live = false
    attempt++
    invalidate('*')
  }
  const onMessage = (from: unknown, message: unknown) => {
    if (from === channel) invalidate(String(message))
  }
  subscriber.on('message', onMessage)
  subscriber.on('ready', subscribe)
  subscriber.on('close', onDown)
  subscriber.on('end', onDown)
  if (owned) subscriber.on('error', noop) // reconnection errors are reported by the main client
  subscribe()

  return {
    get(sidPart, userPart) {
      const entry = entries.get(sidPart)
      if (entry === undefined) return undefined
      if (
        live &&
        subscriber.status === 'ready' &&
        entry.userPart === userPart &&
        clock() < entry.expiresAtMs
      ) {
        return entry.snapshot
      }
      entries.delete(sidPart)
      return undefined
    },
    begin: () => ({ generation, startMs: clock() }),
    set(read, sidPart, userPart, snapshot) {
      if (!live || closed || read.generation !== generation || client.status !== 'ready') return
      entries.delete(sidPart)
      // Bounded: drop the oldest entry (Map keeps insertion order).
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      // Measured from the start of the read: the answer reflects Redis no earlier than that.
      entries.set(sidPart, { userPart, snapshot, expiresAtMs: read.startMs + ttl })
    },
    invalidate,
    async close() {
      closed = true
      live = false
      entries.clear()
      subscriber.off('message', onMessage)
      subscriber.off('ready', subscribe)
      subscriber.off('close', onDown)
      subscriber.off('end', onDown)
      // An owned subscriber keeps its no-op error listener: events may follow the disconnect.
      if (owned) subscriber.disconnect()
      // Not awaited: an offline subscriber would hold the unsubscribe in its queue.
      else subscriber.unsubscribe(channel).catch(noop)
    },
  }
}

// --- Redis store ---

const PREFIX = /^[\x21-\x7a\x7c\x7e]{1,64}$/ // printable ASCII without space, '{' and '}'

function isClient(value: unknown): value is RedisDenylistClient {
  const c = value as Partial<Record<keyof RedisDenylistClient, unknown>> | null
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.mget === 'function' &&
    typeof c.set === 'function' &&
    typeof c.incr === 'function' &&
    typeof c.eval === 'function' &&
    typeof c.publish === 'function' &&
    typeof c.on === 'function' &&
    typeof c.off === 'function' &&
    typeof c.status === 'string'
  )
}

/**
 * A denylist in Redis, shared by every instance of the app. Takes an ioredis `Redis` or `Cluster`
 * (cachet imports no Redis package: install `ioredis` yourself).
 *
 * - A check is one round trip: one `MGET` on a single server; on a Cluster, one `MGET` per hash
 *   slot involved (the session's, the user's, the epoch's), sent at once.
 * - Revocations are confirmed writes: `SET … PX`, `INCR`, or a script updating the user's counter
 *   and keep marker atomically; then a `PUBLISH` so that other instances drop cached answers.
 * - Every call settles within `timeoutMs`; on failure it rejects with `ERR_DENYLIST_UNAVAILABLE`
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
  if (!isClient(client)) optionError('createRedisDenylist needs an ioredis Redis or Cluster client')
  if (typeof options !== 'object' || options === null) optionError('options must be an object')
  const prefix = options.prefix ?? 'cachet:'
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    optionError('prefix must be 1 to 64 printable ASCII characters without spaces or braces')
  }
  const timeoutMs = boundedInteger('timeoutMs', options.timeoutMs ?? 100, 1, 60_000)
  const cacheTtlMs =
    options.cacheTtlMs === undefined
      ? 0
      : boundedInteger('cacheTtlMs', options.cacheTtlMs, 1, 60_000)
  const cacheMaxEntries = boundedInteger(
    'cacheMaxEntries',
    options.cacheMaxEntries ?? 10_000,
    1,
    1_000_000,
  )
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

  const keys = keyLayout(prefix)
  const cluster = client.isCluster === true
  const caller = createCaller(client, timeoutMs, () => performance.now())
  const cache =
    cacheTtlMs === 0
      ? undefined
      : createLocalCache(
          client,
          options.subscriber ?? client.duplicate(),
          options.subscriber === undefined,
          keys.channel,
          cacheTtlMs,
          cacheMaxEntries,
          clock,
        )

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
    const groups = [[keys.session(sidPart)], [keys.epoch]]
    if (userPart !== undefined) groups.push([keys.version(userPart), keys.keep(userPart, sidPart)])
    const values = await readKeys(groups)
    try {
      const epoch = storedCounter(values[1] ?? null)
      if (userPart === undefined)
        return { revoked: values[0] !== null, userVersion: 0, keptUntil: undefined, epoch }
      const kept = values[3] ?? null
      return {
        revoked: values[0] !== null,
        epoch,
        userVersion: storedCounter(values[2] ?? null),
        keptUntil: kept === null ? undefined : storedCounter(kept),
      }
    } catch (cause) {
      throw unavailable('Redis holds a malformed revocation counter', cause)
    }
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
  ) {
    try {
      await caller.call(send, parse)
    } finally {
      // Local answers go even when the write is unconfirmed: it may still land.
      cache?.invalidate(message)
    }
    await announce(message)
  }

  const expectOk = (reply: unknown) => {
    if (reply !== 'OK') throw new TypeError('SET did not answer OK')
  }

  return {
    async current(userId) {
      if (userId !== undefined && typeof userId !== 'string') optionError('userId must be a string')
      if (userId === undefined) {
        const [epoch] = await readKeys([[keys.epoch]])
        return { userVersion: 0, epoch: parseCounter(epoch) }
      }
      const [epoch, version] = await readKeys([[keys.epoch], [keys.version(keyPart(userId))]])
      return { userVersion: parseCounter(version), epoch: parseCounter(epoch) }
    },
    async check(claims) {
      validateClaims(claims)
      const sidPart = keyPart(claims.sessionId)
      const userPart = claims.userId === undefined ? undefined : keyPart(claims.userId)
      if (!cache) return evaluate(claims, await readSnapshot(sidPart, userPart))
      const hit = cache.get(sidPart, userPart)
      if (hit) return evaluate(claims, hit)
      const read = cache.begin()
      const snapshot = await readSnapshot(sidPart, userPart)
      cache.set(read, sidPart, userPart, snapshot)
      return evaluate(claims, snapshot)
    },
    async revokeSession(sessionId, ttlSeconds) {
      requireId('sessionId', sessionId)
      const ms = ttlMs(ttlSeconds)
      const sidPart = keyPart(sessionId)
      await write(`s:${sidPart}`, () => client.set(keys.session(sidPart), '1', 'PX', ms), expectOk)
    },
    async revokeUser(userId, revokeOptions = {}) {
      requireId('userId', userId)
      if (typeof revokeOptions !== 'object' || revokeOptions === null)
        optionError('options must be an object')
      const except = revokeOptions.exceptSessionId
      if (except !== undefined) requireId('exceptSessionId', except)
      const ms = ttlMs(revokeOptions.ttlSeconds ?? MAX_TTL_SECONDS)
      const userPart = keyPart(userId)
      const version = keys.version(userPart)
      await write(
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
      await write('e:', () => client.incr(keys.epoch), incremented)
    },
    async close() {
      caller.close()
      await cache?.close()
    },
  }
}

function parseCounter(value: string | null | undefined): number {
  try {
    return storedCounter(value ?? null)
  } catch (cause) {
    throw unavailable('Redis holds a malformed revocation counter', cause)
  }
}
