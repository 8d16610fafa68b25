/**
 * Redis calls with a deadline and a circuit: every call settles within the timeout, nothing enters
 * ioredis's offline queue, and an overdue command fails later calls fast until Redis answers.
 *
 * @module
 */

import type { SessionError } from '../errors.js'
import type { RedisDenylistClient } from './client.js'
import { unavailable } from './contract.js'

const noop = () => {}

export interface Caller {
  call<R>(send: () => Promise<unknown>, parse: (reply: unknown) => R): Promise<R>
  close(): void
}

/** The state one connection's calls share. */
interface Circuit {
  readonly client: RedisDenylistClient
  readonly timeoutMs: number
  readonly clock: () => number
  /** Calls waiting for the connection to be ready. */
  readonly waiting: Set<() => void>
  /** Tokens of sent commands not answered within the deadline. */
  readonly overdue: Set<object>
  lastSendMs: number
  closed: boolean
}

// Every call settles within timeoutMs, whatever the connection does:
// - Nothing is sent while the connection is not ready: the call waits for 'ready' within its own
//   deadline, so ioredis's offline queue never holds our commands (an outage would otherwise
//   pile up one queued command per request, all replayed at reconnection).
// - Redis answers a connection's commands in order, so while one of our commands is overdue
//   (sent, not answered within the deadline: a stopped or overloaded server) a new one cannot be
//   answered sooner. Calls then fail at once, except one probe per timeoutMs; the first timely
//   answer closes the circuit.
export function createCaller(
  client: RedisDenylistClient,
  timeoutMs: number,
  clock: () => number,
): Caller {
  const circuit: Circuit = {
    client,
    timeoutMs,
    clock,
    waiting: new Set(),
    overdue: new Set(),
    lastSendMs: Number.NEGATIVE_INFINITY,
    closed: false,
  }
  const onReady = () => {
    const ready = [...circuit.waiting]
    circuit.waiting.clear()
    for (const go of ready) go()
  }
  client.on('ready', onReady)
  return {
    call: (send, parse) => callWithDeadline(circuit, send, parse),
    close() {
      circuit.closed = true
      client.off('ready', onReady)
    },
  }
}

function callWithDeadline<R>(
  circuit: Circuit,
  send: () => Promise<unknown>,
  parse: (reply: unknown) => R,
): Promise<R> {
  const { client, timeoutMs, clock, waiting, overdue } = circuit
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
      if (overdue.size > 0 && clock() - circuit.lastSendMs < timeoutMs) {
        finish(unavailable('Redis is not answering (an earlier command is overdue)'))
        return
      }
      const sent = (token = {})
      circuit.lastSendMs = clock()
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
    if (circuit.closed) finish(unavailable('the denylist is closed'))
    else if (client.status === 'ready') go()
    else if (client.status === 'end') finish(unavailable('the Redis connection has ended'))
    else {
      waiting.add(go)
      // lazyConnect: a client that never connected does so on first use.
      if (client.status === 'wait') client.connect().catch(noop)
    }
  })
}
