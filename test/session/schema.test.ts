// Standard Schema validation on save and on read.
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { SessionError } from '../../src/errors.js'
import { codeAsync as code } from '../helpers/error-code.js'
import { login, setup } from '../helpers/session.js'

describe('schema validation (Standard Schema, zod)', () => {
  const schema = z.object({ userId: z.string().min(1), name: z.string().optional() })

  test('valid data passes; invalid data on save throws ERR_SESSION_DATA', async () => {
    const { sessions } = setup({ schema })
    const { cookie } = await login(sessions)
    expect((await sessions.read(cookie)).state).toBe('active')
    const s = await sessions.read(null)
    expect(await code(() => s.save({ userId: '' }))).toBe('ERR_SESSION_DATA')
  })

  test('9.11: a schema failure on save carries the issues (paths, messages), never the values', async () => {
    const nested = z.object({
      userId: z.string().min(1),
      profile: z.object({ email: z.email(), age: z.number().int() }),
    })
    const { sessions } = setup({ schema: nested })
    const s = await sessions.read(null)
    const bad = { userId: 'u1', profile: { email: 'VALUE-not-an-email', age: 1.5 } }
    try {
      await s.save(bad)
    } catch (error) {
      expect(error).toBeInstanceOf(SessionError)
      const e = error as SessionError
      expect(e.code).toBe('ERR_SESSION_DATA')
      expect(e.issues?.map((i) => i.path)).toEqual([
        ['profile', 'email'],
        ['profile', 'age'],
      ])
      expect(e.issues?.every((i) => typeof i.message === 'string' && i.message.length > 0)).toBe(
        true,
      )
      expect(JSON.stringify(e.issues)).not.toContain('VALUE-not-an-email')
      expect(JSON.stringify(e.issues)).not.toContain('1.5')
      expect(e.message).not.toContain('VALUE')
      return
    }
    throw new Error('expected a throw')
  })

  test('data that fails the schema on read (e.g. after a deploy changed it) → invalid, reason schema', async () => {
    const loose = setup()
    const { cookie } = await login(loose.sessions, { userId: 'u1', name: 42 as never })
    const strict = setup({ schema })
    strict.clock.t = loose.clock.t
    const s = await strict.sessions.read(cookie)
    expect([s.state, s.reason]).toEqual(['invalid', 'schema'])
    expect(strict.rejects).toEqual(['schema'])
  })
})
