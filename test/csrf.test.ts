// CSRF: the origin check and session-bound tokens, through the Fetch helper (verifyRequest), the
// Next helper (verifyHeaders, as a server action sees `await headers()`) and the Express
// middleware over real HTTP.
import http from 'node:http'
import express from 'express'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createCsrf, type Csrf, type CsrfHeaders, type CsrfOptions } from '../src/csrf.js'
import { createMemoryDenylist } from '../src/denylist/index.js'
import { isSessionError } from '../src/errors.js'
import { csrfMiddleware, sessionMiddleware, type SessionData } from '../src/express/index.js'
import { createKeyRing, generateSecret } from '../src/keys.js'
import { createSessions, type Session } from '../src/session/index.js'
import { CookieJar } from './helpers/cookie-jar.js'
import { listen, type TestServer } from './helpers/listen.js'

declare module '../src/express/index.js' {
  interface SessionData {
    user?: { id: string; name: string }
    visitor?: boolean
  }
}

const APP = 'https://app.example'
const SECRET = generateSecret()
const sessions = createSessions<{ userId?: string; visitor?: boolean }>({ keys: SECRET })
const csrf = createCsrf({ keys: sessions.keys, origin: APP })

async function activeSession(
  userId = 'u1',
): Promise<Session<{ userId?: string; visitor?: boolean }>> {
  const session = await sessions.read(undefined)
  await session.save({ userId })
  return session
}

function post(headers: Record<string, string>, url = `${APP}/transfer`): Request {
  return new Request(url, { method: 'POST', headers })
}

const codeOf = (f: () => unknown): string => {
  try {
    f()
  } catch (error) {
    return isSessionError(error) ? error.code : String(error)
  }
  return 'none'
}

// Replaces the character at `index` with the next one of the base64url alphabet.
function bump(token: string, index: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const i = index < 0 ? token.length + index : index
  const next = alphabet[(alphabet.indexOf(token[i]!) + 1) % 64]!
  return token.slice(0, i) + next + token.slice(i + 1)
}

describe('origin check (Fetch Request)', () => {
  test('same-origin with a valid token is accepted', async () => {
    const session = await activeSession()
    const token = csrf.token(session)
    const headers = { origin: APP, 'sec-fetch-site': 'same-origin', 'x-csrf-token': token }
    expect(csrf.verifyRequest(post(headers), session)).toEqual({ ok: true, reason: undefined })
    // Without Sec-Fetch-Site (older browsers), Origin decides.
    expect(csrf.verifyRequest(post({ origin: APP, 'x-csrf-token': token }), session).ok).toBe(true)
  })

  test('cross-origin, Origin: null, Sec-Fetch-Site: cross-site and a missing Origin are refused, even with a valid token', async () => {
    const session = await activeSession()
    const token = csrf.token(session)
    const cases: [Record<string, string>, string][] = [
      [{ origin: 'https://evil.example' }, 'origin-mismatch'],
      [{ origin: 'https://app.example.evil.example' }, 'origin-mismatch'],
      [{ origin: 'http://app.example' }, 'origin-mismatch'], // another scheme is another origin
      [{ origin: 'https://app.example:8443' }, 'origin-mismatch'],
      [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 'origin-mismatch'],
      [{ origin: 'null' }, 'origin-null'],
      [{ origin: 'null', 'sec-fetch-site': 'cross-site' }, 'origin-null'],
      [{ 'sec-fetch-site': 'cross-site' }, 'cross-site'],
      [{ 'sec-fetch-site': 'same-site' }, 'cross-site'],
      [{ origin: APP, 'sec-fetch-site': 'cross-site' }, 'cross-site'],
      [{ 'sec-fetch-site': 'cross-site', referer: `${APP}/form` }, 'cross-site'],
      [{ 'sec-fetch-site': 'evil' }, 'fetch-site-invalid'],
      [{}, 'origin-missing'],
      [{ 'sec-fetch-site': 'none' }, 'origin-missing'],
      [{ referer: 'https://evil.example/page' }, 'referer-mismatch'],
      [{ referer: 'not a url' }, 'referer-mismatch'],
      [{ origin: 'https://APP.example' }, 'origin-invalid'], // browsers serialize in lowercase
      [{ origin: `${APP}/` }, 'origin-invalid'],
      [{ origin: `${APP}/path` }, 'origin-invalid'],
      [{ origin: `${APP}, https://evil.example` }, 'origin-invalid'],
      [{ origin: 'app.example' }, 'origin-invalid'],
    ]
    for (const [headers, reason] of cases) {
      const result = csrf.verifyRequest(post({ ...headers, 'x-csrf-token': token }), session)
      expect({ headers, result }).toEqual({ headers, result: { ok: false, reason } })
    }
  })

  test('without Origin, a same-origin Referer or Sec-Fetch-Site: same-origin is accepted', async () => {
    const session = await activeSession()
    const token = csrf.token(session)
    expect(
      csrf.verifyRequest(post({ referer: `${APP}/form?x=1`, 'x-csrf-token': token }), session).ok,
    ).toBe(true)
    expect(
      csrf.verifyRequest(post({ 'sec-fetch-site': 'same-origin', 'x-csrf-token': token }), session)
        .ok,
    ).toBe(true)
  })

  test('allowMissingOrigin admits clients that send neither header, still with a token', async () => {
    const lenient = createCsrf({ keys: sessions.keys, origin: APP, allowMissingOrigin: true })
    const session = await activeSession()
    expect(
      lenient.verifyRequest(post({ 'x-csrf-token': lenient.token(session) }), session).ok,
    ).toBe(true)
    expect(lenient.verifyRequest(post({}), session)).toEqual({ ok: false, reason: 'token-missing' })
    // Only a missing Origin is admitted: a foreign one is still refused.
    expect(lenient.verifyRequest(post({ origin: 'https://evil.example' }), session).reason).toBe(
      'origin-mismatch',
    )
  })

  test('trusted origins may post cross-site', async () => {
    const withAdmin = createCsrf({
      keys: sessions.keys,
      origin: APP,
      trustedOrigins: ['https://admin.example/'],
    })
    const session = await activeSession()
    const token = withAdmin.token(session)
    const headers = {
      origin: 'https://admin.example',
      'sec-fetch-site': 'same-site',
      'x-csrf-token': token,
    }
    expect(withAdmin.verifyRequest(post(headers), session).ok).toBe(true)
    expect(
      withAdmin.verifyRequest(
        post({ referer: 'https://admin.example/x', 'x-csrf-token': token }),
        session,
      ).ok,
    ).toBe(true)
    // Without the trust, the same request is another origin's.
    expect(csrf.verifyRequest(post(headers), session).reason).toBe('origin-mismatch')
  })

  test('safe methods pass untouched and never write to the session', async () => {
    const session = await sessions.read(undefined)
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      const request = new Request(`${APP}/`, {
        method,
        headers: { origin: 'https://evil.example' },
      })
      expect(csrf.verifyRequest(request, session)).toEqual({ ok: true, reason: undefined })
    }
    csrf.token(session)
    expect(session.state).toBe('new')
    expect(session.writes).toEqual([])
    // Anything else, including an unknown method, is checked.
    const unknown = { method: 'PROPFIND', headers: new Headers({ origin: 'https://evil.example' }) }
    expect(csrf.check(unknown, session).reason).toBe('origin-mismatch')
  })

  test('trustHost takes the origin from the request URL, or from Host (https, or http on loopback)', async () => {
    const hostCsrf = createCsrf({ keys: sessions.keys, trustHost: true })
    const session = await activeSession()
    const token = hostCsrf.token(session)
    const at = (url: string, origin: string) =>
      hostCsrf.verifyRequest(post({ origin, 'x-csrf-token': token }, url), session)
    expect(at('http://127.0.0.1:3000/x', 'http://127.0.0.1:3000').ok).toBe(true)
    expect(at('http://127.0.0.1:3000/x', 'http://127.0.0.1:3001').reason).toBe('origin-mismatch')
    expect(at('https://app.example/x', 'https://evil.example').reason).toBe('origin-mismatch')

    const viaHeaders = (host: string, origin: string) =>
      hostCsrf.verifyHeaders(new Headers({ host, origin, 'x-csrf-token': token }), session)
    expect(viaHeaders('app.example', 'https://app.example').ok).toBe(true)
    expect(viaHeaders('app.example', 'http://app.example').reason).toBe('origin-mismatch')
    expect(viaHeaders('localhost:3000', 'http://localhost:3000').ok).toBe(true)
    expect(viaHeaders('app.example/evil', 'https://app.example').reason).toBe('origin-mismatch')
    // X-Forwarded-Host is never read.
    const forwarded = new Headers({
      host: 'internal:3000',
      'x-forwarded-host': 'evil.example',
      origin: 'https://evil.example',
      'x-csrf-token': token,
    })
    expect(hostCsrf.verifyHeaders(forwarded, session).reason).toBe('origin-mismatch')
  })

  test('trustHost in the Fetch path agrees with Express: https://<host>, http only on loopback', async () => {
    const hostCsrf = createCsrf({ keys: sessions.keys, trustHost: true, requireToken: false })
    const session = await activeSession()
    // Behind a TLS-terminating proxy the server rebuilds request.url with http: from the socket.
    const at = (url: string, origin: string) =>
      hostCsrf.verifyRequest(post({ origin }, url), session).reason ?? 'ok'
    expect(at('http://app.example/x', 'https://app.example')).toBe('ok')
    expect(at('http://app.example/x', 'http://app.example')).toBe('origin-mismatch')
    expect(at('https://app.example:8443/x', 'https://app.example:8443')).toBe('ok')
    expect(at('http://localhost:3000/x', 'http://localhost:3000')).toBe('ok')
    expect(at('http://[::1]:3000/x', 'http://[::1]:3000')).toBe('ok')
    expect(at('http://app.example/x', 'https://evil.example')).toBe('origin-mismatch')
  })
})

describe('session-bound tokens', () => {
  test('a token from another session, an off-by-one token or a truncated one is refused', async () => {
    const mine = await activeSession('u1')
    const other = await activeSession('u1')
    const token = csrf.token(mine)
    expect(csrf.verifyToken(token, mine).ok).toBe(true)
    expect(csrf.verifyToken(csrf.token(other), mine)).toEqual({
      ok: false,
      reason: 'token-mismatch',
    })
    const [kid, nonce, mac] = token.split('.') as [string, string, string]
    expect(kid).toBe('k0')
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const macStart = kid.length + nonce.length + 2
    for (const index of [macStart, macStart + 20, kid.length + 1, kid.length + 10]) {
      expect(csrf.verifyToken(bump(token, index), mine)).toEqual({
        ok: false,
        reason: 'token-mismatch',
      })
    }
    // The last character of a 32-byte base64url string carries 2 padding bits: non-canonical.
    expect(csrf.verifyToken(bump(token, -1), mine).ok).toBe(false)
    expect(csrf.verifyToken(token.slice(0, -1), mine)).toEqual({
      ok: false,
      reason: 'token-invalid',
    })
    expect(csrf.verifyToken(`${token}A`, mine)).toEqual({ ok: false, reason: 'token-invalid' })
    expect(csrf.verifyToken(`k9.${nonce}.${mac}`, mine)).toEqual({
      ok: false,
      reason: 'token-unknown-key',
    })
    expect(csrf.verifyToken('', mine)).toEqual({ ok: false, reason: 'token-missing' })
    expect(csrf.verifyToken(undefined, mine)).toEqual({ ok: false, reason: 'token-missing' })
    expect(csrf.verifyToken(['array'], mine)).toEqual({ ok: false, reason: 'token-invalid' })
    // Each call makes a fresh token (BREACH): two tokens differ, both verify.
    const again = csrf.token(mine)
    expect(again).not.toBe(token)
    expect(csrf.verifyToken(again, mine).ok).toBe(true)
  })

  test('a token from before login, or from before regenerate(), is refused', async () => {
    const session = await sessions.read(undefined)
    await session.save({ visitor: true }) // the login page saves an anonymous session
    const beforeLogin = csrf.token(session)
    expect(csrf.verifyToken(beforeLogin, session).ok).toBe(true)
    await session.regenerate()
    await session.save({ userId: 'u1' })
    expect(csrf.verifyToken(beforeLogin, session)).toEqual({ ok: false, reason: 'token-mismatch' })
    const afterLogin = csrf.token(session)
    expect(csrf.verifyToken(afterLogin, session).ok).toBe(true)
    await session.regenerate()
    await session.save({ userId: 'u1' })
    expect(csrf.verifyToken(afterLogin, session)).toEqual({ ok: false, reason: 'token-mismatch' })
  })

  test('tokens survive key rotation while the ring holds their key', async () => {
    const k1 = generateSecret()
    const k2 = generateSecret()
    const session = await activeSession()
    const old = createCsrf({ keys: createKeyRing({ current: 'k1', keys: { k1 } }), origin: APP })
    const rotated = createCsrf({
      keys: createKeyRing({ current: 'k2', keys: { k2, k1 } }),
      origin: APP,
    })
    const retired = createCsrf({
      keys: createKeyRing({ current: 'k2', keys: { k2 } }),
      origin: APP,
    })
    const token = old.token(session)
    expect(rotated.verifyToken(token, session).ok).toBe(true)
    expect(rotated.token(session).startsWith('k2.')).toBe(true)
    expect(retired.verifyToken(token, session)).toEqual({ ok: false, reason: 'token-unknown-key' })
    // Another app's key never verifies ours, even under the same key id.
    const foreign = createCsrf({
      keys: createKeyRing({ current: 'k1', keys: { k1: generateSecret() } }),
      origin: APP,
    })
    expect(foreign.verifyToken(token, session)).toEqual({ ok: false, reason: 'token-mismatch' })
  })

  test('requireToken: false relies on the origin check, yet a token sent is verified', async () => {
    const originOnly = createCsrf({ keys: sessions.keys, origin: APP, requireToken: false })
    const session = await activeSession()
    expect(originOnly.verifyRequest(post({ origin: APP }), session).ok).toBe(true)
    expect(
      originOnly.verifyRequest(post({ origin: APP, 'x-csrf-token': 'k0.x.y' }), session).reason,
    ).toBe('token-invalid')
    expect(originOnly.verifyRequest(post({ origin: 'https://evil.example' }), session).reason).toBe(
      'origin-mismatch',
    )
    // The default requires one.
    expect(csrf.verifyRequest(post({ origin: APP }), session).reason).toBe('token-missing')
  })

  test('a mixed-case headerName finds the header in lowercase header maps (as Node gives them)', async () => {
    const mixed = createCsrf({ keys: sessions.keys, origin: APP, headerName: 'X-CSRF-Token' })
    expect(mixed.headerName).toBe('x-csrf-token')
    const session = await activeSession()
    const token = mixed.token(session)
    const map: Record<string, string> = { origin: APP, 'x-csrf-token': token }
    const headers: CsrfHeaders = { get: (name) => map[name] }
    expect(mixed.check({ method: 'POST', headers }, session)).toEqual({
      ok: true,
      reason: undefined,
    })
    expect(mixed.verifyRequest(post({ origin: APP, 'X-Csrf-Token': token }), session).ok).toBe(true)
  })

  test('Next server actions: headers() and a form field', async () => {
    const session = await activeSession()
    const form = new FormData()
    form.set(csrf.fieldName, csrf.token(session))
    const headers = new Headers({ origin: APP, 'sec-fetch-site': 'same-origin' })
    expect(csrf.verifyHeaders(headers, session, { token: form.get(csrf.fieldName) }).ok).toBe(true)
    expect(csrf.verifyHeaders(headers, session, { token: form.get('missing') }).reason).toBe(
      'token-missing',
    )
    const file = new FormData()
    file.set(csrf.fieldName, new Blob(['x']))
    expect(csrf.verifyHeaders(headers, session, { token: file.get(csrf.fieldName) }).reason).toBe(
      'token-invalid',
    )
  })

  test('any string as a token, and any header values, never throw', async () => {
    const session = await activeSession()
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (token) => {
        const result = csrf.verifyToken(token, session)
        expect(result.ok).toBe(false)
      }),
      { numRuns: 500 },
    )
    // Token-shaped strings: three base64url parts.
    const b64 = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      maxLength: 50,
    })
    fc.assert(
      fc.property(fc.tuple(b64, b64, b64), ([a, b, c]) => {
        expect(csrf.verifyToken(`${a}.${b}.${c}`, session).ok).toBe(false)
      }),
      { numRuns: 500 },
    )
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 100 }), { nil: undefined })
    fc.assert(
      fc.property(
        fc.record({
          origin: value,
          referer: value,
          'sec-fetch-site': value,
          host: value,
          'x-csrf-token': value,
        }),
        fc.string({ maxLength: 10 }),
        (map, method) => {
          const headers: CsrfHeaders = {
            get: (name) => (map as Record<string, string | undefined>)[name],
          }
          const result = csrf.check({ method, headers }, session)
          expect(typeof result.ok).toBe('boolean')
          if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && method !== 'TRACE') {
            expect(result.ok).toBe(false) // no valid token among random strings
          }
        },
      ),
      { numRuns: 300 },
    )
    // A header object that throws reads as a refused request.
    const hostile: CsrfHeaders = {
      get() {
        throw new Error('boom')
      },
    }
    expect(csrf.check({ method: 'POST', headers: hostile }, session).ok).toBe(false)
  })
})

describe('configuration and misuse fail loudly', () => {
  test('createCsrf validates its options once', () => {
    const bad: [string, Partial<CsrfOptions>][] = [
      ['no origin, no trustHost', {}],
      ['path', { origin: 'https://app.example/app' }],
      ['query', { origin: 'https://app.example/?x' }],
      ['not a URL', { origin: 'app.example' }],
      ['scheme', { origin: 'ftp://app.example' }],
      ['credentials', { origin: 'https://user@app.example' }],
      ['uppercase host is not a serialized origin', { origin: 'https://APP.example' }],
      ['trusted', { origin: APP, trustedOrigins: ['evil'] }],
      ['header', { origin: APP, headerName: 'x csrf' }],
      ['field', { origin: APP, fieldName: '' }],
      ['boolean', { origin: APP, trustHost: 'yes' as unknown as boolean }],
    ]
    for (const [what, options] of bad) {
      expect({ what, code: codeOf(() => createCsrf({ keys: SECRET, ...options })) }).toEqual({
        what,
        code: 'ERR_SESSION_OPTIONS',
      })
    }
    expect(codeOf(() => createCsrf({ keys: 'short', origin: APP }))).toBe('ERR_KEY_WEAK')
    expect(
      codeOf(() =>
        createCsrf({ keys: SECRET, origin: ['https://a.example', 'http://localhost:3000/'] }),
      ),
    ).toBe('none')
  })

  test('a token or a check without a session id throws ERR_SESSION_STATE', () => {
    expect(codeOf(() => csrf.token({} as { id: string }))).toBe('ERR_SESSION_STATE')
    expect(codeOf(() => csrf.token({ id: 'short' }))).toBe('ERR_SESSION_STATE')
    expect(codeOf(() => csrf.verifyToken('x', null as unknown as { id: string }))).toBe(
      'ERR_SESSION_STATE',
    )
    expect(codeOf(() => csrf.verifyRequest(post({}), undefined as unknown as { id: string }))).toBe(
      'ERR_SESSION_STATE',
    )
  })
})

// --- Express, over real HTTP ---

/** An Express app with the session and CSRF middlewares; a refused request gets 403 and its reason is recorded. */
function guardedApp(
  sessions: Parameters<typeof sessionMiddleware>[0],
  csrf: Csrf,
  reasons: string[],
  ...before: express.RequestHandler[]
) {
  const app = express()
  app.use(sessionMiddleware(sessions))
  for (const handler of before) app.use(handler)
  app.use(
    csrfMiddleware(csrf, {
      onReject: (reason, _req, res) => {
        reasons.push(reason)
        res.statusCode = 403
        res.end('Forbidden')
      },
    }),
  )
  return app
}

describe('Express csrfMiddleware', () => {
  let url: string
  let server: TestServer
  let appCsrf: Csrf
  const rejected: string[] = []

  beforeAll(async () => {
    const expressSessions = createSessions<SessionData>({
      keys: SECRET,
      denylist: createMemoryDenylist(),
      userId: (data) => data.user?.id,
    })
    // The origin is the server's own (http on loopback, taken from Host): trustHost.
    appCsrf = createCsrf({ keys: expressSessions.keys, trustHost: true })
    const app = guardedApp(
      expressSessions,
      appCsrf,
      rejected,
      express.urlencoded({ extended: false }),
    )
    app.get('/login', (req, res) => {
      req.session.visitor = true // a token needs a saved session
      res.type('html').send(`<input name="_csrf" value="${appCsrf.token(req.session)}">`)
    })
    app.get('/token', (req, res) => {
      res.json({ token: appCsrf.token(req.session) })
    })
    app.get('/status', (req, res) => {
      res.json({ user: req.session.user?.id ?? null })
    })
    app.post('/login', async (req, res) => {
      await req.session.regenerate()
      req.session.user = { id: 'u1', name: 'Ada' }
      res.json({ ok: true })
    })
    app.post('/transfer', (_req, res) => {
      res.json({ done: true })
    })
    server = await listen(app)
    url = server.url
  })
  afterAll(() => server.close())

  const form = (
    jar: CookieJar,
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ) =>
    jar.fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    })

  test('a form with its token and the own Origin is accepted; the token from before login is then refused', async () => {
    const jar = new CookieJar()
    const page = await (await jar.fetch(`${url}/login`)).text()
    const token = /value="([^"]+)"/.exec(page)![1]!
    const login = await form(jar, '/login', { _csrf: token }, { origin: url })
    expect(login.status).toBe(200)
    expect(await (await jar.fetch(`${url}/status`)).json()).toEqual({ user: 'u1' })

    // The pre-login token is bound to the regenerated-away id.
    const stale = await form(jar, '/transfer', { _csrf: token }, { origin: url })
    expect(stale.status).toBe(403)
    expect(rejected.at(-1)).toBe('token-mismatch')

    const { token: fresh } = (await (await jar.fetch(`${url}/token`)).json()) as { token: string }
    expect((await form(jar, '/transfer', { _csrf: fresh }, { origin: url })).status).toBe(200)
    // In a header (fetch from scripts), with Sec-Fetch-Site as a browser sends it.
    const viaHeader = await jar.fetch(`${url}/transfer`, {
      method: 'POST',
      headers: { 'x-csrf-token': fresh, 'sec-fetch-site': 'same-origin' },
    })
    expect(viaHeader.status).toBe(200)
  })

  test('cross-origin, Origin: null, cross-site, missing Origin, foreign and off-by-one tokens get 403', async () => {
    const jar = new CookieJar()
    await jar.fetch(`${url}/login`)
    const { token } = (await (await jar.fetch(`${url}/token`)).json()) as { token: string }
    const otherJar = new CookieJar()
    await otherJar.fetch(`${url}/login`)
    const { token: foreign } = (await (await otherJar.fetch(`${url}/token`)).json()) as {
      token: string
    }

    const cases: [Record<string, string>, Record<string, string>, string][] = [
      [{ _csrf: token }, { origin: 'http://evil.example' }, 'origin-mismatch'],
      [{ _csrf: token }, { origin: 'null' }, 'origin-null'],
      [{ _csrf: token }, { 'sec-fetch-site': 'cross-site' }, 'cross-site'],
      [{ _csrf: token }, {}, 'origin-missing'],
      [{ _csrf: foreign }, { origin: url }, 'token-mismatch'],
      [{ _csrf: bump(token, 5) }, { origin: url }, 'token-mismatch'],
      [{}, { origin: url }, 'token-missing'],
    ]
    for (const [fields, headers, reason] of cases) {
      const response = await form(jar, '/transfer', fields, headers)
      expect({ headers, status: response.status, body: await response.text() }).toEqual({
        headers,
        status: 403,
        body: 'Forbidden', // the reason reaches the hook, never the client
      })
      expect(rejected.at(-1)).toBe(reason)
    }
  })

  test('a mixed-case headerName is matched case-insensitively', async () => {
    const mixedSessions = createSessions<SessionData>({ keys: SECRET })
    const mixed = createCsrf({
      keys: mixedSessions.keys,
      trustHost: true,
      headerName: 'X-CSRF-Token',
    })
    const reasons: string[] = []
    const app = guardedApp(mixedSessions, mixed, reasons)
    app.get('/token', (req, res) => {
      req.session.visitor = true
      res.json({ token: mixed.token(req.session) })
    })
    app.post('/transfer', (_req, res) => {
      res.json({ done: true })
    })
    const server = await listen(app)
    try {
      const base = server.url
      const jar = new CookieJar()
      const { token } = (await (await jar.fetch(`${base}/token`)).json()) as { token: string }
      const response = await jar.fetch(`${base}/transfer`, {
        method: 'POST',
        headers: { origin: base, 'X-CSRF-Token': token },
      })
      expect({ status: response.status, reasons }).toEqual({ status: 200, reasons: [] })
    } finally {
      await server.close()
    }
  })

  test('trustHost behind a TLS-terminating proxy: https://<Host> is the own origin, http://<Host> is not', async () => {
    const proxied = createSessions<SessionData>({ keys: SECRET })
    const originOnly = createCsrf({ keys: proxied.keys, trustHost: true, requireToken: false })
    const reasons: string[] = []
    const app = guardedApp(proxied, originOnly, reasons)
    app.post('/transfer', (_req, res) => {
      res.json({ done: true })
    })
    const server = await listen(app)
    // The proxy forwards the browser's Host over plain HTTP (the socket is not encrypted).
    const status = (origin: string) =>
      new Promise<number>((resolve, reject) => {
        const request = http.request({
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/transfer',
          headers: { host: 'app.example', origin },
        })
        request.on('response', (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        })
        request.on('error', reject)
        request.end()
      })
    try {
      expect(await status('https://app.example')).toBe(200)
      // A plain-HTTP page of the same host (what a network attacker can serve) is another origin.
      expect(await status('http://app.example')).toBe(403)
      expect(reasons).toEqual(['origin-mismatch'])
    } finally {
      await server.close()
    }
  })

  test('safe requests pass without a token and set no cookie', async () => {
    const jar = new CookieJar()
    const response = await jar.fetch(`${url}/status`, {
      headers: { origin: 'http://evil.example' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.getSetCookie()).toEqual([])
  })

  test('without sessionMiddleware before it, the request fails with ERR_SESSION_STATE', async () => {
    const app = express()
    app.use(csrfMiddleware(appCsrf))
    app.use(
      (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ code: isSessionError(err) ? err.code : 'other' })
      },
    )
    const bare = await listen(app)
    try {
      const response = await fetch(`${bare.url}/`, { method: 'POST' })
      expect(await response.json()).toEqual({ code: 'ERR_SESSION_STATE' })
    } finally {
      await bare.close()
    }
    expect(codeOf(() => csrfMiddleware({} as Csrf))).toBe('ERR_SESSION_OPTIONS')
  })
})
