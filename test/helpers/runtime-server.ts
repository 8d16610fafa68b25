// Starts a Fetch module (`export default { fetch }`) on a real runtime, on a free port of
// 127.0.0.1, and stops it by PID. The runtimes come from npm packages installed with the project
// (`workerd`, `deno`, `bun` devDependencies; Node 22 from test/runtimes/node22), so nothing is
// downloaded at run time; a missing binary fails with the command that installs it.

import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export const RUNTIMES = ['node20', 'node22', 'deno', 'bun', 'workerd', 'workerd-no-compat'] as const
export type RuntimeName = (typeof RUNTIMES)[number]

/** Compatibility date of the Workers: from 2026-08-04 on, nodejs_compat is on by default. */
export const WORKERD_COMPAT_DATE = '2026-11-17'

const BINARIES: Record<RuntimeName, { path: string; install: string }> = {
  node20: { path: process.execPath, install: 'run the tests with Node 20 (nvm use 20)' },
  node22: {
    path: join(root, 'test/runtimes/node22/node_modules/.bin/node'),
    install: 'npm ci --prefix test/runtimes/node22 (npm test runs it when missing)',
  },
  deno: { path: join(root, 'node_modules/.bin/deno'), install: 'npm ci (devDependency deno)' },
  bun: { path: join(root, 'node_modules/.bin/bun'), install: 'npm ci (devDependency bun)' },
  workerd: {
    path: join(root, 'node_modules/.bin/workerd'),
    install: 'npm ci (devDependency workerd)',
  },
  'workerd-no-compat': {
    path: join(root, 'node_modules/.bin/workerd'),
    install: 'npm ci (devDependency workerd)',
  },
}

/** The runtime's binary; throws with an install hint when it is missing. */
export function runtimeBinary(name: RuntimeName): string {
  const { path, install } = BINARIES[name]
  try {
    accessSync(path, constants.X_OK)
  } catch {
    throw new Error(`${name}: no runtime binary at ${path}; install it with: ${install}`)
  }
  return path
}

export interface RuntimeServer {
  readonly name: RuntimeName
  readonly url: string
  readonly pid: number
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const ENTRIES = {
  node: (module: string) =>
    `import { serve } from '@hono/node-server'\nimport app from './${module}'\n` +
    `serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, ({ port }) => console.log('listening ' + port))\n`,
  deno: (module: string) =>
    `import app from './${module}'\n` +
    `Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log('listening ' + port) }, app.fetch)\n`,
  bun: (module: string) =>
    `import app from './${module}'\n` +
    `const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch })\nconsole.log('listening ' + server.port)\n`,
}

// workerd: one Worker, one socket; the address is overridden on the command line.
function workerdConfig(
  module: string,
  flags: readonly string[],
  env: Readonly<Record<string, string>>,
): string {
  const bindings = Object.entries(env).map(
    ([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`,
  )
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "${module}", esModule = embed "${module}") ],
  compatibilityDate = "${WORKERD_COMPAT_DATE}",
  compatibilityFlags = [${flags.map((f) => JSON.stringify(f)).join(', ')}],
  bindings = [${bindings.join(', ')}],
);
`
}

/** What to run: `module` (in `dir`) default-exports `{ fetch }`, unless `selfServing`. */
export interface RuntimeApp {
  readonly dir: string
  readonly module: string
  /** Environment: process variables, or text bindings of the Worker on workerd. */
  readonly env?: Readonly<Record<string, string>>
  /** Node only: `module` starts its own server and prints `listening on http://host:port`. */
  readonly selfServing?: boolean
}

async function command(
  name: RuntimeName,
  app: RuntimeApp,
): Promise<{ args: string[]; port?: number }> {
  const write = (file: string, text: string) => writeFileSync(join(app.dir, file), text)
  switch (name) {
    case 'node20':
    case 'node22':
      if (app.selfServing) return { args: [app.module] }
      write('serve-node.mjs', ENTRIES.node(app.module))
      return { args: ['serve-node.mjs'] }
    case 'deno':
      write('serve-deno.mjs', ENTRIES.deno(app.module))
      // Local files only: no remote modules, no npm, no config lookup.
      return {
        args: [
          'run',
          '--no-remote',
          '--no-npm',
          '--no-config',
          '--allow-net=127.0.0.1',
          'serve-deno.mjs',
        ],
      }
    case 'bun':
      write('serve-bun.mjs', ENTRIES.bun(app.module))
      return { args: ['--no-install', 'serve-bun.mjs'] }
    case 'workerd':
    case 'workerd-no-compat': {
      // No flag: the compatibility date alone turns nodejs_compat on. Turning it off takes both.
      const flags = name === 'workerd' ? [] : ['no_nodejs_compat', 'no_nodejs_compat_v2']
      write(`${name}.capnp`, workerdConfig(app.module, flags, app.env ?? {}))
      const port = await freePort()
      return { args: ['serve', `${name}.capnp`, '--socket-addr', `http=127.0.0.1:${port}`], port }
    }
  }
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`runtime exited (${child.exitCode}): ${output()}`)
    try {
      await fetch(url)
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error(`runtime did not answer at ${url}: ${output()}`)
}

/**
 * Runs `app` on `name` on a free port of 127.0.0.1; resolves once it answers HTTP.
 */
export async function startRuntime(name: RuntimeName, app: RuntimeApp): Promise<RuntimeServer> {
  const binary = runtimeBinary(name)
  const { args, port: fixedPort } = await command(name, app)
  const child = spawn(binary, args, {
    cwd: app.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...app.env,
      DENO_NO_UPDATE_CHECK: '1',
      DENO_DIR: join(app.dir, '.deno'),
    },
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM')
    const timer = setTimeout(
      () => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'),
      3000,
    )
    await exited
    clearTimeout(timer)
  }
  try {
    let port = fixedPort
    const deadline = Date.now() + 20_000
    while (port === undefined) {
      const match = /listening (?:on \S+:)?(\d+)/.exec(output)
      if (match) port = Number(match[1])
      else if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`)
      else if (Date.now() > deadline) throw new Error(`${name} did not start: ${output}`)
      else await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const url = `http://127.0.0.1:${port}`
    await waitForHttp(url, child, () => output)
    return { name, url, pid: child.pid!, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
