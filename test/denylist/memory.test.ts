// The memory denylist: the contract, and sessions revoked across two managers sharing it.

import { describe, expect, test } from 'vitest'
import { createMemoryDenylist } from '../../src/denylist/index.js'
import { denylistContract, deviceIndexContract } from '../helpers/denylist-contract.js'

// --- Memory ---

describe('memory denylist', () => {
  denylistContract('memory', () => createMemoryDenylist())
  deviceIndexContract('memory', () => createMemoryDenylist())

  test('expires revocations and exceptions by its clock', async () => {
    let now = 1_000_000
    const d = createMemoryDenylist({ now: () => now })
    const { generation } = await d.current(undefined)
    const stamped = { userVersion: 0, epoch: 0, generation }
    await d.revokeSession('s1', 10)
    await d.revokeUser('alice', { exceptSessionId: 'kept', ttlSeconds: 20 })
    now += 9_999
    expect(await d.check({ sessionId: 's1', ...stamped })).toBe('session-revoked')
    now += 1
    expect(await d.check({ sessionId: 's1', ...stamped })).toBe('ok')
    expect(await d.check({ sessionId: 'kept', userId: 'alice', ...stamped })).toBe('ok')
    now += 10_000
    expect(await d.check({ sessionId: 'kept', userId: 'alice', ...stamped })).toBe('user-revoked')
  })

  test('refuses a clock that is not a function', () => {
    expect(() => createMemoryDenylist({ now: 5 as unknown as () => number })).toThrow(
      expect.objectContaining({ code: 'ERR_DENYLIST_OPTIONS' }),
    )
  })
})
