// Benchmark: the cost of hybrid revocation on a request cycle (read the session cookie, then
// save it: decrypt, check, re-seal). Stateless vs hybrid (Redis denylist) without a cache vs
// hybrid with a local cache. Starts its own redis-server on a free port and stops it.
//
//   npm run build && node bench/denylist.mjs        (or: npm run bench:denylist)
//
// Reports p50/p99 latency of sequential requests, throughput with concurrent requests, this
// process's CPU time per request in the throughput runs (with its ratio to stateless: the
// throughput that CPU alone allows, a figure that load from other processes on a shared machine
// barely moves, unlike requests/s), and the Redis commands per request (INFO commandstats delta),
// which must be exactly one MGET without the cache (with or without the device index) and ~0
// with it. Then the Redis commands per request
// of `recheckSeconds` (off, 5, 30) on a simulated browsing mix (see recheckMix below).
// BENCH_ONLY=recheck runs only that part.
import { Redis } from 'ioredis'
import { createRedisDenylist } from '../dist/denylist/index.js'
import { createSessions, generateSecret } from '../dist/index.js'
import { startRedis } from '../test/helpers/redis-server.mjs'

const SESSIONS = 1000 // distinct sessions, cycled
const LATENCY_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000)
const THROUGHPUT_MS = Number(process.env.BENCH_MS ?? 2000)
const CONCURRENCY = 32

// --- Measurement ---

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

async function commandCalls(admin) {
  const info = await admin.info('commandstats')
  const calls = new Map()
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (m[1] !== 'info') calls.set(m[1], Number(m[2]))
  return calls
}

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'

// A browser's request: its User-Agent (the device index labels logins with it) and the cookie.
async function request(sessions, cookie) {
  const session = await sessions.read(new Headers({ cookie, 'user-agent': UA }))
  if (session.state !== 'active')
    throw new Error(`session not active: ${session.state}/${session.reason}`)
  session.data.hits = (session.data.hits ?? 0) + 1
  await session.save()
}

async function cookiesFor(sessions) {
  const cookies = []
  for (let i = 0; i < SESSIONS; i++) {
    const session = await sessions.read(new Headers({ 'user-agent': UA }))
    await session.save({ userId: `user-${i}`, hits: 0 })
    cookies.push(session.writes.map((w) => `${w.name}=${w.value}`).join('; '))
  }
  return cookies
}

// Scenarios are measured in interleaved slices (a few hundred requests, or a short window, each
// in turn), so that load from other processes on a shared machine spreads over all of them.
const SLICES = 10

async function prepare(name, sessions) {
  const cookies = await cookiesFor(sessions)
  // Warm-up: JIT, connection, and (with the cache) a live subscription and a filled cache.
  for (let round = 0; round < 3; round++)
    for (const cookie of cookies) await request(sessions, cookie)
  return {
    name,
    sessions,
    cookies,
    latencies: [],
    commands: new Map(),
    done: 0,
    seconds: 0,
    cpuMicros: 0,
    next: 0,
  }
}

async function latencySlice(s, admin, count) {
  const before = await commandCalls(admin)
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    await request(s.sessions, s.cookies[s.next++ % SESSIONS])
    s.latencies.push(performance.now() - start)
  }
  const after = await commandCalls(admin)
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0)
    if (d > 0) s.commands.set(cmd, (s.commands.get(cmd) ?? 0) + d)
  }
}

async function throughputSlice(s, ms) {
  const deadline = performance.now() + ms
  const started = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await request(s.sessions, s.cookies[s.next++ % SESSIONS])
        s.done++
      }
    }),
  )
  s.seconds += (performance.now() - started) / 1000
  const { user, system } = process.cpuUsage(cpu)
  s.cpuMicros += user + system
}

async function measureAll(scenarios, admin) {
  for (let slice = 0; slice < SLICES; slice++)
    for (const s of scenarios) await latencySlice(s, admin, Math.ceil(LATENCY_REQUESTS / SLICES))
  for (let slice = 0; slice < SLICES; slice++)
    for (const s of scenarios) await throughputSlice(s, THROUGHPUT_MS / SLICES)
  return scenarios.map((s) => {
    const sorted = Float64Array.from(s.latencies).sort()
    const commands = {}
    for (const [cmd, n] of s.commands) commands[cmd] = n / sorted.length
    return {
      name: s.name,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      perSecond: s.done / s.seconds,
      cpuMicrosPerRequest: s.cpuMicros / s.done,
      commands,
    }
  })
}

// --- recheckSeconds on a request mix ---

// A browsing mix on a simulated clock (the sessions' `now`), so that minutes pass in seconds:
// MIX_USERS users log in, then for MIX_MINUTES make page views separated by exponential think
// times (mean MIX_THINK_S). A page view is one navigation plus three API calls sent together
// (all with the cookie the browser held when the page started); one page view in twenty also
// saves the session (a form post). The browser keeps the last Set-Cookie it receives. Random
// numbers come from a fixed seed, so every setting sees the same requests.
const MIX_USERS = Number(process.env.MIX_USERS ?? 300)
const MIX_MINUTES = Number(process.env.MIX_MINUTES ?? 10)
const MIX_THINK_S = Number(process.env.MIX_THINK_S ?? 15)

function seeded(seed) {
  let a = seed >>> 0
  return () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function recheckMix(admin, makeDenylist, recheckSeconds) {
  const clock = { ms: Date.UTC(2026, 0, 1) }
  const sessions = createSessions({
    keys: generateSecret(),
    maxAgeSeconds: 24 * 3600,
    denylist: makeDenylist(),
    now: () => clock.ms,
    ...(recheckSeconds ? { recheckSeconds } : {}),
  })
  const random = seeded(42)
  const stats = { requests: 0, setCookies: 0 }
  const cookieOf = (writes) => writes.map((w) => `${w.name}=${w.value}`).join('; ')
  const before = await commandCalls(admin)
  for (let user = 0; user < MIX_USERS; user++) {
    const start = Date.UTC(2026, 0, 1)
    clock.ms = start
    const login = await sessions.read(undefined)
    await login.save({ userId: `user-${user}` })
    let jar = cookieOf(login.writes)
    stats.requests++
    stats.setCookies++
    for (;;) {
      clock.ms += Math.round(-Math.log(1 - random()) * MIX_THINK_S * 1000)
      if (clock.ms - start > MIX_MINUTES * 60_000) break
      const sent = jar // the page and its API calls go out together with the same cookie
      const received = []
      for (let call = 0; call < 4; call++) {
        const session = await sessions.read(sent)
        if (session.state !== 'active') throw new Error(`not active: ${session.reason}`)
        if (call === 0 && random() < 0.05) await session.save({ ...session.data, n: call })
        if (session.writes.length > 0) received.push(cookieOf(session.writes))
        stats.requests++
      }
      stats.setCookies += received.length
      if (received.length > 0) jar = received.at(-1)
    }
  }
  const after = await commandCalls(admin)
  let commands = 0
  for (const [cmd, n] of after) commands += n - (before.get(cmd) ?? 0)
  return { recheckSeconds, ...stats, commands }
}

async function measureRecheck(admin, makeDenylist) {
  const rows = []
  for (const r of [0, 5, 30]) rows.push(await recheckMix(admin, makeDenylist, r))
  console.log(
    `\nrecheckSeconds on a browsing mix: ${MIX_USERS} users, ${MIX_MINUTES} simulated minutes, think time ~${MIX_THINK_S} s, 4 requests per page view`,
  )
  console.log(
    '| recheckSeconds | requests | Redis commands | commands/request | Set-Cookie/request | a revoked copy is refused within |',
  )
  console.log('|---:|---:|---:|---:|---:|---|')
  for (const row of rows) {
    console.log(
      `| ${row.recheckSeconds || 'off'} | ${row.requests} | ${row.commands} | ${(row.commands / row.requests).toFixed(3)} | ${(row.setCookies / row.requests).toFixed(3)} | ${row.recheckSeconds ? `${row.recheckSeconds} s (+ clock skew)` : 'the next request'} |`,
    )
  }
  return rows
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
  const withDenylist = (options, clientOptions = {}, sessionOptions = {}) => {
    const denylist = createRedisDenylist(client(clientOptions), {
      prefix: `bench-${denylists.length}:`,
      timeoutMs: 1000,
      ...options,
    })
    denylists.push(denylist)
    return createSessions({ ...base, denylist, ...sessionOptions })
  }
  const makeDenylist = () => {
    const denylist = createRedisDenylist(client(), {
      prefix: `bench-${denylists.length}:`,
      timeoutMs: 1000,
    })
    denylists.push(denylist)
    return denylist
  }
  if (process.env.BENCH_ONLY !== 'recheck') {
    const scenarios = [
      await prepare('stateless', createSessions(base)),
      await prepare('hybrid, no cache', withDenylist({})),
      // ioredis writes the commands of concurrent requests in one batch per tick.
      await prepare(
        'hybrid, no cache, enableAutoPipelining',
        withDenylist({}, { enableAutoPipelining: true }),
      ),
      await prepare('hybrid, cache 5 s', withDenylist({ cacheTtlMs: 5000 })),
      // The device index (issue 13) is written at login, refresh and logout, never on this cycle.
      await prepare(
        'hybrid + device index (devices: { maxSessionsPerUser: 5 }), no cache',
        withDenylist({}, {}, { devices: { maxSessionsPerUser: 5 } }),
      ),
    ]
    const results = await measureAll(scenarios, admin)
    const stateless = results[0]
    const fmt = (n, digits = 3) => n.toFixed(digits)
    console.log(
      `redis-server ${redis.port}, node ${process.version}, ${LATENCY_REQUESTS} sequential requests, ${CONCURRENCY} concurrent for ${THROUGHPUT_MS} ms, interleaved in ${SLICES} slices`,
    )
    console.log(
      '| cycle (read → save) | p50 ms | p99 ms | requests/s | vs stateless | CPU µs/request | vs stateless (CPU) | Redis commands/request |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---|')
    for (const r of results) {
      const commands =
        Object.entries(r.commands)
          .map(([cmd, n]) => `${cmd} ${fmt(n, 3)}`)
          .join(', ') || '0'
      console.log(
        `| ${r.name} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${Math.round(r.perSecond)} | ${fmt((100 * r.perSecond) / stateless.perSecond, 0)} % | ${fmt(r.cpuMicrosPerRequest, 1)} | ${fmt((100 * stateless.cpuMicrosPerRequest) / r.cpuMicrosPerRequest, 0)} % | ${commands} |`,
      )
    }
    const hybrid = results[1].commands
    const oneRoundTrip = Object.keys(hybrid).length === 1 && hybrid.mget === 1
    console.log(
      `hybrid without cache adds exactly one round trip (one MGET per request): ${oneRoundTrip ? 'yes' : 'NO'}`,
    )
    const indexed = results[4].commands
    const indexOneRoundTrip = Object.keys(indexed).length === 1 && indexed.mget === 1
    console.log(
      `with the device index on, still exactly one MGET per request: ${indexOneRoundTrip ? 'yes' : 'NO'}`,
    )
    if (!oneRoundTrip || !indexOneRoundTrip) process.exitCode = 1
    // What a login costs with the index and a cap (users already holding up to 4 sessions).
    const loginSessions = scenarios[4].sessions
    const beforeLogins = await commandCalls(admin)
    for (let i = 0; i < 100; i++) {
      const session = await loginSessions.read(new Headers({ 'user-agent': UA }))
      await session.save({ userId: `user-${i}`, hits: 0 })
    }
    const afterLogins = await commandCalls(admin)
    const perLogin = [...afterLogins]
      .map(([cmd, n]) => [cmd, (n - (beforeLogins.get(cmd) ?? 0)) / 100])
      .filter(([, n]) => n > 0)
      .map(([cmd, n]) => `${cmd} ${n.toFixed(2)}`)
      .join(', ')
    console.log(`a login with the device index and a cap of 5: ${perLogin} commands`)
  }
  await measureRecheck(admin, makeDenylist)
} finally {
  await Promise.all(denylists.map((d) => d.close()))
  for (const c of clients) c.disconnect()
  await redis.stop()
}
