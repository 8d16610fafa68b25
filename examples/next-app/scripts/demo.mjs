// `npm run demo` at the repository root: install (only if node_modules is missing), build cachet,
// link it into the example, make a development secret if none is configured, then
// `next build` and `next start` on http://localhost:3000 (PORT to change it). No Redis needed:
// set REDIS_URL to use one.
import { spawn, spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { appDir, linkCachet, nextBin, rootDir } from './prepare.mjs'

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }
const port = process.env.PORT ?? '3000'

// A busy port would only show after minutes of building: check it first.
const busy = await new Promise((resolve) => {
  const probe = createServer()
  probe.once('error', (error) => resolve(error.code === 'EADDRINUSE' || error.code === 'EACCES'))
  probe.listen(Number(port), () => probe.close(() => resolve(false)))
})
if (busy) {
  console.error(
    `cachet demo: port ${port} is in use (or not allowed). Choose another one, for example:\n` +
      `  PORT=${Number(port) + 1} npm run demo`,
  )
  process.exit(1)
}

function run(command, args, cwd) {
  console.log(
    `\n> ${[path.basename(command), ...args].join(' ')}   (in ${path.relative(rootDir, cwd) || '.'})`,
  )
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
if (!existsSync(path.join(rootDir, 'node_modules/next/package.json'))) {
  run(npm, ['ci', '--no-audit', '--no-fund'], rootDir)
}
run(npm, ['run', 'build'], rootDir)
linkCachet()

// A development secret, kept in the example's .env.local (git-ignored) so that it is the same for
// `next build` and `next start`, for the Node and the edge bundles, and across restarts.
const envFile = path.join(appDir, '.env.local')
const configured = (text) => /^\s*SESSION_(SECRET|KEYS)\s*=\s*\S/m.test(text)
if (
  !configured(
    Object.entries(process.env)
      .map(([k, v]) => `${k}=${v ?? ''}`)
      .join('\n'),
  ) &&
  !(existsSync(envFile) && configured(readFileSync(envFile, 'utf8')))
) {
  const { generateSecret } = await import(path.join(rootDir, 'dist/index.js'))
  appendFileSync(
    envFile,
    `# Development only, written by npm run demo. Never reuse it in production.\nSESSION_SECRET=${generateSecret()}\n`,
  )
  console.warn(
    `\n\x1b[33mwarning: no SESSION_SECRET or SESSION_KEYS set: generated a development secret in ` +
      `${path.relative(rootDir, envFile)}.\nIn production, set SESSION_SECRET to the output of ` +
      '`npx cachet secret`.\x1b[0m',
  )
}

run(process.execPath, [nextBin, 'build'], appDir)
console.log(
  `\ncachet demo: http://localhost:${port}  (sign in with any user name, password "cachet")\n`,
)
const server = spawn(process.execPath, [nextBin, 'start', '--port', port], {
  cwd: appDir,
  env,
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal))
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
