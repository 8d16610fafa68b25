// The conformance app: one Fetch handler over the built package (`cachet`, `cachet/web`,
// `cachet/jwt`, `cachet/csrf`, `cachet/denylist`), bundled once and run unchanged on every runtime
// of test/runtimes. Each request picks its configuration with headers, so one running instance
// serves every case:
//   x-now-ms     the clock (ms since the epoch) for sessions and the denylist
//   x-backend    'auto' | 'native' | 'portable' (sealed strategy)
//   x-ring       'k1' (key k1 only) | 'k2' (k2 current, k1 verify-only)
//   x-strategy   'sealed' | 'jwt' (HS256)
// Nothing random or cryptographic runs at module scope (Workers forbid it there): the managers
// are made on first use, inside a request.

import { createSessions, isSessionError, type Session, type Sessions } from 'cachet'
import { createCsrf, type Csrf } from 'cachet/csrf'
import { createMemoryDenylist, type Denylist } from 'cachet/denylist'
import { jwtStrategy } from 'cachet/jwt'
import { applySession, getSession } from 'cachet/web'
// Not a public export: the raw cipher, to show identical bytes for one fixed nonce.
import { nativeBackend, portableBackend } from '../../../dist/_internal/xaes.js'

type Data = { userId: string; name: string }

// Test-only secrets (256 bits each, base64url), fixed so that every runtime holds the same keys.
const K1 = 'GRjwnxO95mLoJ4Fr6Y3F_f55XXkU80VGne67wbnn_N0'
const K2 = '-oDORZCQWbrzjTANJBoWcKA96Rd4KQZHOMusHqIgVJg'
const JWT_SECRET = 'm8pVsBI7x65lwKa59jAqgugqTjQPu4-bXm5d4H5RusI'

let clockMs = 0
const now = () => clockMs
let denylist: Denylist | undefined
let jwt: ReturnType<typeof jwtStrategy> | undefined
const managers = new Map<string, { sessions: Sessions<Data>; csrf: Csrf }>()

function runtime(): string {
  const g = globalThis as {
    Deno?: { version?: { deno?: string } }
    Bun?: { version?: string }
    navigator?: { userAgent?: string }
    process?: { versions?: { node?: string } }
  }
  if (typeof g.Deno?.version?.deno === 'string') return `deno ${g.Deno.version.deno}`
  if (typeof g.Bun?.version === 'string') return `bun ${g.Bun.version}`
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd'
  if (typeof g.process?.versions?.node === 'string') return `node ${g.process.versions.node}`
  return 'unknown'
}

/**
 * Each runtime process has its own memory denylist, and the cross-runtime tests move cookies
 * between processes. A store's generation refuses sessions another store stamped (`store-reset`,
 * issue 9.2), so this test app leaves it out of the sessions and checks with its own: revocations
 * stay per process, as before.
 */
function sharedGenerationDenylist(memory: Denylist): Denylist {
  return {
    ...memory,
    async current(userId) {
      const { userVersion, epoch } = await memory.current(userId)
      return { userVersion, epoch }
    },
    async check(claims) {
      const { generation } = await memory.current(undefined)
      return memory.check({ ...claims, generation })
    },
  }
}

function manager(headers: Headers): { sessions: Sessions<Data>; csrf: Csrf } {
  const backend = (headers.get('x-backend') ?? 'auto') as 'auto' | 'native' | 'portable'
  const ring = headers.get('x-ring') ?? 'k1'
  const strategyName = headers.get('x-strategy') ?? 'sealed'
  const id = `${strategyName}|${backend}|${ring}`
  let made = managers.get(id)
  if (made) return made
  denylist ??= sharedGenerationDenylist(createMemoryDenylist({ now }))
  jwt ??= jwtStrategy({
    algorithm: 'HS256',
    keys: { current: 'j1', keys: { j1: JWT_SECRET } },
    issuer: 'https://conformance.test',
    audience: 'conformance',
  })
  const sessions = createSessions<Data>({
    keys:
      ring === 'k2'
        ? { current: 'k2', keys: { k2: K2, k1: K1 } }
        : { current: 'k1', keys: { k1: K1 } },
    backend,
    maxAgeSeconds: 3600,
    idleTimeoutSeconds: 600, // rolling refresh after 150 s
    denylist,
    now,
    ...(strategyName === 'jwt' ? { strategy: jwt } : {}),
  })
  made = { sessions, csrf: createCsrf({ keys: sessions.keys, trustHost: true }) }
  managers.set(id, made)
  return made
}

function view(session: Session<Data>) {
  return {
    state: session.state,
    reason: session.reason ?? null,
    data: session.data,
    createdAtMs: session.createdAtMs ?? null,
    expiresAtMs: session.expiresAtMs ?? null,
    idleExpiresAtMs: session.idleExpiresAtMs ?? null,
  }
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
const text = (s: string) => new TextEncoder().encode(s)

// C2SP XAES-256-GCM known answer: key 0x01 × 32, nonce "ABCDEFGHIJKLMNOPQRSTUVWX".
function xaesProbe() {
  const out: Record<string, string | null> = {}
  for (const backend of [portableBackend, nativeBackend]) {
    if (!backend) continue
    const key = backend.importKey(new Uint8Array(32).fill(1))
    out[backend.name] = hex(
      key.encrypt(text('ABCDEFGHIJKLMNOPQRSTUVWX'), text('XAES-256-GCM'), text('')),
    )
  }
  return out
}

async function route(request: Request, sessions: Sessions<Data>, csrf: Csrf): Promise<Response> {
  const url = new URL(request.url)
  const path = `${request.method} ${url.pathname}`
  if (path === 'GET /health') {
    return Response.json({ runtime: runtime(), backend: sessions.backend ?? null })
  }
  if (path === 'GET /probe/xaes') return Response.json(xaesProbe())
  if (path === 'POST /revoke') {
    const { sessionId } = (await request.json()) as { sessionId: string }
    await sessions.revoke(sessionId)
    return Response.json({ revoked: true })
  }
  const session = await getSession(request, sessions)
  if (path === 'POST /login') {
    const data = (await request.json()) as Data
    await session.regenerate()
    await session.save({ userId: data.userId, name: data.name })
    return applySession(Response.json({ ...view(session), id: session.id }), session)
  }
  if (path === 'POST /logout') {
    await session.destroy()
    return applySession(Response.json(view(session)), session)
  }
  if (session.state !== 'active')
    return applySession(Response.json(view(session), { status: 401 }), session)
  if (path === 'GET /me')
    return applySession(Response.json({ ...view(session), id: session.id }), session)
  if (path === 'GET /csrf')
    return applySession(Response.json({ token: csrf.token(session) }), session)
  if (path === 'POST /transfer') {
    const form = await request.formData()
    const check = csrf.verifyRequest(request, session, { token: form.get(csrf.fieldName) })
    if (!check.ok)
      return applySession(Response.json({ refused: check.reason }, { status: 403 }), session)
    return applySession(
      Response.json({ transferred: form.get('amount'), by: session.data.userId }),
      session,
    )
  }
  if (path === 'POST /revoke-user') {
    await sessions.revokeUser(session.data.userId)
    return Response.json({ revokedUser: session.data.userId })
  }
  return new Response('not found', { status: 404 })
}

export default {
  async fetch(request: Request): Promise<Response> {
    const clock = Number(request.headers.get('x-now-ms'))
    clockMs = Number.isFinite(clock) && clock > 0 ? clock : Date.now()
    try {
      const { sessions, csrf } = manager(request.headers)
      return await route(request, sessions, csrf)
    } catch (error) {
      // Only the error code: never a message that could carry data.
      const code = isSessionError(error) ? error.code : 'UNEXPECTED'
      return Response.json({ error: code }, { status: 500 })
    }
  },
}
