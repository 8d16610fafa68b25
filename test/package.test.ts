// Package smoke test: the tarball `npm pack` makes, installed into a fresh app as a user gets it.
// Offline: the app's lockfile takes cachet's dependencies from this repository's lockfile, so
// `npm ci --offline` finds them in the npm cache that installing this repository filled. Every
// subpath of package.json's `exports` is imported (ESM) and require()d (require(esm), Node 20.19+),
// the `cachet` bin runs, and a file using the public types typechecks under moduleResolution
// nodenext and bundler. dist/ is built by `npm test`'s pretest step.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const root = new URL('..', import.meta.url).pathname
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string
  version: string
  dependencies: Record<string, string>
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional?: boolean }>
  exports: Record<string, unknown>
  bin: Record<string, string>
}
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version: string; dependencies?: Record<string, string> }>
}
// Every subpath but package.json (imported as JSON, not code).
const subpaths = Object.keys(pkg.exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`))
// Optional peer dependencies a subpath needs at run time, installed into the app as a user would.
const RUNTIME_PEERS = ['iron-webcrypto']

let dir: string
let app: string
let tarball: { file: string; size: number; files: string[] }

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 })
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    )
  }
  return result.stdout
}

/** Lockfile entries for `names` and their dependencies, copied from this repository's lockfile. */
function lockEntries(names: readonly string[]) {
  const entries: Record<string, unknown> = {}
  const queue = [...names]
  while (queue.length > 0) {
    const name = queue.shift()!
    const key = `node_modules/${name}`
    if (entries[key]) continue
    const entry = lock.packages[key]
    if (!entry) throw new Error(`${name} is not in package-lock.json at the top level`)
    entries[key] = entry
    queue.push(...Object.keys(entry.dependencies ?? {}))
  }
  return entries
}

function installApp() {
  const spec = `file:../${tarball.file}`
  const integrity = `sha512-${createHash('sha512')
    .update(readFileSync(join(dir, tarball.file)))
    .digest('base64')}`
  const dependencies: Record<string, string> = { [pkg.name]: spec }
  for (const peer of RUNTIME_PEERS)
    dependencies[peer] = lock.packages[`node_modules/${peer}`]!.version
  const packages = {
    '': { name: 'smoke-app', dependencies },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity,
      dependencies: pkg.dependencies,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
      bin: pkg.bin,
    },
    ...lockEntries([...Object.keys(pkg.dependencies), ...RUNTIME_PEERS]),
  }
  const manifest = { name: 'smoke-app', private: true, type: 'module', dependencies }
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2))
  const lockfile = { name: 'smoke-app', lockfileVersion: 3, requires: true, packages }
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockfile, null, 2))
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], app)
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-package-'))
  app = join(dir, 'app')
  mkdirSync(app)
  // --ignore-scripts: `prepare` would rebuild dist/ while other test files read it.
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root)
  const [packed] = JSON.parse(out) as [
    { filename: string; size: number; files: { path: string }[] },
  ]
  tarball = { file: packed.filename, size: packed.size, files: packed.files.map((f) => f.path) }
  console.log(
    `package: ${tarball.file} ${(tarball.size / 1024).toFixed(1)} KiB packed, ${tarball.files.length} files`,
  )
  installApp()
}, 180_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the packed tarball', () => {
  test('holds every export target, the bin, LICENSE, and no sources, tests or maps', () => {
    const targets = Object.values(pkg.exports).flatMap((target) =>
      typeof target === 'string' ? [target] : Object.values(target as Record<string, string>),
    )
    for (const target of [...targets, ...Object.values(pkg.bin)])
      expect(tarball.files).toContain(target.replace(/^\.\//, ''))
    expect(tarball.files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']))
    expect(tarball.files.filter((f) => /^(src|test|bench|examples)\/|\.map$/.test(f))).toEqual([])
  })
})

describe('installed into a fresh app', () => {
  test('every subpath imports from ESM, with exports', () => {
    const script = `for (const id of ${JSON.stringify(subpaths)}) {
      const mod = await import(id)
      console.log(id, Object.keys(mod).length)
    }`
    const lines = run(process.execPath, ['--input-type=module', '-e', script], app)
      .trim()
      .split('\n')
    expect(lines.map((l) => l.split(' ')[0])).toEqual(subpaths)
    for (const line of lines) expect(Number(line.split(' ')[1])).toBeGreaterThan(0)
  })

  test('every subpath loads with require() (require(esm), Node 20.19+)', () => {
    const script = `for (const id of ${JSON.stringify(subpaths)}) {
      const mod = require(id)
      console.log(id, Object.keys(mod).length)
    }`
    const lines = run(
      process.execPath,
      ['--no-warnings', '--input-type=commonjs', '-e', script],
      app,
    )
      .trim()
      .split('\n')
    expect(lines.map((l) => l.split(' ')[0])).toEqual(subpaths)
    for (const line of lines) expect(Number(line.split(' ')[1])).toBeGreaterThan(0)
  })

  test('the cachet bin runs: --version, secret', () => {
    const bin = join(app, 'node_modules', '.bin', 'cachet')
    expect(run(bin, ['--version'], app)).toBe(`${pkg.version}\n`)
    const secret = run(bin, ['secret'], app).trim()
    const check = `import { createSessions } from 'cachet'; createSessions({ keys: ${JSON.stringify(secret)} })`
    run(process.execPath, ['--input-type=module', '-e', check], app)
  })

  test.each(['nodenext', 'bundler'] as const)(
    'a file using the public types typechecks with moduleResolution %s',
    (resolution) => {
      writeFileSync(join(app, 'consumer.ts'), CONSUMER)
      const tsconfig = {
        compilerOptions: {
          target: 'ES2022',
          module: resolution === 'nodenext' ? 'NodeNext' : 'ESNext',
          moduleResolution: resolution,
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          types: [],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          // cachet's declarations are checked; TypeScript's own lib files are not (time).
          skipLibCheck: false,
          skipDefaultLibCheck: true,
          noEmit: true,
        },
        files: ['consumer.ts'],
      }
      writeFileSync(join(app, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig))
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
      run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], app)
    },
    120_000,
  )

  test('a type error in the consumer is caught (the typecheck is real)', () => {
    writeFileSync(
      join(app, 'broken.ts'),
      `import { createSessions } from 'cachet'\ncreateSessions({ keys: 42 })\n`,
    )
    const tsconfig = {
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'nodenext',
        strict: true,
        types: [],
        lib: ['ES2022', 'DOM'],
        noEmit: true,
      },
      files: ['broken.ts'],
    }
    writeFileSync(join(app, 'tsconfig.broken.json'), JSON.stringify(tsconfig))
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.broken.json'], {
      cwd: app,
      encoding: 'utf8',
    })
    expect(result.status).not.toBe(0)
    expect(result.stdout).toContain('TS2322')
  }, 120_000)
})

// Public types from every subpath an app typically touches.
const CONSUMER = `
import { createSessions, isSessionError, type RejectDetail, type RejectReason, type Session } from 'cachet'
import { getSession, withSession } from 'cachet/web'
import { createMemoryDenylist, type Denylist } from 'cachet/denylist'
import { jwtStrategy } from 'cachet/jwt'
import { getSession as getNextSession } from 'cachet/next'
import { createCsrf } from 'cachet/csrf'
import { sessionMiddleware } from 'cachet/express'
import { ironSessionReader } from 'cachet/iron'

type Data = { userId: string; role: 'admin' | 'user' }
const denylist: Denylist = createMemoryDenylist()
const log: [RejectReason, RejectDetail][] = []
export const sessions = createSessions<Data>({
  keys: { current: 'k1', keys: { k1: 'x'.repeat(43), k0: 'y'.repeat(43) } },
  denylist,
  onReject: (reason, detail) => log.push([reason, detail]),
  fallback: ironSessionReader({ password: 'p'.repeat(32), cookieName: 'old' }),
})
export const handler = withSession(sessions, async (_request, session: Session<Data>) => {
  if (session.state !== 'active') return new Response(null, { status: 401 })
  const role: 'admin' | 'user' = session.data.role
  return Response.json({ role })
})
export async function read(request: Request): Promise<string | undefined> {
  const session = await getSession(request, sessions, { onError: (e) => isSessionError(e) })
  return session.state === 'active' ? session.data.userId : undefined
}
export const jwt = jwtStrategy({ algorithm: 'HS256', keys: { current: 'a', keys: { a: 'z'.repeat(43) } }, issuer: 'https://i', audience: 'a' })
export { getNextSession, createCsrf, sessionMiddleware }
`
