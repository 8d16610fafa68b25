// cachet on the real runtimes: the conformance app (app/conformance-app.ts), bundled once from the
// built package, runs unchanged on Node 20, Node 22, Deno, Bun and Cloudflare's workerd with and
// without nodejs_compat, each on a free loopback port. The same HTTP journey runs against each and
// the transcripts must be identical; cookies sealed on one runtime must open on every other, with
// both cipher backends; each runtime must take the backend it is expected to.

import { mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  RUNTIMES,
  startRuntime,
  type RuntimeName,
  type RuntimeServer,
} from '../helpers/runtime-server.js'
import { Client, COOKIE, runJourney, T0, type Config, type Step } from './journey.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = fileURLToPath(new URL('../../test-output/runtimes/conformance/', import.meta.url))

const EXPECTED_BACKEND: Record<RuntimeName, 'native' | 'portable'> = {
  node20: 'native',
  node22: 'native',
  deno: 'native',
  bun: 'native',
  workerd: 'native', // compatibility date ≥ 2026-08-04: nodejs_compat by default
  'workerd-no-compat': 'portable',
}
const backendsOn = (name: RuntimeName) =>
  EXPECTED_BACKEND[name] === 'native' ? (['native', 'portable'] as const) : (['portable'] as const)

const servers = new Map<RuntimeName, RuntimeServer>()
const server = (name: RuntimeName) => servers.get(name)!

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  // Bundled once, as an edge bundler would (Wrangler's conditions), from dist/ via the package's
  // own exports; every runtime loads this same file.
  await build({
    entryPoints: [`${root}/test/runtimes/app/conformance-app.ts`],
    outfile: `${dir}/app.mjs`,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'edge-light'],
    target: 'es2022',
    logLevel: 'silent',
  })
  const started = await Promise.allSettled(
    RUNTIMES.map(async (name) =>
      servers.set(name, await startRuntime(name, { dir, module: 'app.mjs' })),
    ),
  )
  const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed.length > 0) throw new Error(failed.map((f) => String(f.reason)).join('\n'))
})

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()))
})

describe.each(RUNTIMES)('%s', (name) => {
  test('runs the same bundle and takes the expected backend', async () => {
    const health = await (await fetch(`${server(name).url}/health`)).json()
    expect(health).toMatchObject({ backend: EXPECTED_BACKEND[name] })
    const runtime = (health as { runtime: string }).runtime
    const family = name.startsWith('workerd') ? 'workerd' : name.replace(/\d+$/, '')
    expect(runtime.startsWith(family)).toBe(true)
    if (name === 'node20') expect(runtime).toMatch(/^node 20\./)
    if (name === 'node22') expect(runtime).toMatch(/^node 22\./)
  })

  test('gives the C2SP XAES-256-GCM bytes for a fixed nonce with every backend it has', async () => {
    const probe = await (await fetch(`${server(name).url}/probe/xaes`)).json()
    const expected = 'ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271'
    expect(probe).toEqual(Object.fromEntries(backendsOn(name).map((b) => [b, expected])))
  })

  if (EXPECTED_BACKEND[name] === 'portable') {
    test("refuses backend 'native' at construction (ERR_SESSION_OPTIONS)", async () => {
      const response = await fetch(`${server(name).url}/me`, { headers: { 'x-backend': 'native' } })
      expect(response.status).toBe(500)
      expect(await response.json()).toEqual({ error: 'ERR_SESSION_OPTIONS' })
    })
  }
})

// --- The journey ---

const CONFIGS: readonly Config[] = [
  { strategy: 'sealed', backend: 'auto' },
  { strategy: 'sealed', backend: 'portable' },
  { strategy: 'jwt', backend: 'auto' },
]

function expectJourney(steps: readonly Step[], config: Config): void {
  const by = (step: string) => {
    const found = steps.find((s) => s.step === step)
    expect(found, step).toBeDefined()
    return found!
  }
  const active = { state: 'active', reason: null, data: { userId: 'u1', name: 'Zoë' } }
  expect(by('anonymous read')).toMatchObject({ status: 401, body: { state: 'new' }, setCookie: [] })
  const signIn = by('sign in')
  expect(signIn).toMatchObject({ status: 200, body: { ...active, createdAtMs: T0, id: '<id>' } })
  expect(signIn.setCookie).toHaveLength(1)
  expect(signIn.setCookie[0]).toMatch(
    /^__Host-session=\S+; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
  )
  if (config.strategy === 'sealed') expect(signIn.setCookie[0]).toMatch(/^__Host-session=c1\.k1\./)
  expect(by('read (no refresh yet)')).toMatchObject({ status: 200, body: active, setCookie: [] })
  const refresh = by('read (rolling refresh)')
  expect(refresh).toMatchObject({ status: 200, body: { ...active, idleExpiresAtMs: T0 + 800_000 } })
  expect(refresh.setCookie).toHaveLength(1)
  if (config.strategy === 'sealed') {
    const rotated = by('read after key rotation (re-sealed with k2)')
    expect(rotated).toMatchObject({ status: 200, body: active })
    expect(rotated.setCookie[0]).toMatch(/^__Host-session=c1\.k2\./)
  }
  expect(by('POST with CSRF token')).toMatchObject({
    status: 200,
    body: { transferred: '10', by: 'u1' },
  })
  expect(by('POST without CSRF token')).toMatchObject({
    status: 403,
    body: { refused: 'token-missing' },
  })
  expect(by('POST from another origin')).toMatchObject({
    status: 403,
    body: { refused: 'origin-mismatch' },
  })
  const tampered = by('tampered cookie')
  expect(tampered).toMatchObject({ status: 401, body: { state: 'invalid', reason: 'invalid' } })
  expect(tampered.setCookie[0]).toMatch(/^__Host-session=; Max-Age=0;/)
  const signOut = by('sign out')
  expect(signOut).toMatchObject({ status: 200, body: { state: 'destroyed' } })
  expect(signOut.setCookie[0]).toMatch(/^__Host-session=; Max-Age=0;/)
  for (const step of ['copy of the signed-out cookie', 'first cookie of the signed-out session']) {
    expect(by(step)).toMatchObject({
      status: 401,
      body: { state: 'revoked', reason: 'session-revoked' },
    })
  }
  expect(by('read revoked session')).toMatchObject({
    status: 401,
    body: { state: 'revoked', reason: 'session-revoked' },
  })
  expect(by('read after revoke-user')).toMatchObject({
    status: 401,
    body: { state: 'revoked', reason: 'user-revoked' },
  })
  expect(by('read after 11 idle minutes')).toMatchObject({
    status: 401,
    body: { state: 'expired', reason: 'idle-timeout' },
  })
}

describe.each(CONFIGS)('journey: $strategy, backend $backend', (config) => {
  const transcripts = new Map<RuntimeName, Step[]>()

  test.each(RUNTIMES)('%s: sessions, cookies and refusals as specified', async (name) => {
    const steps = await runJourney(server(name).url, config)
    transcripts.set(name, steps)
    expectJourney(steps, config)
  })

  test('gives the same transcript on every runtime', () => {
    expect([...transcripts.keys()]).toEqual([...RUNTIMES])
    const reference = transcripts.get('node20')
    for (const name of RUNTIMES)
      expect({ name, steps: transcripts.get(name) }).toEqual({ name, steps: reference })
  })
})

// --- Cross-runtime matrix ---

describe('cookies sealed on one runtime open on every other', () => {
  const sealers = RUNTIMES.flatMap((name) => backendsOn(name).map((backend) => ({ name, backend })))

  test.each(sealers)('sealed on $name ($backend)', async ({ name, backend }) => {
    const sealer = new Client(server(name).url, { strategy: 'sealed', backend })
    const login = await sealer.send('/login', {
      method: 'POST',
      atMs: T0,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: `from-${name}`, name: backend }),
    })
    expect(login.response.status).toBe(200)
    const cookie = `${COOKIE}=${sealer.cookieValue()!}`
    const opened: string[] = []
    for (const reader of RUNTIMES) {
      for (const readerBackend of backendsOn(reader)) {
        const client = new Client(server(reader).url, {
          strategy: 'sealed',
          backend: readerBackend,
        })
        const { response, body } = await client.send('/me', { atMs: T0 + 1000, cookie })
        expect({ reader, readerBackend, status: response.status, body }).toMatchObject({
          reader,
          readerBackend,
          status: 200,
          body: { state: 'active', data: { userId: `from-${name}`, name: backend } },
        })
        opened.push(`${reader}/${readerBackend}`)
      }
    }
    expect(opened).toHaveLength(sealers.length)
  })

  test.each(RUNTIMES)('a JWT session minted on %s verifies on every runtime', async (name) => {
    const minter = new Client(server(name).url, { strategy: 'jwt', backend: 'auto' })
    await minter.send('/login', {
      method: 'POST',
      atMs: T0,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: `jwt-${name}`, name: 'j' }),
    })
    const cookie = `${COOKIE}=${minter.cookieValue()!}`
    for (const reader of RUNTIMES) {
      const client = new Client(server(reader).url, { strategy: 'jwt', backend: 'auto' })
      const { response, body } = await client.send('/me', { atMs: T0 + 1000, cookie })
      expect({ reader, status: response.status, body }).toMatchObject({
        reader,
        status: 200,
        body: { state: 'active', data: { userId: `jwt-${name}` } },
      })
    }
  })
})
