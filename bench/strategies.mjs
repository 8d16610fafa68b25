// cachet strategies compared on the same session data: the sealed cookie (XAES-256-GCM), the JWT
// strategy (EdDSA, ES256, RS256, HS256 via jose) and hybrid revocation (sealed cookie + denylist
// check per read, in process and over a real Redis round trip). Prints a Markdown table.
//
// Run with `npm run bench:strategies` (builds first). Needs dist/; the Redis rows need
// redis-server on PATH (a private server on a free port is started and stopped here; no other
// Redis is touched). BENCH_ROUNDS=<n> sets the rounds (default 5; each cell keeps its lowest
// median, since load from elsewhere only ever adds time).

import os from 'node:os'
import v8 from 'node:v8'
import vm from 'node:vm'
import { Redis } from 'ioredis'
import { exportJWK, generateKeyPair } from 'jose'
import { measure } from 'mitata'
import { startRedis } from '../test/helpers/redis-server.mjs'

const dist = new URL('../dist/', import.meta.url)
const cachet = await import(new URL('index.js', dist).href)
const { jwtStrategy } = await import(new URL('jwt/index.js', dist).href)
const { createMemoryDenylist, createRedisDenylist } = await import(
  new URL('denylist/index.js', dist).href
)

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

// --- Session data: the same for every strategy ---

const DATA = {
  small: {
    userId: 'usr_01HZX3M8Q4',
    role: 'admin',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
  },
  medium: {
    userId: 'usr_01HZX3M8Q4',
    role: 'admin',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    prefs: { theme: 'dark', locale: 'en-GB', tz: 'Europe/London', beta: true },
    recent: Array.from({ length: 12 }, (_, i) => ({
      id: `doc_${(i * 7919).toString(36).padStart(6, '0')}`,
      title: `Quarterly report ${i}`,
      seen: 1_700_000_000 + i * 3600,
    })),
  },
}

// --- A private Redis (none when redis-server is missing: the Redis rows are skipped) ---

async function privateRedis() {
  let server
  try {
    server = await startRedis()
  } catch {
    return undefined
  }
  const client = new Redis({
    port: server.port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  })
  await client.connect()
  return {
    client,
    async stop() {
      client.disconnect()
      await server.stop()
    },
  }
}

// --- Contenders ---

const SECRET = cachet.generateSecret()
const jwtBase = { issuer: 'https://app.example.com', audience: 'https://api.example.com' }

async function jwtKeys(algorithm) {
  if (algorithm === 'HS256') return { current: 'k1', keys: { k1: cachet.generateSecret() } }
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true })
  return { current: 'k1', keys: { k1: await exportJWK(privateKey) } }
}

const redis = await privateRedis()
const contenders = [
  {
    name: 'sealed cookie (XAES-256-GCM)',
    readable: 'server only',
    revocation: 'none before expiry',
    options: {},
  },
  {
    name: 'hybrid: sealed + in-process denylist',
    readable: 'server only',
    revocation: 'immediate, one process',
    options: { denylist: createMemoryDenylist() },
  },
]
if (redis) {
  contenders.push({
    name: 'hybrid: sealed + Redis denylist',
    readable: 'server only',
    revocation: 'immediate (1 RTT/read)',
    options: { denylist: createRedisDenylist(redis.client, { timeoutMs: 1000 }) },
  })
}
for (const algorithm of ['EdDSA', 'ES256', 'RS256', 'HS256']) {
  const strategy = jwtStrategy({ algorithm, keys: await jwtKeys(algorithm), ...jwtBase })
  await strategy.ready
  contenders.push({
    name: `JWT ${algorithm}`,
    readable: 'anyone with the token',
    revocation: 'none before expiry',
    options: { strategy },
  })
}
if (redis) {
  const strategy = jwtStrategy({ algorithm: 'EdDSA', keys: await jwtKeys('EdDSA'), ...jwtBase })
  contenders.push({
    name: 'JWT EdDSA + Redis denylist',
    readable: 'anyone with the token',
    revocation: 'immediate (1 RTT/read)',
    options: { strategy, denylist: createRedisDenylist(redis.client, { timeoutMs: 1000 }) },
  })
}

// --- Measurement ---

const us = (ns) => (ns / 1000).toFixed(ns < 10_000 ? 1 : 0)

// Prepare every cell: the sessions, the cookie header to read, the sizes; check the round trip.
const cells = []
const rows = []
for (const contender of contenders) {
  const sessions = cachet.createSessions({ keys: SECRET, ...contender.options })
  const row = { ...contender, sizes: {}, times: {} }
  rows.push(row)
  for (const [label, data] of Object.entries(DATA)) {
    const session = await sessions.read(null)
    await session.save(data)
    const cookie = session.writes[0]
    const header = `${cookie.name}=${cookie.value}`
    if ((await sessions.read(header)).state !== 'active') {
      throw new Error(`${contender.name}: the session did not read back`)
    }
    row.sizes[label] = { token: session.token.length, setCookie: Buffer.byteLength(cookie.header) }
    row.times[label] = { saveNs: Infinity, readNs: Infinity }
    // save: a new session (login): anonymous read + encode (+ the denylist's current versions).
    cells.push({
      row,
      label,
      op: 'saveNs',
      fn: async () => {
        const s = await sessions.read(null)
        await s.save(data)
      },
    })
    // read: parse + verify/open + claims checks (+ the denylist check).
    cells.push({ row, label, op: 'readNs', fn: () => sessions.read(header) })
  }
}

// Rounds go over every cell in turn, so that a burst of load from elsewhere hits one round of
// many cells rather than every round of one cell; each cell keeps its lowest median.
for (let round = 0; round < ROUNDS; round++) {
  for (const cell of cells) {
    const { p50 } = await measure(cell.fn, { heap: null, gc })
    const times = cell.row.times[cell.label]
    times[cell.op] = Math.min(times[cell.op], p50)
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`)
}
if (redis) await redis.stop()

// --- Report ---

const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
console.log(
  `Node ${process.version}, ${cpu} (${os.cpus().length} cores), lowest p50 of ${ROUNDS} interleaved rounds.`,
)
console.log(
  `Data: small = ${JSON.stringify(DATA.small).length} B of JSON, medium = ${JSON.stringify(DATA.medium).length} B.`,
)
console.log()
console.log(
  '| strategy | token (small / medium) | save µs (small / medium) | read µs (small / medium) | who reads the data | revocation |',
)
console.log('|---|---:|---:|---:|---|---|')
for (const row of rows) {
  const { small, medium } = row.sizes
  const t = row.times
  console.log(
    `| ${row.name} | ${small.token} / ${medium.token} B | ${us(t.small.saveNs)} / ${us(t.medium.saveNs)} | ${us(t.small.readNs)} / ${us(t.medium.readNs)} | ${row.readable} | ${row.revocation} |`,
  )
}
