import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** A real HTTP server for a test, on a free port of 127.0.0.1. */
export interface TestServer {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

export async function listen(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
