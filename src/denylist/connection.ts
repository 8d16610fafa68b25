/**
 * Waiting for the Redis connection: how long a call that finds it not ready may wait, with a
 * budget for establishing a connection (a serverless cold start) apart from the per-command
 * timeout, and calls failed at once when an attempt fails.
 *
 * @module
 */

import type { RedisDenylistClient } from './client.js'

/** A call waiting for the connection. */
export interface Waiter {
  go(): void
  fail(message: string): void
}

export interface ConnectionWatchOptions {
  readonly client: RedisDenylistClient
  readonly timeoutMs: number
  readonly connectTimeoutMs: number
  /** Monotonic, ms. */
  readonly clock: () => number
}

export interface ConnectionWatch {
  /**
   * How long a call that finds no ready connection may wait for one; `connecting` when that is
   * the connect budget (the command then gets its own timeoutMs once the connection is ready).
   */
  budget(): { readonly ms: number; readonly connecting: boolean }
  wait(waiter: Waiter): void
  forget(waiter: Waiter): void
  close(): void
}

// Three phases:
// - 'up': ready; commands go out at once.
// - 'connecting': the first connection of a fresh client (a serverless cold start: TCP and TLS
//   to a managed Redis take 50-300 ms), or the reconnection of a connection that worked (e.g.
//   closed by the server when idle). Calls wait for it until the attempt's deadline,
//   connectTimeoutMs after the first call that waited on it (shared: a burst of calls does not
//   extend it).
// - 'down': an attempt failed (refused, closed before ready) or overran its deadline. Calls wait
//   at most timeoutMs, until a connection is ready again.
// A failed attempt fails the calls waiting on it at once: Redis refused them, waiting is useless.
// ioredis emits 'close' for every connection that closes, including a refused attempt.
export function watchConnection(options: ConnectionWatchOptions): ConnectionWatch {
  const { client, timeoutMs, connectTimeoutMs, clock } = options
  const waiters = new Set<Waiter>()
  let phase: 'up' | 'connecting' | 'down' = client.status === 'ready' ? 'up' : 'connecting'
  let deadlineMs: number | undefined
  const settleAll = (settle: (waiter: Waiter) => void) => {
    const all = [...waiters]
    waiters.clear()
    for (const waiter of all) settle(waiter)
  }
  const onReady = () => {
    phase = 'up'
    deadlineMs = undefined
    settleAll((waiter) => waiter.go())
  }
  const onClose = () => {
    if (phase === 'up') {
      phase = 'connecting'
      deadlineMs = undefined
      return
    }
    phase = 'down'
    settleAll((waiter) => waiter.fail('Redis refused or closed the connection'))
  }
  const onEnd = () => {
    phase = 'down'
    settleAll((waiter) => waiter.fail('the Redis connection has ended'))
  }
  client.on('ready', onReady)
  client.on('close', onClose)
  client.on('end', onEnd)
  return {
    budget() {
      if (phase === 'connecting') {
        const nowMs = clock()
        deadlineMs ??= nowMs + connectTimeoutMs
        if (nowMs < deadlineMs) return { ms: Math.ceil(deadlineMs - nowMs), connecting: true }
        phase = 'down'
      }
      return { ms: timeoutMs, connecting: false }
    },
    wait: (waiter) => void waiters.add(waiter),
    forget: (waiter) => void waiters.delete(waiter),
    close() {
      client.off('ready', onReady)
      client.off('close', onClose)
      client.off('end', onEnd)
    },
  }
}
