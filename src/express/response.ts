/**
 * The response side of `req.session`: the `Set-Cookie` goes out with the headers, and the
 * headers wait for the seal.
 *
 * Every call that sends the head or the body (`writeHead`, `write`, `flushHeaders`, `end`, and so
 * everything Express builds on them: `send`, `json`, `redirect`, `sendFile`, `pipe`) is held, in
 * order, while the session has something to seal; once sealed, the calls are replayed and the
 * cookie is in the headers. A second `end()` is ignored, as express-session does. When a needed
 * seal fails, the held calls are dropped and `next(error)` answers instead.
 *
 * @module
 */

import { PRIVATE_NO_STORE } from '../_internal/cache-control.js'
import type { SessionHandle } from './request-session.js'
import { invoke } from './request-session.js'
import type { NextFunction, NodeResponse } from './types.js'

type Method = (...args: unknown[]) => unknown
type Held = 'writeHead' | 'write' | 'flushHeaders' | 'end'

function setCookieList(res: NodeResponse): string[] {
  const current = res.getHeader('set-cookie')
  if (current === undefined) return []
  return Array.isArray(current) ? current.map(String) : [String(current)]
}

// The headers given to writeHead(status, [message,] headers) are moved onto the response first
// (as the `on-headers` package does), so that a `Set-Cookie` among them and ours both survive:
// Node would otherwise let the writeHead headers replace the progressive ones by name.
function moveWriteHeadHeaders(res: NodeResponse, args: unknown[]): unknown[] {
  const index = typeof args[1] === 'string' ? 2 : 1
  const headers = args[index]
  if (headers === undefined || headers === null) return args
  const pairs: [string, unknown][] = []
  if (Array.isArray(headers)) {
    // Node 20: a flat [name, value, name, value, …] list; anything else is left to Node.
    if (headers.length % 2 !== 0 || headers.some((v, i) => i % 2 === 0 && typeof v !== 'string')) {
      return args
    }
    for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i] as string, headers[i + 1]])
  } else if (typeof headers === 'object') {
    pairs.push(...Object.entries(headers))
  } else {
    return args
  }
  const cookies: string[] = []
  let hasCookies = false
  for (const [name, value] of pairs) {
    if (name.toLowerCase() === 'set-cookie') {
      hasCookies = true
      // Header values are strings or numbers (Node stringifies them the same way).
      if (Array.isArray(value)) cookies.push(...value.map((v) => `${v as string}`))
      else if (value !== undefined) cookies.push(`${value as string}`)
    } else {
      res.setHeader(name, value as string | readonly string[])
    }
  }
  // writeHead's Set-Cookie replaces earlier ones, as in Node; several in a flat list all stay.
  if (hasCookies) res.setHeader('set-cookie', cookies)
  return args.slice(0, index)
}

// The four methods that send the head or the body, and the calls held while a seal runs.
class ResponseGate {
  held: [Held, unknown[]][] | undefined
  replaying = false
  ended = false
  headersApplied = false
  readonly original = {} as Record<Held, Method>

  constructor(
    readonly res: NodeResponse,
    readonly handle: SessionHandle,
    readonly next: NextFunction,
  ) {
    const methods = res as unknown as Record<Held, Method | undefined>
    for (const name of ['writeHead', 'write', 'flushHeaders', 'end'] as const) {
      const method = methods[name]
      if (typeof method === 'function') this.original[name] = method
    }
  }

  mustWait(): boolean {
    return (
      !this.headersApplied &&
      !this.res.headersSent &&
      (this.handle.busy > 0 || this.handle.pendingWork() !== undefined)
    )
  }

  // Holds a call; the first one held starts the seal. True when the call was held.
  hold(name: Held, args: unknown[]): boolean {
    if (this.held) {
      this.held.push([name, args])
      return true
    }
    if (this.replaying || !this.mustWait()) return false
    this.held = [[name, args]]
    this.handle.prepare().then(
      () => this.replay(),
      (error: unknown) => this.fail(error),
    )
    return true
  }

  replay(): void {
    const calls = this.held ?? []
    this.held = undefined
    this.replaying = true
    try {
      // writeHead through its wrapper (which adds the cookie); the others through Node's own
      // methods, which call res.writeHead themselves when the head has not gone out yet.
      for (const [name, args] of calls) {
        if (name === 'writeHead') this.res.writeHead(...(args as [number]))
        else this.original[name].apply(this.res, args)
      }
    } catch (error) {
      // What Node would have thrown into the route (an invalid header, say) goes where Express
      // sends a route's exceptions.
      this.handle.failed = true
      invoke(this.next, error)
    } finally {
      this.replaying = false
    }
  }

  fail(error: unknown): void {
    this.held = undefined
    this.handle.failed = true
    // The held end() never reached Node: the error handler's response must be able to end.
    this.ended = false
    invoke(this.next, error)
  }

  // Just before the head goes out: the session's Set-Cookie, and no shared caching.
  applyCookies(args: unknown[]): unknown[] {
    this.headersApplied = true
    const writes = this.handle.cookieHeaders()
    if (writes.length === 0) return args
    const forwarded = moveWriteHeadHeaders(this.res, args)
    this.res.setHeader('set-cookie', [...setCookieList(this.res), ...writes])
    this.res.setHeader('cache-control', PRIVATE_NO_STORE)
    return forwarded
  }
}

/**
 * Wraps the response's head and body methods for one request's session.
 *
 * @param next Receives the error when a seal the response waits for fails.
 */
export function hookResponse(res: NodeResponse, handle: SessionHandle, next: NextFunction): void {
  const gate = new ResponseGate(res, handle, next)
  const { original } = gate
  const methods = res as unknown as Record<Held, Method>
  handle.sent = () => gate.headersApplied || res.headersSent

  methods.writeHead = function writeHead(...args: unknown[]) {
    if (!gate.headersApplied && !res.headersSent) {
      if (gate.hold('writeHead', args)) return res
      args = gate.applyCookies(args)
    }
    return original.writeHead.apply(res, args)
  }
  methods.write = function write(...args: unknown[]) {
    if (gate.hold('write', args)) return true
    return original.write.apply(res, args)
  }
  if (typeof original.flushHeaders === 'function') {
    methods.flushHeaders = function flushHeaders(...args: unknown[]) {
      if (gate.hold('flushHeaders', args)) return undefined
      return original.flushHeaders.apply(res, args)
    }
  }
  methods.end = function end(...args: unknown[]) {
    // A second end() is ignored (express-session does the same); Node would emit
    // ERR_STREAM_WRITE_AFTER_END for one with data, fatal without an error listener.
    if (gate.ended) return res
    gate.ended = true
    if (gate.hold('end', args)) return res
    return original.end.apply(res, args)
  }
}
