import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { createSessions } from '../src/session/index.js'

interface SessionVector {
  keys: { current: string; keys: Record<string, string> }
  maxAgeSeconds: number
  idleTimeoutSeconds: number
  sealedAtMs: number
  cookie: string
  expected: { id: string; createdAtMs: number; expiresAtMs: number; userId: string; data: unknown }
}
const vector = JSON.parse(
  readFileSync(new URL('./vectors/session-c1.json', import.meta.url), 'utf8'),
) as SessionVector

describe.each(['native', 'portable'] as const)(
  'frozen session cookie (c1), %s backend',
  (backend) => {
    const at = (nowMs: number) =>
      createSessions({
        keys: vector.keys,
        maxAgeSeconds: vector.maxAgeSeconds,
        idleTimeoutSeconds: vector.idleTimeoutSeconds,
        backend,
        now: () => nowMs,
      })

    test('opens with its id, lifetimes, user and data', async () => {
      const s = await at(vector.sealedAtMs + 1000).read(vector.cookie)
      expect(s.state).toBe('active')
      expect(s.id).toBe(vector.expected.id)
      expect(s.createdAtMs).toBe(vector.expected.createdAtMs)
      expect(s.expiresAtMs).toBe(vector.expected.expiresAtMs)
      expect(s.userId).toBe(vector.expected.userId)
      expect(s.data).toEqual(vector.expected.data)
    })

    test('its idle timeout and absolute expiry still apply', async () => {
      const idle = await at(vector.sealedAtMs + vector.idleTimeoutSeconds * 1000).read(
        vector.cookie,
      )
      expect([idle.state, idle.reason]).toEqual(['expired', 'idle-timeout'])
    })
  },
)
