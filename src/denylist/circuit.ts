/**
 * Redis calls with a deadline and a circuit: every call settles within the timeout (plus the
 * connect budget while a connection is being established), nothing enters ioredis's offline
 * queue, and an overdue command fails later calls fast until Redis answers.
 *
 * @module
 */

import type { SessionError } from '../errors.js'
import type { RedisDenylistClient } from './client.js'
import { watchConnection, type ConnectionWatch, type Waiter } from './connection.js'
import { unavailable } from './contract.js'

const noop = () => {}

export interface Caller {
  call<R>(send: () => Promise<unknown>, parse: (reply: unknown) => R): Promise<R>
  close(): void
}

export interface CallerOptions {
  readonly client: RedisDenylistClient
  /** Per command, ms. */
  readonly timeoutMs: number
  /** For establishing a connection, ms (see connection.ts). */
  readonly connectTimeoutMs: number
  /** Monotonic, ms. */
  readonly clock: () => number
}

/** The state one connection's calls share. */
interface Circuit {
  readonly client: RedisDenylistClient
  readonly timeoutMs: number
  readonly clock: () => number
  readonly connection: ConnectionWatch
  /** Tokens of sent commands not answered within the deadline. */
  readonly overdue: Set<object>
  lastSendMs: number
  closed: boolean
}

// Every call settles within timeoutMs, or connectTimeoutMs + timeoutMs while a connection is
// being established, whatever the connection does:
// - Nothing is sent while the connection is not ready: the call waits for 'ready' (see
//   connection.ts), so ioredis's offline queue never holds our commands (an outage would
//   otherwise pile up one queued command per request, all replayed at reconnection).
// - Redis answers a connection's commands in order, so while one of our commands is overdue
//   (sent, not answered within the deadline: a stopped or overloaded server) a new one cannot be
//   answered sooner. Calls then fail at once, except one probe per timeoutMs; the first timely
//   answer closes the circuit.
export function createCaller(options: CallerOptions): Caller {
  const circuit: Circuit = {
    client: options.client,
    timeoutMs: options.timeoutMs,
    clock: options.clock,
    connection: watchConnection(options),
    overdue: new Set(),
    lastSendMs: Number.NEGATIVE_INFINITY,
    closed: false,
  }
  return {
    call: (send, parse) => callWithDeadline(circuit, send, parse),
    close() {
      circuit.closed = true
      circuit.connection.close()
    },
  }
}

/** One call: settle(error) or settle(undefined, value), once. */
interface Pending<R> {
  settled(): boolean
  settle(error: SessionError | undefined, value?: R): void
  /** Marks the command just sent: it is overdue if the deadline passes before its answer. */
  sent(token: object): void
}

function callWithDeadline<R>(
  circuit: Circuit,
  send: () => Promise<unknown>,
  parse: (reply: unknown) => R,
): Promise<R> {
  const { client, timeoutMs, connection } = circuit
  return new Promise<R>((resolve, reject) => {
    let settled = false
    let token: object | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const pending: Pending<R> = {
      settled: () => settled,
      settle(error, value) {
        if (settled) return
        settled = true
        clearTimeout(timer)
        connection.forget(waiter)
        if (error) reject(error)
        else resolve(value as R)
      },
      sent: (sent) => void (token = sent),
    }
    const arm = (ms: number, message: string) => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        if (token) circuit.overdue.add(token)
        pending.settle(unavailable(message))
      }, ms)
    }
    const commandDeadline = () => arm(timeoutMs, `Redis did not answer within ${timeoutMs} ms`)
    let connecting = false
    const waiter: Waiter = {
      // After the connect budget, the command gets its own timeoutMs; otherwise the wait and the
      // command share one timeoutMs.
      go() {
        if (connecting) commandDeadline()
        sendNow(circuit, pending, { send, parse })
      },
      fail: (message) => pending.settle(unavailable(message)),
    }
    if (circuit.closed) pending.settle(unavailable('the denylist is closed'))
    else if (client.status === 'ready') {
      commandDeadline()
      sendNow(circuit, pending, { send, parse })
    } else if (client.status === 'end')
      pending.settle(unavailable('the Redis connection has ended'))
    else {
      const budget = connection.budget()
      connecting = budget.connecting
      arm(budget.ms, `no Redis connection within ${budget.ms} ms`)
      connection.wait(waiter)
      // lazyConnect: a client that never connected does so on first use.
      if (client.status === 'wait') client.connect().catch(noop)
    }
  })
}

function sendNow<R>(
  circuit: Circuit,
  pending: Pending<R>,
  { send, parse }: { send: () => Promise<unknown>; parse: (reply: unknown) => R },
): void {
  const { clock, timeoutMs, overdue } = circuit
  if (pending.settled()) return
  if (overdue.size > 0 && clock() - circuit.lastSendMs < timeoutMs) {
    pending.settle(unavailable('Redis is not answering (an earlier command is overdue)'))
    return
  }
  const sent = {}
  pending.sent(sent)
  circuit.lastSendMs = clock()
  let reply: Promise<unknown>
  try {
    // Promise.resolve: a client answering synchronously cannot throw out of an event handler.
    reply = Promise.resolve(send())
  } catch (cause) {
    pending.settle(unavailable('the Redis client refused the command', cause))
    return
  }
  reply.then(
    (value) => {
      overdue.delete(sent)
      if (pending.settled()) return
      // A timely answer: the connection works. Overdue commands were answered or lost.
      overdue.clear()
      let parsed: R
      try {
        parsed = parse(value)
      } catch (cause) {
        pending.settle(unavailable('Redis answered something unexpected', cause))
        return
      }
      pending.settle(undefined, parsed)
    },
    (cause: unknown) => {
      overdue.delete(sent)
      pending.settle(unavailable('Redis did not perform the command', cause))
    },
  )
}
