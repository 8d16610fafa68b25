#!/usr/bin/env node
/**
 * The `cachet` command: key material for the environment, printed to stdout and nothing else, so
 * that `SESSION_SECRET=$(npx cachet secret)` works. Guidance goes to stderr.
 *
 * Commands live in one table ({@link COMMANDS}): a new command is one entry with its usage, its
 * flags and a `run` function.
 *
 * @module
 */

import { runInspect } from './inspect-command.js'
import { generateSecret, MIN_SECRET_BYTES } from './keys.js'
import { toBase64url } from './_internal/bytes.js'

// Declared here rather than through @types/node, which would leak Node globals into the
// edge-safe modules compiled alongside (tsconfig "types": []).
declare const process: {
  argv: string[]
  env: Record<string, string | undefined>
  exitCode: number | undefined
  stdout: { write(text: string): void }
  stderr: { write(text: string): void }
  getBuiltinModule(id: 'node:fs'): { readFileSync(path: URL, encoding: 'utf8'): string }
}

// --- Arguments ---

/** Parsed flags: `--name value` for flags that take a value, `--name` → `true` otherwise. */
type Flags = Record<string, string | true>

/** A usage error: printed with the command's usage, exit code 2. */
class UsageError extends Error {}

function parseFlags(
  args: readonly string[],
  valued: readonly string[],
  boolean: readonly string[],
) {
  const flags: Flags = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s) : [undefined]
    if (name === undefined) throw new UsageError(`unexpected argument "${arg}"`)
    if (boolean.includes(name) && inline === undefined) flags[name] = true
    else if (valued.includes(name)) {
      const value = inline ?? args[++i]
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`)
      flags[name] = value
    } else {
      const known = [...valued, ...boolean]
      throw new UsageError(`unknown option --${name}${suggestion(name, known, '--')}`)
    }
  }
  return flags
}

/** Levenshtein distance, for "did you mean" on typos. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    }
    row = next
  }
  return row[b.length]!
}

function suggestion(input: string, names: readonly string[], prefix = ''): string {
  const best = names
    .map((name) => ({ name, d: distance(input, name) }))
    .filter(
      ({ name, d }) => d <= Math.max(1, Math.floor(name.length / 3)) || name.startsWith(input),
    )
    .sort((a, b) => a.d - b.d)[0]
  return best ? ` (did you mean "${prefix}${best.name}"?)` : ''
}

// --- Commands ---

interface Command {
  /** One line for `cachet --help`. */
  readonly summary: string
  /** Usage lines (after `cachet <name>`), for `cachet <name> --help`. */
  readonly usage: string
  /** Flags that take a value. */
  readonly valued?: readonly string[]
  /** Flags without a value. */
  readonly boolean?: readonly string[]
  /** Takes its arguments unparsed and answers `--help` itself (inspect: a positional cookie). */
  readonly ownArguments?: true
  /**
   * Runs with the parsed flags (or, with `ownArguments`, the raw arguments); output goes to
   * stdout, guidance to stderr. Returns the exit code, 0 if nothing.
   */
  run(flags: Flags, args: readonly string[]): void | number | Promise<void | number>
}

const MAX_SECRET_BYTES = 1024

function secretBytes(flags: Flags): number {
  const raw = flags.bytes
  if (raw === undefined) return 32
  const bytes = Number(raw)
  if (!/^\d+$/.test(String(raw)) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new UsageError(
      `--bytes must be a whole number from ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}`,
    )
  }
  return bytes
}

function freshSecret(bytes: number): string {
  return bytes === 32
    ? generateSecret()
    : toBase64url(crypto.getRandomValues(new Uint8Array(bytes)))
}

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/

/** Reads a previous secret or ring ("k1:<secret>,k0:<secret>") from an environment variable. */
function previousKeys(variable: string): [string, string][] {
  const value = process.env[variable]
  if (value === undefined || value === '') {
    throw new UsageError(`--from ${variable}: the environment variable ${variable} is not set`)
  }
  if (!value.includes(':')) return [['k0', value]] // a bare secret is the key ring's k0
  return value.split(',').map((entry) => {
    const at = entry.indexOf(':')
    const id = entry.slice(0, at).trim()
    if (at < 1 || !KEY_ID.test(id))
      throw new UsageError(`${variable} must look like "k1:<secret>,k0:<secret>"`)
    return [id, entry.slice(at + 1).trim()]
  })
}

function nextKeyId(taken: readonly string[]): string {
  for (let n = 1; ; n++) if (!taken.includes(`k${n}`)) return `k${n}`
}

function keysCommand(flags: Flags): void {
  const previous = typeof flags.from === 'string' ? previousKeys(flags.from) : []
  const taken = previous.map(([id]) => id)
  const id = typeof flags.id === 'string' ? flags.id : nextKeyId(taken)
  if (!KEY_ID.test(id)) throw new UsageError('--id must be 1-16 characters of [A-Za-z0-9_-]')
  if (taken.includes(id))
    throw new UsageError(`--id ${id}: ${flags.from as string} already has that id`)
  const entries: [string, string][] = [[id, freshSecret(secretBytes(flags))], ...previous]
  // With previous keys the new one is deployed verify-only first: current stays the old current.
  const current = previous[0]?.[0] ?? id
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ current, keys: Object.fromEntries(entries) })}\n`)
  } else {
    process.stdout.write(`SESSION_KEYS=${entries.map(([k, v]) => `${k}:${v}`).join(',')}\n`)
    process.stdout.write(`SESSION_CURRENT_KEY=${current}\n`)
  }
  if (previous.length > 0) {
    process.stderr.write(
      `cachet: "${id}" is verify-only; deploy this everywhere, then set current to "${id}" in a later deploy\n`,
    )
  }
}

const JWT_ALGORITHMS = ['EdDSA', 'ES256', 'RS256', 'HS256'] as const
const JWT_KID = /^[A-Za-z0-9._~-]{1,64}$/

async function jwkCommand(flags: Flags): Promise<void> {
  const alg = (flags.alg ?? 'EdDSA') as (typeof JWT_ALGORITHMS)[number]
  if (!JWT_ALGORITHMS.includes(alg))
    throw new UsageError(`--alg must be one of ${JWT_ALGORITHMS.join(', ')}`)
  const kid = typeof flags.kid === 'string' ? flags.kid : new Date().toISOString().slice(0, 7)
  if (!JWT_KID.test(kid)) throw new UsageError('--kid must be 1-64 characters of [A-Za-z0-9._~-]')
  // jose only here, so that the other commands start without loading it.
  const jose = await import('jose')
  const meta = { kid, alg, use: 'sig' }
  if (alg === 'HS256') {
    const secret = await jose.generateSecret('HS256', { extractable: true })
    const jwk = { ...(await jose.exportJWK(secret)), ...meta }
    process.stdout.write(
      flags.json === true
        ? `${JSON.stringify(jwk)}\n`
        : `JWT_SECRET_JWK='${JSON.stringify(jwk)}'\n`,
    )
    return
  }
  const pair = await jose.generateKeyPair(alg, { extractable: true })
  const privateJwk = { ...(await jose.exportJWK(pair.privateKey)), ...meta }
  const publicJwk = { ...(await jose.exportJWK(pair.publicKey)), ...meta }
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(privateJwk)}\n`)
    return
  }
  process.stdout.write(`JWT_PRIVATE_JWK='${JSON.stringify(privateJwk)}'\n`)
  process.stdout.write(`JWT_PUBLIC_JWK='${JSON.stringify(publicJwk)}'\n`)
}

/** Every command, by name. Add one here (and a test in test/cli.test.ts). */
const COMMANDS: Readonly<Record<string, Command>> = {
  secret: {
    summary: 'print a fresh secret for SESSION_SECRET (base64url, 256 bits)',
    usage: 'secret [--bytes N]      N random bytes, 32 to 1024 (default 32)',
    valued: ['bytes'],
    run: (flags) => {
      process.stdout.write(`${freshSecret(secretBytes(flags))}\n`)
    },
  },
  keys: {
    summary: 'print a key ring for SESSION_KEYS and SESSION_CURRENT_KEY',
    usage: [
      'keys [--id ID] [--bytes N] [--json]',
      '       cachet keys --from VAR   add a new verify-only key to the secret or ring in $VAR',
      '                                (a bare secret keeps id k0, so no session is lost)',
    ].join('\n'),
    valued: ['id', 'bytes', 'from'],
    boolean: ['json'],
    run: keysCommand,
  },
  jwk: {
    summary: 'print a JWT signing key as JWK (private and public) for cachet/jwt',
    usage:
      'jwk [--alg EdDSA|ES256|RS256|HS256] [--kid ID] [--json]   (--json: the private JWK only)',
    valued: ['alg', 'kid'],
    boolean: ['json'],
    run: jwkCommand,
  },
  inspect: {
    summary: 'describe a session cookie (keys from SESSION_KEYS or SESSION_SECRET)',
    usage: 'inspect <cookie> [options]   (cachet inspect --help lists the options)',
    ownArguments: true,
    run: async (_flags, args) => {
      const result = await runInspect(args, process.env)
      process.stdout.write(result.stdout)
      process.stderr.write(result.stderr)
      return result.code
    },
  },
}

// --- Main ---

function version(): string {
  const fs = process.getBuiltinModule('node:fs')
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length))
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return [
    'usage: cachet <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'options:',
    '  -h, --help     this help (or `cachet <command> --help`)',
    '  -v, --version  the version of cachet',
    '',
  ].join('\n')
}

/** A command's result as an exit code: a number it returned, else 0. */
function exitCodeOf(result: unknown): number {
  return typeof result === 'number' ? result : 0
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(help())
    return 0
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!command) {
    process.stderr.write(
      `cachet: unknown command "${name}"${suggestion(name, Object.keys(COMMANDS))}\n\n${help()}`,
    )
    return 2
  }
  if (command.ownArguments) return exitCodeOf(await command.run({}, rest))
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: cachet ${command.usage}\n`)
    return 0
  }
  try {
    const flags = parseFlags(rest, command.valued ?? [], command.boolean ?? [])
    return exitCodeOf(await command.run(flags, rest))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`cachet ${name}: ${error.message}\nusage: cachet ${command.usage}\n`)
    return 2
  }
}

process.exitCode = await main(process.argv.slice(2))
