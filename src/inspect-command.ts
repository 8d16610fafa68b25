/**
 * The `cachet inspect <cookie>` command: arguments, keys from the environment, the optional Redis
 * connection for `--denylist`, and the printed report. The CLI (`cli.ts`) calls
 * {@link runInspect}; tests call it directly.
 *
 * @module
 */

import { createRedisDenylist, type RedisDenylistClient } from './denylist/index.js'
import { isSessionError } from './errors.js'
import { formatInspection, inspectCookie, type InspectOptions } from './inspect.js'
import type { KeyRingOptions } from './keys.js'

/** What the command printed and its exit code. */
export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const INSPECT_USAGE = `usage: cachet inspect <cookie> [options]

  <cookie>               a Cookie header ("__Host-session=c1.…", chunks included) or a bare value
  --name <cookie-name>   the session cookie's name (default __Host-session)
  --max-age <seconds>    the app's maxAgeSeconds (default 604800)
  --idle <seconds>       the app's idleTimeoutSeconds
  --denylist <redis-url> run the revocation check against this Redis (needs ioredis)
  --prefix <prefix>      the denylist's key prefix (default cachet:)
  --data                 also print the session data
  --json                 print JSON instead of lines

Keys come from the environment: SESSION_KEYS="k2:<secret>,k1:<secret>" (with
SESSION_CURRENT_KEY) or SESSION_SECRET. No key is ever printed.
`

const VALUED = ['name', 'max-age', 'idle', 'denylist', 'prefix'] as const
const BOOLEAN = ['data', 'json'] as const

class UsageError extends Error {}

interface Parsed {
  readonly cookie: string
  readonly flags: Partial<Record<(typeof VALUED)[number], string>> &
    Partial<Record<(typeof BOOLEAN)[number], true>>
}

function parseArgs(args: readonly string[]): Parsed {
  let cookie: string | undefined
  const flags: Record<string, string | true> = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith('--')) {
      if (cookie !== undefined) throw new UsageError('give one cookie')
      cookie = arg
      continue
    }
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s)
    if ((BOOLEAN as readonly string[]).includes(name) && inline === undefined) flags[name] = true
    else if ((VALUED as readonly string[]).includes(name)) {
      const value = inline ?? args[++i]
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`)
      flags[name] = value
    } else throw new UsageError(`unknown option --${name}`)
  }
  if (cookie === undefined || cookie.trim() === '') throw new UsageError('give a cookie to inspect')
  return { cookie, flags: flags }
}

function seconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9][0-9]{0,9}$/.test(value)) throw new UsageError(`--${name} must be whole seconds`)
  return Number(value)
}

/** The keys, as the example app reads them: SESSION_KEYS (+ SESSION_CURRENT_KEY) or SESSION_SECRET. */
export function keysFromEnv(env: Record<string, string | undefined>): string | KeyRingOptions {
  const ring = env.SESSION_KEYS
  if (ring) {
    const keys: Record<string, string> = {}
    for (const entry of ring.split(',')) {
      const at = entry.indexOf(':')
      if (at < 1) throw new UsageError('SESSION_KEYS must look like "k2:<secret>,k1:<secret>"')
      keys[entry.slice(0, at).trim()] = entry.slice(at + 1).trim()
    }
    return { current: env.SESSION_CURRENT_KEY ?? Object.keys(keys)[0]!, keys }
  }
  if (env.SESSION_SECRET) return env.SESSION_SECRET
  throw new UsageError('set SESSION_KEYS or SESSION_SECRET to the keys of the app')
}

// ioredis is an optional peer dependency: loaded only for --denylist, by a specifier the
// compiler does not follow (its declarations would bring Node's types into every module).
interface RedisModule {
  Redis: new (url: string, options: Record<string, unknown>) => RedisDenylistClient
}

async function withDenylist<R>(
  url: string | undefined,
  prefix: string | undefined,
  use: (denylist: InspectOptions['denylist']) => Promise<R>,
): Promise<R> {
  if (url === undefined) return use(undefined)
  const specifier = 'ioredis'
  let mod: RedisModule
  try {
    mod = (await import(specifier)) as RedisModule
  } catch {
    throw new UsageError('--denylist needs the ioredis package (npm install ioredis)')
  }
  const client = new mod.Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  const denylist = createRedisDenylist(client, {
    timeoutMs: 2000,
    ...(prefix !== undefined ? { prefix } : {}),
  })
  try {
    return await use(denylist)
  } finally {
    await denylist.close()
    client.disconnect()
  }
}

/**
 * Runs `cachet inspect` with the arguments after `inspect`.
 * @returns Exit code 0 with the report, 2 for a usage error, 1 when the keys or options are invalid.
 */
export async function runInspect(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<CommandResult> {
  if (args.includes('--help') || args.includes('-h'))
    return { code: 0, stdout: INSPECT_USAGE, stderr: '' }
  try {
    const { cookie, flags } = parseArgs(args)
    const maxAgeSeconds = seconds('max-age', flags['max-age'])
    const idleTimeoutSeconds = seconds('idle', flags.idle)
    const keys = keysFromEnv(env)
    const report = await withDenylist(flags.denylist, flags.prefix, (denylist) =>
      inspectCookie(cookie, {
        keys,
        ...(flags.name !== undefined ? { cookieName: flags.name } : {}),
        ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
        ...(idleTimeoutSeconds !== undefined ? { idleTimeoutSeconds } : {}),
        ...(denylist !== undefined ? { denylist } : {}),
        includeData: flags.data === true,
      }),
    )
    const stdout =
      flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatInspection(report)
    return { code: 0, stdout, stderr: '' }
  } catch (error) {
    if (error instanceof UsageError)
      return { code: 2, stdout: '', stderr: `cachet inspect: ${error.message}\n\n${INSPECT_USAGE}` }
    // SessionError messages name the option, never a key or a cookie value.
    if (isSessionError(error))
      return { code: 1, stdout: '', stderr: `cachet inspect: ${error.code}: ${error.message}\n` }
    throw error
  }
}
