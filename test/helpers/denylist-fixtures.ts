// Shared fixtures of the denylist tests (test/denylist/*.test.ts): clients of private
// redis-server processes (closed after each test file), and session managers acting as app
// instances.

import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { afterAll } from 'vitest'
import type { CookieWrite } from '../../src/cookie.js'
import {
  createRedisDenylist,
  type Denylist,
  type RedisDenylist,
  type RedisDenylistOptions,
} from '../../src/denylist/index.js'
import { generateSecret } from '../../src/keys.js'
import {
  createSessions,
  type RejectReason,
  type SessionOptions,
  type Sessions,
} from '../../src/session/index.js'
import { type RedisCluster, type RedisServer } from './redis-server.mjs'

// --- Fixtures ---

export const SECRET = generateSecret()
let prefixes = 0
export const freshPrefix = () => `t${process.pid}n${++prefixes}:`
// Functional tests use a long timeout so that a busy CI machine cannot fail them; fault tests
// use the short default.
export const SLOW_OK = 2000

export const clients: (Redis | Cluster)[] = []
export const denylists: RedisDenylist[] = []
export const servers: (RedisServer | RedisCluster)[] = []

afterAll(async () => {
  await Promise.all(denylists.map((d) => d.close()))
  for (const c of clients) c.disconnect()
  await Promise.all(servers.map((s) => s.stop()))
})

export const ready = (client: Redis | Cluster) =>
  client.status === 'ready'
    ? Promise.resolve()
    : new Promise<void>((r) => client.once('ready', () => r()))

/** A connection to a private server; reconnects every 50 ms so that recovery tests are quick. */
export function redisClient(port: number, extra: RedisOptions = {}): Redis {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
    ...extra,
  })
  client.on('error', () => {})
  // Each denylist listens for 'ready'; the contract suites create dozens per client.
  client.setMaxListeners(200)
  clients.push(client)
  return client
}

export async function readyClient(port: number, extra: RedisOptions = {}): Promise<Redis> {
  const client = redisClient(port, extra)
  await ready(client)
  return client
}

export async function clusterClient(cluster: RedisCluster): Promise<Cluster> {
  const client = new Cluster(
    cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    { clusterRetryStrategy: () => 50, redisOptions: { maxRetriesPerRequest: 1 } },
  )
  client.on('error', () => {})
  client.setMaxListeners(200)
  clients.push(client)
  await ready(client)
  return client
}

export function redisDenylist(
  client: Redis | Cluster,
  options: RedisDenylistOptions = {},
): RedisDenylist {
  const denylist = createRedisDenylist(client, { timeoutMs: SLOW_OK, ...options })
  denylists.push(denylist)
  return denylist
}

/** Command calls per command name on one server (INFO commandstats), without INFO itself. */
export async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const info = await admin.info('commandstats')
  const calls = new Map<string, number>()
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    // INFO is the measurement itself; CLUSTER … is ioredis refreshing its slot map.
    if (m[1] !== 'info' && !m[1]!.startsWith('cluster')) calls.set(m[1]!, Number(m[2]))
  }
  return calls
}

/** The commands `action` made on the given servers, summed. */
export async function commandsOf(
  admins: readonly Redis[],
  action: () => Promise<unknown>,
): Promise<Record<string, number>> {
  const before = await Promise.all(admins.map(commandCalls))
  await action()
  const after = await Promise.all(admins.map(commandCalls))
  const delta: Record<string, number> = {}
  after.forEach((calls, i) => {
    for (const [name, n] of calls) {
      const d = n - (before[i]!.get(name) ?? 0)
      if (d > 0) delta[name] = (delta[name] ?? 0) + d
    }
  })
  return delta
}

// --- Session instances ---

export interface User {
  userId: string
}

export interface Instance {
  readonly sessions: Sessions<User>
  readonly rejects: RejectReason[]
}

export function instance(denylist: Denylist, extra: Partial<SessionOptions<User>> = {}): Instance {
  const rejects: RejectReason[] = []
  const sessions = createSessions<User>({
    keys: SECRET,
    denylist,
    maxAgeSeconds: 3600,
    onReject: (reason) => rejects.push(reason),
    ...extra,
  })
  return { sessions, rejects }
}

export const cookieOf = (session: { readonly writes: readonly CookieWrite[] }) =>
  session.writes
    .filter((w) => w.value !== '')
    .map((w) => `${w.name}=${w.value}`)
    .join('; ')

export async function login(
  app: Instance,
  userId: string,
): Promise<{ cookie: string; id: string }> {
  const session = await app.sessions.read(undefined)
  await session.regenerate()
  await session.save({ userId })
  return { cookie: cookieOf(session), id: session.id }
}

export async function stateOf(app: Instance, cookie: string): Promise<string> {
  const session = await app.sessions.read(cookie)
  return session.state === 'active' ? 'active' : `${session.state}/${session.reason}`
}

/** Rejects with 'hung' if `promise` does not settle in `ms`: the calls under test must never hang. */
export function settles<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('hung')), ms)
  })
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer))
}
