// A stand-in for the Upstash REST server. The real Upstash server is a hosted service and cannot
// run here, so this bridge speaks the REST protocol that `@upstash/redis` uses and executes every
// command on a private, real `redis-server` (started by the test helpers) over RESP:
//
// - POST /            body: one command as a JSON array, e.g. ["mget", "k1", "k2"]
//                     200 { "result": … } | 400 { "error": "ERR …" }
// - POST /pipeline    body: an array of commands, run in order on one connection
//                     200 [{ "result": … } | { "error": … }, …]
// - POST /multi-exec  the same, wrapped in MULTI … EXEC (atomic)
// - Authorization: Bearer <token>, else 401 { "error": "Unauthorized" }
// - Upstash-Encoding: base64 (the client's default): every string in a result is base64 of its
//   bytes, except the simple string "OK"; integers stay numbers, nil stays null.
//
// Arguments that the client sends as JSON numbers are sent to Redis as their decimal strings.
// For fault tests the bridge can hold requests (never answer) or answer 503, and it records every
// HTTP request it served so that tests can count them.
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createConnection, type Socket } from 'node:net'

type Reply = string | number | null | Reply[] | { readonly error: string } | { readonly ok: string }

/** A minimal RESP2 connection: commands are written in order, replies matched in order. */
interface Resp {
  send(commands: readonly (readonly string[])[]): Promise<Reply[]>
  close(): void
}

function encodeCommand(args: readonly string[]): Buffer {
  const parts = [Buffer.from(`*${args.length}\r\n`)]
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8')
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

// Parses one reply at `offset`; returns undefined when the buffer does not hold it all yet.
// Bulk strings are kept as bytes (latin1 strings) until the response is encoded.
function parseReply(buf: Buffer, offset: number): { value: Reply; next: number } | undefined {
  const eol = buf.indexOf('\r\n', offset)
  if (eol < 0) return undefined
  const type = String.fromCharCode(buf[offset]!)
  const line = buf.toString('utf8', offset + 1, eol)
  const after = eol + 2
  switch (type) {
    case '+':
      return { value: { ok: line }, next: after }
    case '-':
      return { value: { error: line }, next: after }
    case ':':
      return { value: Number(line), next: after }
    case '$': {
      const length = Number(line)
      if (length < 0) return { value: null, next: after }
      if (buf.length < after + length + 2) return undefined
      return { value: buf.toString('latin1', after, after + length), next: after + length + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { value: null, next: after }
      const items: Reply[] = []
      let next = after
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next)
        if (!item) return undefined
        items.push(item.value)
        next = item.next
      }
      return { value: items, next }
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`)
  }
}

async function connectResp(port: number): Promise<Resp> {
  const socket: Socket = createConnection({ port, host: '127.0.0.1' })
  await once(socket, 'connect')
  const pending: ((reply: Reply) => void)[] = []
  let buffer = Buffer.alloc(0)
  let failed: Error | undefined
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk])
    for (;;) {
      const parsed = parseReply(buffer, 0)
      if (!parsed) break
      buffer = buffer.subarray(parsed.next)
      pending.shift()?.(parsed.value)
    }
  })
  const fail = (error: Error) => {
    failed = error
    for (const resolve of pending.splice(0)) resolve({ error: `ERR bridge: ${error.message}` })
  }
  socket.on('error', fail)
  socket.on('close', () => fail(new Error('connection closed')))
  return {
    send(commands) {
      if (failed) return Promise.resolve(commands.map(() => ({ error: 'ERR bridge: no Redis' })))
      const replies = commands.map(
        () => new Promise<Reply>((resolve) => pending.push((reply) => resolve(reply))),
      )
      // One write: nothing else on this connection can come between the commands of a batch.
      socket.write(Buffer.concat(commands.map(encodeCommand)))
      return Promise.all(replies)
    },
    close: () => socket.destroy(),
  }
}

// --- REST encoding ---

type Encoded = { result: unknown } | { error: string }

function toResult(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === 'number') return reply
  if (Array.isArray(reply)) return reply.map((item) => toResult(item, base64))
  if (typeof reply === 'string') {
    const bytes = Buffer.from(reply, 'latin1')
    return base64 ? bytes.toString('base64') : bytes.toString('utf8')
  }
  if ('ok' in reply) return base64 && reply.ok !== 'OK' ? btoa(reply.ok) : reply.ok
  return reply.error // only inside arrays (EXEC): the top level is handled by encode()
}

function encode(reply: Reply, base64: boolean): Encoded {
  if (reply !== null && typeof reply === 'object' && 'error' in reply) return { error: reply.error }
  return { result: toResult(reply, base64) }
}

function toArgs(command: unknown): string[] | undefined {
  if (!Array.isArray(command) || command.length === 0) return undefined
  const args: string[] = []
  for (const arg of command) {
    if (typeof arg === 'string') args.push(arg)
    else if (typeof arg === 'number' || typeof arg === 'boolean') args.push(String(arg))
    else return undefined
  }
  return args
}

// --- The HTTP server ---

/** One request the bridge served: its path and the commands in it. */
export interface BridgeRequest {
  readonly path: string
  readonly commands: readonly (readonly string[])[]
}

export interface UpstashBridge {
  /** `http://127.0.0.1:<port>`: pass as `url` to `new Redis({ url, token })`. */
  readonly url: string
  readonly token: string
  /** Every request served (authorized and well-formed), in order. */
  readonly requests: BridgeRequest[]
  /** `'hang'`: accept requests and never answer; `'error'`: answer 503; `'ok'`: normal. */
  mode: 'ok' | 'hang' | 'error'
  close(): Promise<void>
}

/** Starts a bridge on a free port of 127.0.0.1 to the redis-server on `redisPort`. */
export async function startUpstashBridge(
  redisPort: number,
  token = 'test-token-' + Math.random().toString(36).slice(2),
): Promise<UpstashBridge> {
  const resp = await connectResp(redisPort)
  const requests: BridgeRequest[] = []
  const held = new Set<http.ServerResponse>()

  const reply = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (bridge.mode === 'hang') {
      held.add(res)
      return
    }
    if (bridge.mode === 'error') return reply(res, 503, { error: 'Service Unavailable' })
    if (req.method !== 'POST') return reply(res, 405, { error: 'Method Not Allowed' })
    if (req.headers.authorization !== `Bearer ${token}`)
      return reply(res, 401, { error: 'Unauthorized' })
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64'
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return reply(res, 400, { error: 'ERR failed to parse command' })
    }
    const path = (req.url ?? '/').split('?')[0]!
    if (path === '/') {
      const args = toArgs(body)
      if (!args) return reply(res, 400, { error: 'ERR failed to parse command' })
      requests.push({ path, commands: [args] })
      const [result] = await resp.send([args])
      const encoded = encode(result!, base64)
      return reply(res, 'error' in encoded ? 400 : 200, encoded)
    }
    if (path === '/pipeline' || path === '/multi-exec') {
      const commands = Array.isArray(body) ? body.map(toArgs) : undefined
      if (!commands || commands.length === 0 || commands.some((c) => c === undefined))
        return reply(res, 400, { error: 'ERR failed to parse pipeline request' })
      const list = commands as string[][]
      requests.push({ path, commands: list })
      if (path === '/pipeline') {
        const results = await resp.send(list)
        return reply(
          res,
          200,
          results.map((r) => encode(r, base64)),
        )
      }
      const results = await resp.send([['MULTI'], ...list, ['EXEC']])
      const exec = results.at(-1)!
      if (!Array.isArray(exec)) {
        // A command refused at queueing (EXECABORT): report the first error, as one failure.
        const queued = results.slice(1, -1).find((r) => r !== null && typeof r === 'object')
        const error = queued && 'error' in queued ? queued.error : 'EXECABORT'
        return reply(res, 400, { error })
      }
      return reply(
        res,
        200,
        exec.map((r) => encode(r, base64)),
      )
    }
    return reply(res, 404, { error: 'Not Found' })
  }
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo

  const bridge: UpstashBridge = {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    mode: 'ok',
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy()
        server.closeAllConnections()
        server.close(() => {
          resp.close()
          resolve()
        })
      }),
  }
  return bridge
}
