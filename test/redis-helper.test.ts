// The private-redis-server test helper fails at once, with the install hint, when redis-server is
// missing or dies on start, instead of retrying for minutes (issue 12, item 8).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { startRedis } from './helpers/redis-server.mjs'

const originalPath = process.env.PATH
const dirs: string[] = []

/** A PATH holding only a temp dir (with the given files), so no redis-server is found. */
function isolatedPath(files: Record<string, string> = {}): void {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-path-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text)
    chmodSync(join(dir, name), 0o755)
  }
  process.env.PATH = dir
}

afterEach(() => {
  process.env.PATH = originalPath
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('test helper startRedis()', () => {
  test('without redis-server on PATH: rejects with the install hint, no retries', async () => {
    isolatedPath()
    const error = await startRedis().then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(error).toBeInstanceOf(Error)
    expect(error!.message).toContain('apt-get install redis-server')
  })

  test('a redis-server that exits at once: rejects with its output, no retries', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'cachet-runs-')), 'runs')
    dirs.push(dirname(log))
    isolatedPath({
      'redis-server': `#!/bin/sh\necho run >> '${log}'\necho "FATAL: cannot start (test stand-in)" >&2\nexit 1\n`,
    })
    const error = await startRedis().then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(readFileSync(log, 'utf8')).toBe('run\n')
    expect(error).toBeInstanceOf(Error)
    expect(error!.message).toContain('cannot start (test stand-in)')
  })
})
