// A TCP proxy on 127.0.0.1 for connection-establishment tests: it accepts a client at once but
// opens the upstream connection only after `delayMs` (what a TLS handshake to a managed Redis, or
// a cold serverless network, looks like to the client: connected, then silent), or never
// ('blackhole': a host that accepts and never answers). Loopback only, bounded: at most
// `maxConnections` at a time (more are refused), and close() destroys every socket and timer.
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface DelayProxy {
  readonly port: number
  /** Connections accepted so far. */
  readonly accepted: number
  /** 'forward' (default) after the delay, or 'blackhole': accept, hold, never forward. */
  mode: 'forward' | 'blackhole'
  close(): Promise<void>
}

export interface DelayProxyOptions {
  /** The upstream port on 127.0.0.1 (a private redis-server). */
  readonly upstreamPort: number
  /** How long to hold a new connection before opening the upstream one. */
  readonly delayMs: number
  /** Most connections at a time; more are refused (reset). Default 32. */
  readonly maxConnections?: number
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const sockets = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const maxConnections = options.maxConnections ?? 32
  let accepted = 0
  let open = 0 // client connections now
  const proxy = {
    port: 0,
    get accepted() {
      return accepted
    },
    mode: 'forward' as 'forward' | 'blackhole',
    close: async () => {},
  }

  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    if (open >= maxConnections) {
      client.resetAndDestroy()
      return
    }
    accepted++
    open++
    client.once('close', () => open--)
    track(client)
    if (proxy.mode === 'blackhole') {
      client.resume() // read and drop whatever the client sends; never answer
      return
    }
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (client.destroyed) return
      const upstream = createConnection({ host: '127.0.0.1', port: options.upstreamPort })
      track(upstream)
      upstream.once('connect', () => {
        client.pipe(upstream)
        upstream.pipe(client)
        client.resume()
      })
      // Upstream down: the client sees its connection closed, as with a refused connect.
      upstream.once('close', () => client.destroy())
      client.once('close', () => upstream.destroy())
    }, options.delayMs)
    timers.add(timer)
  })
  server.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  proxy.port = (server.address() as AddressInfo).port
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  return proxy
}
