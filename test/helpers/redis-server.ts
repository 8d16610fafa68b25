// Private redis-server processes for tests: a free port, no persistence, bound to 127.0.0.1,
// stopped by the test that started them. Never touches a Redis it did not start (e.g. :6379).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const started = new Set<ChildProcess>()
// A crashed or interrupted run must not leave servers behind.
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL')
})

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Whether a TCP port on 127.0.0.1 is free right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A free port P (and P + 10000, the cluster bus port, when `bus`). Random in 20000..29999 so
 * that parallel test files rarely race for the same one; start() retries on a lost race anyway.
 */
export async function freePort(bus = false): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 10000)
    if ((await portFree(port)) && (!bus || (await portFree(port + 10000)))) return port
  }
  throw new Error('no free port')
}

/** Sends one inline command over a raw socket; resolves with the raw reply or rejects. */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('timeout'))
    }, timeoutMs)
    socket.on('connect', () => socket.write(command + '\r\n'))
    socket.on('data', (chunk) => {
      data += chunk.toString()
      // A simple reply is one CRLF-terminated line; a bulk reply is "$<n>" CRLF, n bytes, CRLF.
      const eol = data.indexOf('\r\n')
      if (eol < 0) return
      const complete =
        data[0] !== '$' || Buffer.byteLength(data) >= eol + 2 + Number(data.slice(1, eol)) + 2
      if (complete) {
        clearTimeout(timer)
        socket.end()
        resolve(data)
      }
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

export interface RedisServer {
  readonly port: number
  /** Stops for good (SIGCONT first if paused). */
  stop(): Promise<void>
  /** SIGKILL: connections are refused until start() again. */
  kill(): Promise<void>
  /** SIGSTOP: the kernel still accepts connections, the server never answers. */
  pause(): void
  /** SIGCONT after pause(). */
  resume(): void
  /** Starts again on the same port (after kill), with no data. */
  start(): Promise<void>
}

interface ServerOptions {
  readonly cluster?: boolean
}

/** Starts a private redis-server on a free port and waits until it answers (with its own pid). */
export async function startRedis(options: ServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-redis-'))
  for (let attempt = 0; ; attempt++) {
    const port = await freePort(options.cluster)
    try {
      return await launch(port, dir, options)
    } catch (error) {
      if (attempt >= 4) throw error
    }
  }
}

async function launch(port: number, dir: string, options: ServerOptions): Promise<RedisServer> {
  let child: ChildProcess | undefined
  let paused = false
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--protected-mode',
    'no',
    ...(options.cluster
      ? [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
        ]
      : []),
  ]
  const start = async () => {
    if (options.cluster) rmSync(join(dir, `nodes-${port}.conf`), { force: true })
    const proc = spawn('redis-server', args, { stdio: 'ignore' })
    child = proc
    started.add(proc)
    let exited = false
    proc.once('exit', () => {
      exited = true
      started.delete(proc)
    })
    await waitFor(async () => {
      if (exited) throw new Error('redis-server exited')
      // Ours, not a server another test started on the same port a moment earlier.
      return (await rawCommand(port, 'INFO server', 500)).includes(`process_id:${proc.pid}\r\n`)
    }, `redis-server on ${port}`).catch((error: unknown) => {
      proc.kill('SIGKILL')
      throw error
    })
    if (exited) throw new Error('redis-server exited')
  }
  const kill = async () => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    if (paused) proc.kill('SIGCONT')
    paused = false
    proc.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    port,
    start,
    kill,
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
    pause() {
      child?.kill('SIGSTOP')
      paused = true
    },
    resume() {
      child?.kill('SIGCONT')
      paused = false
    },
  }
}

export interface RedisCluster {
  /** The three masters (slots split by redis-cli). */
  readonly nodes: readonly RedisServer[]
  stop(): Promise<void>
}

/**
 * Three cluster-enabled servers joined with `redis-cli --cluster create`, no replicas; resolves
 * once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisServer[] = []
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startRedis({ cluster: true }))
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    )
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`)
    for (const node of nodes) {
      await waitFor(
        async () => (await rawCommand(node.port, 'CLUSTER INFO')).includes('cluster_state:ok'),
        `cluster_state:ok on ${node.port}`,
        60_000,
      )
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()))
    throw error
  }
  return {
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()))
    },
  }
}

/** Polls `check` until it returns true (every few ms), failing after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<number> {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time')
    await sleep(5)
  }
  return Date.now() - start
}
