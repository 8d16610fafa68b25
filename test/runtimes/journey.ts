// The HTTP journey every runtime runs against the conformance app (app/conformance-app.ts), with a
// cookie jar as a browser would keep it. It returns a transcript with the random parts (cookie
// payloads, session ids, CSRF tokens) replaced by their shape, so that transcripts of different
// runtimes compare equal exactly when sessions, cookies and refusals are the same.

import { CookieJar } from '../helpers/cookie-jar.js'

export const T0 = 1_800_000_000_000
export const COOKIE = '__Host-session'

export interface Config {
  readonly strategy: 'sealed' | 'jwt'
  readonly backend: 'auto' | 'native' | 'portable'
}

export interface Step {
  readonly step: string
  readonly status: number
  readonly body: unknown
  readonly setCookie: readonly string[]
}

/** Random values become `<length>`; a session id becomes `<id>`. */
export function shape(text: string): string {
  return text.replace(/[A-Za-z0-9_-]{20,}/g, (m) => `<${m.length}>`)
}

function normalizeBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) }
  if (typeof copy.id === 'string') copy.id = /^[A-Za-z0-9_-]{22}$/.test(copy.id) ? '<id>' : copy.id
  if (typeof copy.token === 'string') copy.token = shape(copy.token)
  return copy
}

export class Client {
  readonly jar = new CookieJar()
  constructor(
    readonly base: string,
    readonly config: Config,
  ) {}

  headers(atMs: number, extra: Record<string, string> = {}): Record<string, string> {
    return {
      'x-now-ms': String(atMs),
      'x-strategy': this.config.strategy,
      'x-backend': this.config.backend,
      ...extra,
    }
  }

  /** Sends a request with the jar's cookies (unless `cookie` is given) and stores Set-Cookie. */
  async send(
    path: string,
    init: {
      method?: string
      atMs: number
      headers?: Record<string, string>
      body?: BodyInit
      cookie?: string
    },
  ): Promise<{ response: Response; body: unknown }> {
    const url = new URL(path, this.base)
    const headers = this.headers(init.atMs, init.headers)
    const cookie = init.cookie ?? this.jar.header(url)
    if (cookie !== undefined) headers.cookie = cookie
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.body !== undefined ? { body: init.body } : {}),
    })
    if (init.cookie === undefined) this.jar.store(url, response)
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // plain text
    }
    return { response, body }
  }

  cookieValue(): string | undefined {
    return this.jar.get(COOKIE)?.value
  }
}

const json = (value: unknown) => ({
  'content-type': 'application/json',
  body: JSON.stringify(value),
})

/** Flips one character in the middle of a cookie value (still valid base64url). */
export function tamper(value: string): string {
  const i = Math.floor(value.length / 2)
  return value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1)
}

/** The whole journey: sign in, read, refresh, rotation, CSRF, tamper, sign out, revoke, idle. */
export async function runJourney(base: string, config: Config): Promise<Step[]> {
  const steps: Step[] = []
  const client = new Client(base, config)
  const record = async (
    step: string,
    path: string,
    init: Parameters<Client['send']>[1],
  ): Promise<{ body: unknown; value: string | undefined }> => {
    const { response, body } = await client.send(path, init)
    steps.push({
      step,
      status: response.status,
      body: normalizeBody(body),
      setCookie: response.headers.getSetCookie().map(shape),
    })
    return { body, value: client.cookieValue() }
  }
  const login = (step: string, userId: string, atMs: number) => {
    const { 'content-type': type, body } = json({ userId, name: 'Zoë' })
    return record(step, '/login', { method: 'POST', atMs, headers: { 'content-type': type }, body })
  }

  await record('anonymous read', '/me', { atMs: T0 })
  const signedIn = await login('sign in', 'u1', T0)
  await record('read (no refresh yet)', '/me', { atMs: T0 + 10_000 })
  await record('read (rolling refresh)', '/me', { atMs: T0 + 200_000 })
  if (config.strategy === 'sealed') {
    await record('read after key rotation (re-sealed with k2)', '/me', {
      atMs: T0 + 210_000,
      headers: { 'x-ring': 'k2' },
    })
  }
  const ring = config.strategy === 'sealed' ? { 'x-ring': 'k2' } : {}
  const at = T0 + 220_000
  const { body: tokenBody } = await record('csrf token', '/csrf', { atMs: at, headers: ring })
  const token = (tokenBody as { token: string }).token
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
  const formHeaders = (origin: string) => ({
    ...ring,
    origin,
    'content-type': 'application/x-www-form-urlencoded',
  })
  await record('POST with CSRF token', '/transfer', {
    method: 'POST',
    atMs: at,
    headers: formHeaders(base),
    body: form({ _csrf: token, amount: '10' }),
  })
  await record('POST without CSRF token', '/transfer', {
    method: 'POST',
    atMs: at,
    headers: formHeaders(base),
    body: form({ amount: '10' }),
  })
  await record('POST from another origin', '/transfer', {
    method: 'POST',
    atMs: at,
    headers: formHeaders('https://evil.example'),
    body: form({ _csrf: token, amount: '10' }),
  })
  const copy = client.cookieValue()!
  await record('tampered cookie', '/me', {
    atMs: at,
    headers: ring,
    cookie: `${COOKIE}=${tamper(copy)}`,
  })
  await record('sign out', '/logout', { method: 'POST', atMs: at, headers: ring })
  await record('copy of the signed-out cookie', '/me', {
    atMs: at,
    headers: ring,
    cookie: `${COOKIE}=${copy}`,
  })
  await record('first cookie of the signed-out session', '/me', {
    atMs: at,
    cookie: `${COOKIE}=${signedIn.value!}`,
  })

  // An admin revokes one session by id.
  const second = await login('sign in again', 'u2', at)
  const { 'content-type': type, body } = json({ sessionId: (second.body as { id: string }).id })
  await record('admin revokes the session', '/revoke', {
    method: 'POST',
    atMs: at,
    headers: { 'content-type': type },
    body,
  })
  await record('read revoked session', '/me', { atMs: at })

  // "Log out everywhere" for a user.
  await login('sign in as u3', 'u3', at)
  await record('revoke every session of u3', '/revoke-user', { method: 'POST', atMs: at })
  await record('read after revoke-user', '/me', { atMs: at + 1000 })

  // Idle timeout.
  await login('sign in as u4', 'u4', at)
  await record('read after 11 idle minutes', '/me', { atMs: at + 660_000 })
  return steps
}
