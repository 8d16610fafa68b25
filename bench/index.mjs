// cachet benchmark: seal, unseal and a full read→save request cycle, against iron-session,
// jose and a raw node:crypto AES-256-GCM floor. Run with `npm run bench` (builds first).
//
// One process, mitata for timing; allocation per op measured separately (see allocPerOp).
// Environment: BENCH_FILTER=<regexp> runs only matching benchmark names; CACHET_DIST=<dir>
// benchmarks another build of cachet (used to compare before/after an optimisation);
// BENCH_CLOCK=cpu measures the paired ratios in CPU time (see pairedRatio); BENCH_ROUNDS and
// BENCH_PAIRED_MS set the rounds of timing and the length of each paired ratio.

import { spawnSync } from 'node:child_process'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import { parseCookie, stringifySetCookie } from 'cookie'
import { getIronSession, sealData, unsealData } from 'iron-session'
import { EncryptJWT, jwtDecrypt, jwtVerify, SignJWT } from 'jose'
import { do_not_optimize, measure } from 'mitata'

const distUrl = process.env.CACHET_DIST
  ? pathToFileURL(`${process.env.CACHET_DIST.replace(/\/$/, '')}/`)
  : new URL('../dist/', import.meta.url)
const cachet = await import(new URL('index.js', distUrl).href)
const filter = new RegExp(process.env.BENCH_FILTER ?? '.')

// --- Payloads ---

// Deterministic JSON of about the given size: a user record plus as many list items as fit.
function payload(targetBytes) {
  const data = {
    userId: 'usr_01HZX3M8Q4',
    role: 'admin',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
  }
  if (targetBytes <= 120) return data
  data.prefs = { theme: 'dark', locale: 'en-GB', tz: 'Europe/London', beta: true }
  data.recent = []
  for (let i = 0; ; i++) {
    const item = {
      id: `doc_${(i * 7919).toString(36).padStart(6, '0')}`,
      title: `Quarterly report ${i}`,
      seen: 1_700_000_000 + i * 3600,
    }
    if (JSON.stringify(data).length + JSON.stringify(item).length + 1 > targetBytes) break
    data.recent.push(item)
  }
  return data
}

const PAYLOADS = [
  { label: 'small', data: payload(100) },
  { label: 'medium', data: payload(1024) },
  { label: 'near-limit', data: payload(2800) },
]

// --- Contenders ---

const TTL_SECONDS = 3600
const secret = cachet.generateSecret()
const keys = cachet.createKeyRing(secret)
const password = randomBytes(32).toString('base64url') // iron-session wants 32+ characters
const rawKey = randomBytes(32)
const joseEncKey = await crypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, [
  'encrypt',
  'decrypt',
])
const joseMacKey = await crypto.subtle.importKey(
  'raw',
  rawKey,
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['sign', 'verify'],
)

// The floor: what a hand-written sealer does with node:crypto and nothing else.
function floorSeal(data) {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', rawKey, iv)
  const body = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()])
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
}
function floorUnseal(token) {
  const bytes = Buffer.from(token, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', rawKey, bytes.subarray(0, 12))
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  const text = Buffer.concat([
    decipher.update(bytes.subarray(12, bytes.length - 16)),
    decipher.final(),
  ]).toString('utf8')
  return JSON.parse(text)
}

const sealers = {
  floor: { seal: floorSeal, unseal: floorUnseal },
  'cachet native': {
    seal: (data) =>
      cachet.seal(data, { keys, purpose: 'bench', backend: 'native', ttlSeconds: TTL_SECONDS }),
    unseal: (token) => cachet.unseal(token, { keys, purpose: 'bench', backend: 'native' }),
  },
  'cachet portable': {
    seal: (data) =>
      cachet.seal(data, { keys, purpose: 'bench', backend: 'portable', ttlSeconds: TTL_SECONDS }),
    unseal: (token) => cachet.unseal(token, { keys, purpose: 'bench', backend: 'portable' }),
  },
  'iron-session': {
    seal: (data) => sealData(data, { password, ttl: TTL_SECONDS }),
    unseal: (token) => unsealData(token, { password, ttl: TTL_SECONDS }),
  },
  'jose JWE dir+A256GCM': {
    seal: (data) =>
      new EncryptJWT(data)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setExpirationTime(`${TTL_SECONDS}s`)
        .encrypt(joseEncKey),
    unseal: async (token) => (await jwtDecrypt(token, joseEncKey)).payload,
  },
  'jose JWS HS256': {
    seal: (data) =>
      new SignJWT(data)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(`${TTL_SECONDS}s`)
        .sign(joseMacKey),
    unseal: async (token) => (await jwtVerify(token, joseMacKey)).payload,
  },
}

// Full request cycle: parse the Cookie header, open the session, save it, serialize Set-Cookie.
const COOKIE = '__Host-session'
const setCookieOptions = {
  path: '/',
  secure: true,
  httpOnly: true,
  sameSite: 'lax',
  maxAge: TTL_SECONDS,
}

function cachetCycle(backend) {
  const sessions = cachet.createSessions({ keys, backend, maxAgeSeconds: TTL_SECONDS })
  return {
    async prepare(data) {
      const fresh = await sessions.read(null)
      await fresh.save(data)
      return {
        header: `theme=dark; ${fresh.writes.map((w) => `${w.name}=${w.value}`).join('; ')}`,
        setCookie: fresh.writes,
      }
    },
    async cycle(header) {
      const session = await sessions.read(header)
      if (session.state !== 'active') throw new Error(`cachet ${backend}: session ${session.state}`)
      await session.save()
      return session.writes
    },
  }
}

const cycles = {
  floor: {
    async prepare(data) {
      return { header: `theme=dark; ${COOKIE}=${floorSeal(data)}`, setCookie: [] }
    },
    async cycle(header) {
      const data = floorUnseal(parseCookie(header)[COOKIE])
      return stringifySetCookie(COOKIE, floorSeal(data), setCookieOptions)
    },
  },
  'cachet native': cachetCycle('native'),
  'cachet portable': cachetCycle('portable'),
  'iron-session': {
    // getIronSession over a CookieStore (the shape of Next.js cookies()) fed from the header.
    async prepare(data) {
      const token = await sealData(data, { password, ttl: TTL_SECONDS })
      return { header: `theme=dark; ${COOKIE}=${token}`, setCookie: [] }
    },
    async cycle(header) {
      const jar = parseCookie(header)
      let out
      const store = {
        get: (name) => (jar[name] === undefined ? undefined : { name, value: jar[name] }),
        set: (name, value, options) => {
          out = stringifySetCookie(name, value, options)
        },
      }
      const session = await getIronSession(store, {
        cookieName: COOKIE,
        password,
        ttl: TTL_SECONDS,
      })
      if (session.userId === undefined) throw new Error('iron-session: no session')
      await session.save()
      return out
    },
  },
}

// --- Measurement ---

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')

// The machine may be shared: each contender is measured ROUNDS times for ~150 ms, rounds far
// apart, and the round with the lowest median counts (load from elsewhere only ever adds time).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
async function time(fn) {
  const stats = await measure(fn, { heap: null, gc, min_cpu_time: 150e6 })
  return { avgNs: stats.avg, p50Ns: stats.p50, p99Ns: stats.p99 }
}

// Paired ratio: a and b alternate, 20 rounds of ~50 ms each, so that both see the same machine
// load. Each round times batches of 10 ops and keeps the median batch (so a GC pause or a burst
// of load lands in a discarded batch, as with mitata's medians); the result is the median over
// rounds of time(b) / time(a). Used for every "vs floor" of seal+unseal.
// BENCH_CLOCK=cpu times each batch with process.cpuUsage() (this process's CPU time, GC threads
// included) instead of the wall clock: on a machine shared with other busy processes, a batch of
// slow ops is preempted more often than a batch of fast ones, which biases wall-clock ratios up.
const CPU_CLOCK = process.env.BENCH_CLOCK === 'cpu'
function clockMs() {
  if (!CPU_CLOCK) return performance.now()
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}
async function pairedRatio(a, b, ms) {
  const isAsync = a() instanceof Promise || b() instanceof Promise
  const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1]
  async function sample(fn, sliceMs) {
    const times = []
    const end = performance.now() + sliceMs
    while (performance.now() < end) {
      const t = clockMs()
      if (isAsync) for (let i = 0; i < 10; i++) do_not_optimize(await fn())
      else for (let i = 0; i < 10; i++) do_not_optimize(fn())
      times.push(clockMs() - t)
    }
    return median(times)
  }
  await sample(a, 100)
  await sample(b, 100)
  const rounds = 20
  const ratios = []
  for (let r = 0; r < rounds; r++) {
    const ta = await sample(a, ms / rounds / 2)
    const tb = await sample(b, ms / rounds / 2)
    ratios.push(tb / ta)
  }
  return median(ratios)
}

// Bytes allocated per op: JS heap plus ArrayBuffer backing stores (Node's Buffers, typed arrays).
// Memory can only be observed as "in use", so allocations are in-use growth over N ops plus
// what every garbage collection in between freed, read from v8.GCProfiler; array-buffer
// sweeping is made synchronous so that freed backing stores show up in the GC that freed them.
// The empty function's figure (the loop's own allocation) is subtracted.
async function allocPerOp(fn, ops) {
  for (let i = 0; i < 200; i++) await fn()
  gc()
  const profiler = new v8.GCProfiler()
  profiler.start()
  const h0 = v8.getHeapStatistics()
  for (let i = 0; i < ops; i++) do_not_optimize(await fn())
  const h1 = v8.getHeapStatistics()
  let freed = 0
  for (const { beforeGC, afterGC } of profiler.stop().statistics) {
    const b = beforeGC.heapStatistics
    const a = afterGC.heapStatistics
    freed += b.usedHeapSize + b.externalMemory - (a.usedHeapSize + a.externalMemory)
  }
  return (
    (h1.used_heap_size + h1.external_memory - (h0.used_heap_size + h0.external_memory) + freed) /
    ops
  )
}

const results = [] // { payload, op, name, avgNs, p50Ns, p99Ns, bytes }
const tokenSizes = [] // { payload, name, chars }
const cookieSizes = [] // { payload, setCookieBytes, chunks }

function fmtTime(ns) {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`
  return `${(ns / 1e6).toFixed(2)} ms`
}
function fmtBytes(n) {
  if (n < 0) return '~0 B'
  return n < 10_000 ? `${Math.round(n)} B` : `${(n / 1024).toFixed(1)} KiB`
}

console.log(
  `cachet benchmark · Node ${process.version} · ${os.cpus()[0]?.model ?? 'unknown cpu'} · ${os.availableParallelism()} cores`,
)
console.log(`cachet from ${fileURLToPath(distUrl)}\n`)

// Correctness first: every contender must round-trip each payload, or its figures mean nothing.
for (const { label, data } of PAYLOADS) {
  const json = JSON.stringify(data)
  for (const [name, s] of Object.entries(sealers)) {
    const token = await s.seal(data)
    const back = await s.unseal(token)
    const { exp: _exp, ...rest } = back
    if (JSON.stringify(name.startsWith('jose') ? rest : back) !== json)
      throw new Error(`${name} did not round-trip ${label}`)
    tokenSizes.push({ payload: label, name, chars: token.length })
  }
}
// Both cachet backends must produce tokens the other opens (same format, same bytes).
{
  const token = sealers['cachet native'].seal(PAYLOADS[1].data)
  if (
    JSON.stringify(sealers['cachet portable'].unseal(token)) !== JSON.stringify(PAYLOADS[1].data)
  ) {
    throw new Error('portable backend cannot open a native seal')
  }
}

const ALLOC_OPS = 2000
const cycleFns = new Map() // `${payload}|${name}` → one request cycle
const jobs = [] // { row, fn }: one per benchmark, measured ROUNDS times

for (const { label, data } of PAYLOADS) {
  for (const [name, s] of Object.entries(sealers)) {
    const token = await s.seal(data)
    for (const [op, fn] of [
      ['seal', () => s.seal(data)],
      ['unseal', () => s.unseal(token)],
    ]) {
      if (filter.test(`${label} ${op} ${name}`))
        jobs.push({ row: { payload: label, op, name }, fn })
    }
  }
  for (const [name, c] of Object.entries(cycles)) {
    const { header, setCookie } = await c.prepare(data)
    if (name === 'cachet native') {
      cookieSizes.push({
        payload: label,
        setCookieBytes: setCookie.reduce((n, w) => n + Buffer.byteLength(w.header), 0),
        chunks: setCookie.length,
      })
    }
    cycleFns.set(`${label}|${name}`, () => c.cycle(header))
    if (filter.test(`${label} cycle ${name}`))
      jobs.push({ row: { payload: label, op: 'cycle', name }, fn: () => c.cycle(header) })
  }
}

for (let round = 1; round <= ROUNDS; round++) {
  console.log(`## round ${round} of ${ROUNDS} (mean, p50, p99)`)
  for (const job of jobs) {
    const t = await time(job.fn)
    if (!job.best || t.p50Ns < job.best.p50Ns) job.best = t
    const { payload: label, op, name } = job.row
    console.log(
      `  ${label.padEnd(10)} ${op.padEnd(6)} ${name.padEnd(22)} ${fmtTime(t.avgNs).padStart(9)} ${fmtTime(t.p50Ns).padStart(9)} ${fmtTime(t.p99Ns).padStart(9)}`,
    )
  }
}

// Allocation after timing, so that the synchronous sweeping below cannot skew any time.
v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping')
const baseline = await allocPerOp(() => undefined, ALLOC_OPS)
const baselineAsync = await allocPerOp(async () => undefined, ALLOC_OPS)
for (const { row, fn, best } of jobs) {
  const isAsync = fn() instanceof Promise
  const bytes = (await allocPerOp(fn, ALLOC_OPS)) - (isAsync ? baselineAsync : baseline)
  results.push({ ...row, ...best, bytes })
}

// Ratios to the floor, paired (see pairedRatio): seal+unseal round trips, and request cycles.
const PAIRED_MS = Number(process.env.BENCH_PAIRED_MS ?? 2000)
const paired = [] // { label, kind: 'trip' | 'cycle', name, ratio }
for (const { label, data } of PAYLOADS) {
  const floorTrip = () => floorUnseal(floorSeal(data))
  for (const [name, s] of Object.entries(sealers)) {
    if (name === 'floor') continue
    if (filter.test(`${label} seal ${name}`) && filter.test(`${label} unseal ${name}`)) {
      const trip = name.startsWith('cachet')
        ? () => s.unseal(s.seal(data))
        : async () => s.unseal(await s.seal(data))
      paired.push({
        label,
        kind: 'trip',
        name,
        ratio: await pairedRatio(floorTrip, trip, PAIRED_MS),
      })
    }
    const cycle = cycleFns.get(`${label}|${name}`)
    if (cycle && filter.test(`${label} cycle ${name}`) && filter.test(`${label} cycle floor`)) {
      const floorCycle = cycleFns.get(`${label}|floor`)
      paired.push({
        label,
        kind: 'cycle',
        name,
        ratio: await pairedRatio(floorCycle, cycle, PAIRED_MS),
      })
    }
  }
}
const TARGETS = { 'cachet native': 1.2, 'cachet portable': 4 }

// --- Report ---

const find = (payload, op, name) =>
  results.find((r) => r.payload === payload && r.op === op && r.name === name)

const lines = []
const pairedRatioOf = (label, kind, name) =>
  name === 'floor'
    ? 1
    : paired.find((p) => p.label === label && p.kind === kind && p.name === name)?.ratio
const fmtRatio = (r) => (r ? `${r.toFixed(2)}x` : '–')
lines.push(
  `Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.availableParallelism()} cores. ` +
    `Times: median per op (mitata, best of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}). ` +
    '"vs floor": time of a seal+unseal round trip (or of a request cycle) over the floor\'s, measured ' +
    `paired (the two alternate; median of 20 rounds; ${CPU_CLOCK ? 'CPU time' : 'wall clock'}). ` +
    'Alloc: bytes per op (JS heap + ArrayBuffers).',
)
for (const { label, data } of PAYLOADS) {
  if (!results.some((r) => r.payload === label)) continue
  lines.push('', `**${label}** (${JSON.stringify(data).length} B of JSON)`, '')
  lines.push(
    '| contender | seal | unseal | seal+unseal vs floor | alloc seal / unseal | read→save cycle | cycle vs floor | alloc cycle |',
  )
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|')
  for (const name of Object.keys(sealers)) {
    const s = find(label, 'seal', name)
    const u = find(label, 'unseal', name)
    const c = find(label, 'cycle', name)
    if (!s && !u && !c) continue
    lines.push(
      `| ${name} | ${s ? fmtTime(s.p50Ns) : '–'} | ${u ? fmtTime(u.p50Ns) : '–'} | ` +
        `${fmtRatio(pairedRatioOf(label, 'trip', name))} | ${s && u ? `${fmtBytes(s.bytes)} / ${fmtBytes(u.bytes)}` : '–'} | ` +
        `${c ? fmtTime(c.p50Ns) : '–'} | ${c ? fmtRatio(pairedRatioOf(label, 'cycle', name)) : '–'} | ${c ? fmtBytes(c.bytes) : '–'} |`,
    )
  }
}
lines.push(
  '',
  'Token sizes (characters; cachet and iron-session are what goes in the cookie value):',
  '',
)
lines.push(
  `| contender | ${PAYLOADS.map((p) => `${p.label} (${JSON.stringify(p.data).length} B)`).join(' | ')} |`,
)
lines.push(`|---|${PAYLOADS.map(() => '---:').join('|')}|`)
for (const name of Object.keys(sealers)) {
  lines.push(
    `| ${name} | ${PAYLOADS.map((p) => tokenSizes.find((t) => t.payload === p.label && t.name === name)?.chars ?? '–').join(' | ')} |`,
  )
}
lines.push(
  `| cachet session Set-Cookie (bytes, cookies) | ${PAYLOADS.map((p) => {
    const c = cookieSizes.find((x) => x.payload === p.label)
    return c ? `${c.setCookieBytes} (${c.chunks})` : '–'
  }).join(' | ')} |`,
)

console.log('\n' + lines.join('\n'))

// Targets on Node: seal+unseal at most 1.2x the floor (native), 4x (portable).
console.log(`\nTargets (seal+unseal vs floor, paired, ${CPU_CLOCK ? 'CPU time' : 'wall clock'}):`)
let missed = 0
for (const { label, name, ratio: r } of paired.filter(
  (p) => p.kind === 'trip' && p.name in TARGETS,
)) {
  const limit = TARGETS[name]
  if (r > limit) missed++
  console.log(
    `  ${label.padEnd(10)} ${name.padEnd(16)} ${r.toFixed(2)}x (target ≤ ${limit}x) ${r <= limit ? 'met' : 'MISSED'}`,
  )
}
if (missed > 0) console.log(`  ${missed} target(s) missed`)

// The denylist benchmark (another file, if present) runs in its own process: it starts its own
// Redis and must not share this process's heap or JIT state.
const denylistBench = fileURLToPath(new URL('denylist.mjs', import.meta.url))
if (!process.env.BENCH_FILTER && existsSync(denylistBench)) {
  console.log('\n# bench/denylist.mjs\n')
  const child = spawnSync(process.execPath, [denylistBench], { stdio: 'inherit' })
  if (child.status !== 0) process.exitCode = child.status ?? 1
}
