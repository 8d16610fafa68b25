// The built CLI (dist/cli.js, built by `npm test`'s pretest step) run as a child process.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { importJWK, jwtVerify } from 'jose'
import { describe, expect, test } from 'vitest'
import { createKeyRing, type KeyRingOptions } from '../src/keys.js'
import { jwtStrategy } from '../src/jwt/index.js'
import { createSessions } from '../src/session/index.js'
import { fromBase64url } from '../src/_internal/bytes.js'

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }

function cachet(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** `NAME=value` lines (optionally single-quoted values) → record. */
function envLines(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.trim().split('\n')) {
    const at = line.indexOf('=')
    out[line.slice(0, at)] = line.slice(at + 1).replace(/^'(.*)'$/s, '$1')
  }
  return out
}

function ringFromEnv(env: Record<string, string>): KeyRingOptions {
  const keys = Object.fromEntries(
    env.SESSION_KEYS!.split(',').map((entry) => {
      const at = entry.indexOf(':')
      return [entry.slice(0, at), entry.slice(at + 1)]
    }),
  )
  return { current: env.SESSION_CURRENT_KEY!, keys }
}

async function cookieOf(keys: string | KeyRingOptions, cookie?: string) {
  const sessions = createSessions<{ userId: string }>({ keys })
  const session = await sessions.read(cookie)
  if (cookie === undefined) await session.save({ userId: 'u1' })
  return { session, cookie: session.writes[0]?.header.split(';')[0] }
}

describe('cachet CLI: help, version, typos', () => {
  test.each([[[]], [['--help']], [['-h']], [['help']]])('%j: help on stdout, exit 0', (args) => {
    const run = cachet(args)
    expect(run.status).toBe(0)
    for (const command of ['secret', 'keys', 'jwk', 'inspect'])
      expect(run.stdout).toContain(command)
    expect(run.stderr).toBe('')
  })

  test('--version and -v print the package version', () => {
    expect(cachet(['--version'])).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' })
    expect(cachet(['-v']).stdout).toBe(`${pkg.version}\n`)
  })

  test('a typo: unknown command with a suggestion, exit 2, nothing on stdout', () => {
    const run = cachet(['secrte'])
    expect(run.status).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('unknown command "secrte"')
    expect(run.stderr).toContain('did you mean "secret"')
  })

  test('an unknown option: exit 2 with a suggestion', () => {
    const run = cachet(['secret', '--byte', '40'])
    expect(run.status).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('did you mean "--bytes"')
  })

  test('<command> --help prints its usage, exit 0', () => {
    const run = cachet(['keys', '--help'])
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('--from')
  })

  test('inspect parses its own arguments: --help gives its options, a missing cookie exit 2', () => {
    const help = cachet(['inspect', '--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('--denylist')
    const missing = cachet(['inspect'], { SESSION_SECRET: '' })
    expect(missing.status).toBe(2)
    expect(missing.stdout).toBe('')
    expect(cachet(['inspec']).stderr).toContain('did you mean "inspect"')
  })
})

describe('cachet secret', () => {
  test('prints a fresh 256-bit secret that createSessions accepts', () => {
    const first = cachet(['secret'])
    expect(first.status).toBe(0)
    const out = first.stdout.trim()
    expect(out).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(() => createSessions({ keys: out })).not.toThrow()
    expect(cachet(['secret']).stdout.trim()).not.toBe(out)
  })

  test.each([32, 48, 64, 1024])('--bytes %i is honoured', (bytes) => {
    const run = cachet(['secret', '--bytes', String(bytes)])
    expect(run.status).toBe(0)
    expect(fromBase64url(run.stdout.trim())?.length).toBe(bytes)
    expect(cachet([`secret`, `--bytes=${bytes}`]).status).toBe(0)
  })

  test.each(['16', '31', '1025', 'abc', '40.5', '-32', ''])(
    '--bytes %j is refused, exit 2',
    (n) => {
      const run = cachet(['secret', '--bytes', n])
      expect(run.status).toBe(2)
      expect(run.stdout).toBe('')
    },
  )
})

describe('cachet keys', () => {
  test('a ring for SESSION_KEYS and SESSION_CURRENT_KEY that createSessions accepts', () => {
    const run = cachet(['keys'])
    expect(run.status).toBe(0)
    const ring = ringFromEnv(envLines(run.stdout))
    expect(ring.current).toBe('k1')
    expect(createKeyRing(ring).ids).toEqual(['k1'])
  })

  test('--json and --id', () => {
    const run = cachet(['keys', '--json', '--id', 'prod-2026'])
    const ring = JSON.parse(run.stdout) as KeyRingOptions
    expect(createKeyRing(ring).ids).toEqual(['prod-2026'])
    expect(cachet(['keys', '--id', 'bad.id']).status).toBe(2)
  })

  test('--from SESSION_SECRET keeps the old secret as k0: no session is lost, then or after promotion', async () => {
    const secret = cachet(['secret']).stdout.trim()
    const before = await cookieOf(secret)
    const run = cachet(['keys', '--from', 'SESSION_SECRET'], { SESSION_SECRET: secret })
    expect(run.status).toBe(0)
    const staged = ringFromEnv(envLines(run.stdout))
    expect(staged.current).toBe('k0') // the new key k1 is verify-only at first
    expect(staged.keys.k0).toBe(secret)
    expect((await cookieOf(staged, before.cookie)).session.state).toBe('active')
    const promoted = { ...staged, current: 'k1' }
    const after = await cookieOf(promoted, before.cookie)
    expect(after.session.state).toBe('active')
    expect(after.cookie).toMatch(/^__Host-session=c1\.k1\./) // re-sealed under the new key
  })

  test('--from an unset variable is refused, exit 2', () => {
    expect(cachet(['keys', '--from', 'NOPE_NOT_SET']).status).toBe(2)
  })
})

describe('cachet jwk', () => {
  test.each(['EdDSA', 'ES256', 'RS256'] as const)(
    '%s: a key pair jwtStrategy accepts',
    async (alg) => {
      const run = cachet(['jwk', '--alg', alg, '--kid', 'key-1'])
      expect(run.status).toBe(0)
      const env = envLines(run.stdout)
      const privateJwk = JSON.parse(env.JWT_PRIVATE_JWK!)
      const publicJwk = JSON.parse(env.JWT_PUBLIC_JWK!)
      expect(publicJwk.d).toBeUndefined()
      const sign = jwtStrategy({
        algorithm: alg,
        keys: { current: 'key-1', keys: { 'key-1': privateJwk } },
        issuer: 'https://i',
        audience: 'a',
      })
      await sign.ready
      const sessions = createSessions<{ userId: string }>({
        keys: cachet(['secret']).stdout.trim(),
        strategy: sign,
      })
      const session = await sessions.read(undefined)
      await session.save({ userId: 'u1' })
      const cookie = session.writes[0]!.header.split(';')[0]!
      expect((await sessions.read(cookie)).state).toBe('active')
      // The public JWK verifies what the private one signed.
      const verified = await jwtVerify(session.token!, await importJWK(publicJwk, alg))
      expect(verified.protectedHeader.kid).toBe('key-1')
    },
  )

  test('HS256 --json: an oct JWK', () => {
    const run = cachet(['jwk', '--alg', 'HS256', '--json'])
    const jwk = JSON.parse(run.stdout)
    expect(() =>
      jwtStrategy({
        algorithm: 'HS256',
        keys: { current: jwk.kid, keys: { [jwk.kid]: jwk } },
        issuer: 'https://i',
        audience: 'a',
      }),
    ).not.toThrow()
  })

  test('--alg none is refused, exit 2', () => {
    expect(cachet(['jwk', '--alg', 'none']).status).toBe(2)
  })
})
