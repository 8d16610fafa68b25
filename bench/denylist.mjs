// Benchmark: the cost of hybrid revocation on a request cycle (read the session cookie, then
// save it: decrypt, check, re-seal). Stateless vs hybrid (Redis denylist) without a cache vs
// hybrid with a local cache. Starts its own redis-server on a free port and stops it.
//
//   npm run build && node bench/denylist.mjs        (or: npm run bench:denylist)
//
// Reports p50/p99 latency of sequential requests, throughput with concurrent requests, and the
// Redis commands per request (INFO commandstats delta), which must be exactly one MGET without
// the cache and ~0 with it.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createRedisDenylist } from '../dist/denylist.js'
import { createSessions, generateSecret } from '../dist/index.js'

const SESSIONS = 1000 // distinct sessions, cycled
const LATENCY_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000)
const THROUGHPUT_MS = Number(process.env.BENCH_MS ?? 2000)
const CONCURRENCY = 32
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

// --- A private redis-server ---

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'cachet-bench-'))
  const child = spawn(
    'redis-server',
    [
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
    ],
    { stdio: 'ignore' },
  )
  const stop = () => {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', () => child.kill('SIGKILL'))
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  probe.on('error', () => {})
  for (let i = 0; ; i++) {
    try {
      await probe.connect()
      if ((await probe.ping()) === 'PONG') break
    } catch {
      if (i > 200) throw new Error('redis-server did not start')
      await new Promise((r) => setTimeout(r, 25))
    }
  }
  probe.disconnect()
  return { port, stop }
}

// --- Measurement ---

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

async function commandCalls(admin) {
  const info = await admin.info('commandstats')
  const calls = new Map()
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (m[1] !== 'info') calls.set(m[1], Number(m[2]))
  return calls
}

async function request(sessions, cookie) {
  const session = await sessions.read(cookie)
  if (session.state !== 'active')
    throw new Error(`session not active: ${session.state}/${session.reason}`)
  session.data.hits = (session.data.hits ?? 0) + 1
  await session.save()
}

async function cookiesFor(sessions) {
  const cookies = []
  for (let i = 0; i < SESSIONS; i++) {
    const session = await sessions.read(undefined)
    await session.save({ userId: `user-${i}`, hits: 0 })
    cookies.push(session.writes.map((w) => `${w.name}=${w.value}`).join('; '))
  }
  return cookies
}

async function measure(name, sessions, admin) {
  const cookies = await cookiesFor(sessions)
  // Warm-up: JIT, connection, and (with the cache) a live subscription and a filled cache.
  for (let round = 0; round < 3; round++)
    for (const cookie of cookies) await request(sessions, cookie)

  const before = await commandCalls(admin)
  const latencies = new Float64Array(LATENCY_REQUESTS)
  for (let i = 0; i < LATENCY_REQUESTS; i++) {
    const start = performance.now()
    await request(sessions, cookies[i % SESSIONS])
    latencies[i] = performance.now() - start
  }
  const after = await commandCalls(admin)
  const commands = {}
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0)
    if (d > 0) commands[cmd] = d / LATENCY_REQUESTS
  }
  latencies.sort()

  let done = 0
  const deadline = performance.now() + THROUGHPUT_MS
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; performance.now() < deadline; i += CONCURRENCY) {
        await request(sessions, cookies[i % SESSIONS])
        done++
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  return {
    name,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    perSecond: done / seconds,
    commands,
  }
}

// --- Run ---

const redis = await startRedis()
const clients = []
const client = (extra = {}) => {
  const c = new Redis({ port: redis.port, host: '127.0.0.1', maxRetriesPerRequest: 1, ...extra })
  c.on('error', () => {})
  clients.push(c)
  return c
}
const denylists = []
try {
  const keys = generateSecret()
  const admin = client()
  const base = { keys, maxAgeSeconds: 3600 }
  const scenarios = [
    ['stateless', () => createSessions(base)],
    [
      'hybrid, no cache',
      () => {
        const denylist = createRedisDenylist(client(), {
          prefix: `bench-${denylists.length}:`,
          timeoutMs: 1000,
        })
        denylists.push(denylist)
        return createSessions({ ...base, denylist })
      },
    ],
    [
      'hybrid, cache 5 s',
      () => {
        const denylist = createRedisDenylist(client(), {
          prefix: `bench-${denylists.length}:`,
          timeoutMs: 1000,
          cacheTtlMs: 5000,
        })
        denylists.push(denylist)
        return createSessions({ ...base, denylist })
      },
    ],
  ]
  // Rounds interleave the scenarios so that noise from a shared machine spreads over all three;
  // each figure is the median over the rounds.
  const runs = scenarios.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [name, make]] of scenarios.entries())
      runs[i].push(await measure(name, make(), admin))
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  const results = runs.map((rs) => ({
    name: rs[0].name,
    p50Ms: median(rs.map((r) => r.p50Ms)),
    p99Ms: median(rs.map((r) => r.p99Ms)),
    perSecond: median(rs.map((r) => r.perSecond)),
    commands: rs[rs.length - 1].commands,
  }))
  const stateless = results[0]
  const fmt = (n, digits = 3) => n.toFixed(digits)
  console.log(
    `redis-server ${redis.port}, node ${process.version}, ${LATENCY_REQUESTS} sequential requests, ${CONCURRENCY} concurrent for ${THROUGHPUT_MS} ms, median of ${ROUNDS} rounds`,
  )
  console.log(
    '| cycle (read → save) | p50 ms | p99 ms | requests/s | vs stateless | Redis commands/request |',
  )
  console.log('|---|---:|---:|---:|---:|---|')
  for (const r of results) {
    const commands =
      Object.entries(r.commands)
        .map(([cmd, n]) => `${cmd} ${fmt(n, 3)}`)
        .join(', ') || '0'
    console.log(
      `| ${r.name} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${Math.round(r.perSecond)} | ${fmt((100 * r.perSecond) / stateless.perSecond, 0)} % | ${commands} |`,
    )
  }
  const hybrid = results[1].commands
  const oneRoundTrip = Object.keys(hybrid).length === 1 && hybrid.mget === 1
  console.log(
    `hybrid without cache adds exactly one round trip (one MGET per request): ${oneRoundTrip ? 'yes' : 'NO'}`,
  )
  if (!oneRoundTrip) process.exitCode = 1
} finally {
  await Promise.all(denylists.map((d) => d.close()))
  for (const c of clients) c.disconnect()
  redis.stop()
}
