// cachet/denylist bundled for an edge runtime and run inside the edge-runtime VM.

import { EdgeRuntime } from 'edge-runtime'
import { describe, expect, test } from 'vitest'
import { bundleForEdge } from '../helpers/edge-bundle.js'
import { SECRET } from '../helpers/denylist-fixtures.js'

// --- Edge runtime ---

describe('in the edge-runtime VM (no Node globals)', () => {
  test('the memory denylist revokes, and the Redis denylist loads, hashes ids and fails closed', async () => {
    // cachet and cachet/denylist bundled into one script, as an edge platform receives them.
    const bundle = await bundleForEdge(
      `export * from './src/index.ts'\nexport * from './src/denylist/index.ts'`,
    )
    // No Redis package, no Node: cachet only names ioredis in its messages.
    // (`.Buffer` is read off the run-time lookup of node:buffer only; no global Buffer.)
    expect(bundle).not.toMatch(/["']ioredis["']|(?<![.\w$])Buffer\b|\brequire\s*\(/)
    const vm = new EdgeRuntime()
    vm.evaluate(bundle)
    const json = await vm.evaluate<Promise<string>>(`(async () => {
      const sessions = cachet.createSessions({
        keys: ${JSON.stringify(SECRET)},
        denylist: cachet.createMemoryDenylist(),
      })
      const login = await sessions.read(undefined)
      await login.save({ userId: 'a:b {c} é' })
      const cookie = login.writes.map((w) => w.name + '=' + w.value).join('; ')
      const before = (await sessions.read(cookie)).state
      await (await sessions.read(cookie)).destroy()
      const after = await sessions.read(cookie)
      // A Redis denylist over a client that has ended: constructed, ids hashed, call refused.
      const ended = {
        status: 'end', isCluster: false,
        mget() {}, set() {}, incr() {}, eval() {}, publish() {}, subscribe() {}, unsubscribe() {},
        connect() {}, disconnect() {}, duplicate() { return ended }, on() {}, off() {},
      }
      const redis = cachet.createRedisDenylist(ended, { timeoutMs: 50 })
      let code
      try {
        await redis.check({ sessionId: 's', userId: 'x'.repeat(1 << 20), userVersion: 0, epoch: 0 })
      } catch (error) {
        code = error.code
      }
      return JSON.stringify({ before, after: after.state + '/' + after.reason, code })
    })()`)
    expect(JSON.parse(json)).toEqual({
      before: 'active',
      after: 'revoked/session-revoked',
      code: 'ERR_DENYLIST_UNAVAILABLE',
    })
  })
})
