/**
 * The Redis denylist's local cache: answers repeated checks in-process while a subscriber listens
 * for revocations on the pub/sub channel, and drops everything when it stops listening.
 *
 * @module
 */

import type { RedisDenylistClient } from './client.js'
import type { Snapshot } from './contract.js'

const noop = () => {}

interface CacheEntry {
  readonly userPart: string | undefined
  readonly snapshot: Snapshot
  readonly expiresAtMs: number
}

/** Options of {@link createLocalCache}. */
export interface LocalCacheOptions {
  /** The main connection: answers are stored only while it is ready. */
  readonly client: RedisDenylistClient
  /** The pub/sub connection (subscriber mode). */
  readonly subscriber: RedisDenylistClient
  /** Whether the denylist created `subscriber` (then it disconnects it on close). */
  readonly ownsSubscriber: boolean
  /** The revocation channel. */
  readonly channel: string
  /** How long an answer is kept, in ms from the start of its read. */
  readonly ttlMs: number
  /** Most sessions kept. */
  readonly maxEntries: number
  /** Monotonic clock, in ms. */
  readonly clock: () => number
}

/** A read started at `startMs`, while the invalidation count was `generation`. */
export interface CacheRead {
  readonly generation: number
  readonly startMs: number
}

// Pub/sub messages: 's:<sidPart>' a session, 'u:<userPart>' a user, 'e:' the epoch.
export interface LocalCache {
  /** A fresh entry for this session and user, only while pub/sub is live. */
  get(sidPart: string, userPart: string | undefined): Snapshot | undefined
  /** A token to pass to `set`: a read started now. */
  begin(): CacheRead
  /** Stores a read's answer unless an invalidation happened while it was in flight. */
  set(
    read: CacheRead,
    answer: {
      readonly sidPart: string
      readonly userPart: string | undefined
      readonly snapshot: Snapshot
    },
  ): void
  invalidate(message: string): void
  close(): Promise<void>
}

interface Listener {
  /** Subscribed on a connection that has not closed since. */
  isLive(): boolean
  close(): void
}

// While the subscriber is down, messages are missed: `onDown` drops everything and the cache
// stops answering until the subscriber is subscribed again.
function listen(
  options: Pick<LocalCacheOptions, 'subscriber' | 'ownsSubscriber' | 'channel'>,
  handlers: { readonly onMessage: (message: string) => void; readonly onDown: () => void },
): Listener {
  const { subscriber, ownsSubscriber: owned, channel } = options
  let live = false
  let attempt = 0
  let closed = false
  const subscribe = () => {
    const mine = ++attempt
    subscriber.subscribe(channel).then(() => {
      if (mine === attempt && !closed && subscriber.status === 'ready') live = true
    }, noop)
  }
  const onDown = () => {
    live = false
    attempt++
    handlers.onDown()
  }
  const onMessage = (from: unknown, message: unknown) => {
    if (from === channel) handlers.onMessage(String(message))
  }
  subscriber.on('message', onMessage)
  subscriber.on('ready', subscribe)
  subscriber.on('close', onDown)
  subscriber.on('end', onDown)
  if (owned) subscriber.on('error', noop) // reconnection errors are reported by the main client
  subscribe()
  return {
    isLive: () => live,
    close() {
      closed = true
      live = false
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

/** The local cache of a Redis denylist, listening on `subscriber` from now on. */
export function createLocalCache(options: LocalCacheOptions): LocalCache {
  const { client, subscriber, ttlMs, maxEntries, clock } = options
  const entries = new Map<string, CacheEntry>()
  // Bumped by every invalidation: a read in flight across one may carry the old state and is not
  // stored (the "read, revoke, message, store stale answer" race).
  let generation = 0
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
  const listener = listen(options, { onMessage: invalidate, onDown: () => invalidate('*') })

  return {
    get(sidPart, userPart) {
      const entry = entries.get(sidPart)
      if (entry === undefined) return undefined
      if (
        listener.isLive() &&
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
    set(read, { sidPart, userPart, snapshot }) {
      if (!listener.isLive() || closed || read.generation !== generation) return
      if (client.status !== 'ready') return
      entries.delete(sidPart)
      // Bounded: drop the oldest entry (Map keeps insertion order).
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      // Measured from the start of the read: the answer reflects Redis no earlier than that.
      entries.set(sidPart, { userPart, snapshot, expiresAtMs: read.startMs + ttlMs })
    },
    invalidate,
    async close() {
      closed = true
      entries.clear()
      listener.close()
    },
  }
}
