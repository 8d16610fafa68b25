// `sessions.backend` says which AEAD backend the sealed strategy runs on this runtime, so that
// the runtime tests (and an app's health check) can tell native from portable.

import { describe, expect, test } from 'vitest'
import { createSessions, generateSecret } from '../../src/index.js'
import { jwtStrategy } from '../../src/jwt/index.js'

const keys = generateSecret()

describe('sessions.backend', () => {
  test("is 'native' by default on Node (node:crypto is found at run time)", () => {
    expect(createSessions({ keys }).backend).toBe('native')
    expect(createSessions({ keys, backend: 'auto' }).backend).toBe('native')
  })

  test('is the backend asked for', () => {
    expect(createSessions({ keys, backend: 'portable' }).backend).toBe('portable')
    expect(createSessions({ keys, backend: 'native' }).backend).toBe('native')
  })

  test('is undefined for a strategy that does not seal (JWT)', () => {
    const strategy = jwtStrategy({
      algorithm: 'HS256',
      keys: { current: 'j1', keys: { j1: generateSecret() } },
      issuer: 'https://issuer.example',
      audience: 'app',
    })
    expect(createSessions({ keys, strategy }).backend).toBeUndefined()
  })

  test('is read-only', () => {
    const sessions = createSessions({ keys, backend: 'portable' })
    expect(() => {
      ;(sessions as { backend: unknown }).backend = 'native'
    }).toThrow(TypeError)
    expect(sessions.backend).toBe('portable')
  })
})
