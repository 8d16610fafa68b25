// The README's Fetch quick start runs on Node as written: its `app.ts` and `server.ts` blocks are
// copied out of README.md, compiled from TypeScript with their imports left as they are (`cachet`
// resolves to this package's exports, `srvx` to node_modules), and started on Node 20 and 22.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startRuntime, type RuntimeServer } from '../helpers/runtime-server.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = `${root}/test-output/runtimes/readme`
const readme = readFileSync(`${root}/README.md`, 'utf8')
const SECRET = 'Qm3T8vZcN1xW5rJ0aYkLp7eHs2dG9bUf4iOnE6tRyAw'

function block(file: string): string {
  const match = new RegExp(
    '```ts\\n// ' + file.replace('.', '\\.') + '[^\\n]*\\n([\\s\\S]*?)\\n```',
  ).exec(readme)
  if (!match) throw new Error(`README.md has no \`// ${file}\` block`)
  return match[1]!
}

const servers: RuntimeServer[] = []

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}/app.ts`, block('app.ts'))
  writeFileSync(`${dir}/server.ts`, block('server.ts'))
  await build({
    entryPoints: [`${dir}/server.ts`],
    outfile: `${dir}/server.mjs`,
    bundle: true, // the two blocks become one file; packages stay imports
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  })
  const env = { SESSION_SECRET: SECRET, PORT: '0' }
  for (const name of ['node20', 'node22'] as const) {
    servers.push(await startRuntime(name, { dir, module: 'server.mjs', env, selfServing: true }))
  }
})

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
})

describe.each(['node20', 'node22'] as const)('the README quick start on %s', (name) => {
  const base = () => servers.find((s) => s.name === name)!.url

  test('signs in, reads, signs out', async () => {
    const login = await fetch(`${base()}/login`, { method: 'POST', redirect: 'manual' })
    expect(login.status).toBe(303)
    expect(new URL(login.headers.get('location')!).pathname).toBe('/me')
    const [setCookie] = login.headers.getSetCookie()
    expect(setCookie).toMatch(
      /^__Host-session=c1\.k0\.[\w-]+; Max-Age=604800; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    )
    expect(login.headers.get('cache-control')).toBe('private, no-store')
    const cookie = setCookie!.split(';')[0]!

    const me = await fetch(`${base()}/me`, { headers: { cookie } })
    expect(me.status).toBe(200)
    expect(await me.json()).toEqual({ userId: 'u1' })

    const logout = await fetch(`${base()}/logout`, { method: 'POST', headers: { cookie } })
    expect(await logout.text()).toBe('signed out')
    expect(logout.headers.getSetCookie()[0]).toMatch(/^__Host-session=; Max-Age=0;/)

    const anonymous = await fetch(`${base()}/me`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.text()).toBe('sign in first')
  })
})
