// @ts-check
// Private redis-server processes for tests and benchmarks: a free port, no persistence, bound to
// 127.0.0.1, stopped by whoever started them. Never touches a Redis it did not start (e.g. :6379).
// Plain JavaScript with JSDoc types so that the .ts tests (typechecked through tsconfig.test.json,
// allowJs) and the .mjs benchmarks (run by plain node) share one copy.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** @type {Set<import('node:child_process').ChildProcess>} */
const started = new Set()
// A crashed or interrupted run must not leave servers behind.
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL')
})

/** @param {number} ms @returns {Promise<void>} */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Whether a TCP port on 127.0.0.1 is free right now.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A free port P (and P + 10000, the cluster bus port, when `bus`). Random in 20000..29999 so
 * that parallel test files rarely race for the same one; start() retries on a lost race anyway.
 * @param {boolean} [bus]
 * @returns {Promise<number>}
 */
export async function freePort(bus = false) {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 10000)
    if ((await portFree(port)) && (!bus || (await portFree(port + 10000)))) return port
  }
  throw new Error('no free port')
}

/**
 * Sends one inline command over a raw socket; resolves with the raw reply or rejects.
 * @param {number} port
 * @param {string} command
 * @param {number} [timeoutMs]
 * @returns {Promise<string>}
 */
export function rawCommand(port, command, timeoutMs = 1000) {
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

/**
 * @param {() => Promise<boolean>} check
 * @param {string} what
 * @param {number} [timeoutMs]
 */
async function waitFor(check, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/**
 * @typedef {object} RedisServer
 * @property {number} port
 * @property {() => Promise<void>} stop Stops for good (SIGCONT first if paused).
 * @property {() => Promise<void>} kill SIGKILL: connections are refused until start() again.
 * @property {() => void} pause SIGSTOP: the kernel still accepts connections, the server never
 *   answers.
 * @property {() => void} resume SIGCONT after pause().
 * @property {() => Promise<void>} start Starts again on the same port (after kill), with no data.
 */

/**
 * @typedef {object} ServerOptions
 * @property {boolean} [cluster]
 */

const INSTALL_HINT =
  'redis-server is not on PATH: apt-get install redis-server (Debian/Ubuntu), ' +
  'brew install redis (macOS), or put a redis-server 6.2+ binary on PATH'

/** A start that failed for good (binary missing, server dies): retrying cannot help. */
class RedisStartError extends Error {
  /** @override */
  name = 'RedisStartError'
}

/**
 * Starts a private redis-server on a free port and waits until it answers (with its own pid).
 * Fails at once, with the install hint, when redis-server is missing or dies on start.
 * @param {ServerOptions} [options]
 * @returns {Promise<RedisServer>}
 */
export async function startRedis(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-redis-'))
  for (let attempt = 0; ; attempt++) {
    const port = await freePort(options.cluster)
    try {
      return await launch(port, dir, options)
    } catch (error) {
      // Only a lost race for the port is worth another try.
      if (error instanceof RedisStartError || attempt >= 4) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
}

/**
 * @param {number} port
 * @param {string} dir
 * @param {ServerOptions} options
 * @returns {Promise<RedisServer>}
 */
async function launch(port, dir, options) {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child
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
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    started.add(proc)
    let output = ''
    const keep = (/** @type {Buffer} */ chunk) =>
      (output = (output + chunk.toString()).slice(-2000))
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    // Settles when the process cannot start (ENOENT) or exits: the wait below stops at once.
    /** @type {Promise<Error>} */
    const failed = new Promise((resolve) => {
      proc.once('error', (/** @type {NodeJS.ErrnoException} */ error) => {
        started.delete(proc)
        resolve(
          error.code === 'ENOENT'
            ? new RedisStartError(INSTALL_HINT)
            : new RedisStartError(String(error)),
        )
      })
      proc.once('close', (code, signal) => {
        started.delete(proc)
        const message = `redis-server exited (${signal ?? code}) on port ${port}:\n${output.trim()}`
        // A port taken between freePort() and the bind is a lost race: startRedis() retries it.
        resolve(
          /address already in use/i.test(output)
            ? new Error(message)
            : new RedisStartError(message),
        )
      })
    })
    /** @type {Error | undefined} */
    let failure
    void failed.then((error) => (failure = error))
    await Promise.race([
      failed.then((error) => Promise.reject(error)),
      waitFor(async () => {
        if (failure) return true
        // Ours, not a server another test started on the same port a moment earlier.
        return (await rawCommand(port, 'INFO server', 500)).includes(`process_id:${proc.pid}\r\n`)
      }, `redis-server on ${port}`),
    ]).catch((/** @type {unknown} */ error) => {
      proc.kill('SIGKILL')
      throw error
    })
    if (failure) throw failure
    // Output is no longer needed once the server answers.
    proc.stdout?.removeListener('data', keep).resume()
    proc.stderr?.removeListener('data', keep).resume()
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

/**
 * @typedef {object} RedisCluster
 * @property {readonly RedisServer[]} nodes The three masters (slots split by redis-cli).
 * @property {() => Promise<void>} stop
 */

/**
 * Three cluster-enabled servers joined with `redis-cli --cluster create`, no replicas; resolves
 * once every node reports `cluster_state:ok`.
 * @returns {Promise<RedisCluster>}
 */
export async function startRedisCluster() {
  /** @type {RedisServer[]} */
  const nodes = []
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

/**
 * Polls `check` until it returns true (every few ms), failing after `timeoutMs`.
 * @param {() => Promise<boolean>} check
 * @param {number} [timeoutMs]
 * @returns {Promise<number>} the ms it took
 */
export async function eventually(check, timeoutMs = 10_000) {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time')
    await sleep(5)
  }
  return Date.now() - start
}
