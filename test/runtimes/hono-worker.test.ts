// examples/hono-worker on the real runtimes: src/worker.ts bundled for Cloudflare Workers and run
// on workerd (secret as a binding), src/node.ts bundled for Node and run with @hono/node-server.
// Both sign in, read, refuse a tampered cookie and sign out; a cookie from one opens on the other.
// `npm run typecheck` compiles the example (examples/hono-worker/tsconfig.json).

import { mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startRuntime, type RuntimeServer } from '../helpers/runtime-server.js'
import { tamper } from './journey.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const example = `${root}/examples/hono-worker`
const dir = `${root}/test-output/runtimes/hono-worker`
const SECRET = 'x5bqrM8pVjO-3Y0nW2tHkzQ7eLdA1cUfGs9rTiBvN4E'

// The example depends on `cachet` as `file:../..`; here it resolves to this package (dist/).
const cachetFromRoot: Plugin = {
  name: 'cachet-from-root',
  setup(b) {
    b.onResolve({ filter: /^cachet(\/.*)?$/ }, (args) =>
      // build.resolve() runs this hook again: the marker stops the recursion.
      (args.pluginData as { fromRoot?: true } | undefined)?.fromRoot
        ? undefined
        : b.resolve(args.path, {
            kind: args.kind,
            resolveDir: root,
            pluginData: { fromRoot: true },
          }),
    )
  },
}

let workerd: RuntimeServer
let node: RuntimeServer

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const common = { bundle: true, format: 'esm', target: 'es2022', logLevel: 'silent' } as const
  await build({
    ...common,
    entryPoints: [`${example}/src/worker.ts`],
    outfile: `${dir}/worker.mjs`,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker'],
    plugins: [cachetFromRoot],
  })
  await build({
    ...common,
    entryPoints: [`${example}/src/node.ts`],
    outfile: `${dir}/node.mjs`,
    platform: 'node',
    plugins: [cachetFromRoot],
  })
  const env = { SESSION_SECRET: SECRET, PORT: '0' }
  ;[workerd, node] = await Promise.all([
    startRuntime('workerd', { dir, module: 'worker.mjs', env }),
    startRuntime('node20', { dir, module: 'node.mjs', env, selfServing: true }),
  ])
})

afterAll(async () => {
  await Promise.all([workerd?.stop(), node?.stop()])
})

async function signIn(base: string, user: string): Promise<string> {
  const response = await fetch(`${base}/login`, {
    method: 'POST',
    body: new URLSearchParams({ user }),
    redirect: 'manual',
  })
  expect(response.status).toBe(303)
  expect(response.headers.get('location')).toBe('/me')
  const [setCookie] = response.headers.getSetCookie()
  expect(setCookie).toMatch(
    /^__Host-session=c1\.k0\.[\w-]+; Max-Age=604800; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
  )
  return setCookie!.split(';')[0]!
}

const me = async (base: string, cookie: string) => {
  const response = await fetch(`${base}/me`, { headers: { cookie } })
  return { status: response.status, body: await response.json() }
}

describe.each(['workerd', 'node'] as const)('examples/hono-worker on %s', (which) => {
  const base = () => (which === 'workerd' ? workerd : node).url

  test('signs in, reads the session with the native backend, refuses a tampered cookie', async () => {
    const cookie = await signIn(base(), 'alice')
    expect(await me(base(), cookie)).toEqual({
      status: 200,
      body: { userId: 'alice', backend: 'native' },
    })
    const value = cookie.slice('__Host-session='.length)
    expect(await me(base(), `__Host-session=${tamper(value)}`)).toEqual({
      status: 401,
      body: { state: 'invalid' },
    })
  })

  test('signs out: the cookie is cleared', async () => {
    const cookie = await signIn(base(), 'bob')
    const response = await fetch(`${base()}/logout`, { method: 'POST', headers: { cookie } })
    expect(await response.text()).toBe('signed out')
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-session=; Max-Age=0;/)
    expect(await me(base(), '')).toEqual({ status: 401, body: { state: 'new' } })
  })

  test('opens a cookie the other runtime sealed', async () => {
    const other = which === 'workerd' ? node.url : workerd.url
    const cookie = await signIn(other, 'carol')
    expect(await me(base(), cookie)).toMatchObject({ status: 200, body: { userId: 'carol' } })
  })
})
