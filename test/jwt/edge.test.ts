// cachet/jwt bundled for an edge runtime and run inside the edge-runtime VM.

import { EdgeRuntime } from 'edge-runtime'
import { describe, expect, test } from 'vitest'
import { bundleForEdge } from '../helpers/edge-bundle.js'
import { SECRET } from '../helpers/jwt-fixtures.js'

// --- Edge runtime ---

describe('edge runtime', () => {
  test('bundled without Node built-ins, it signs, reads Bearer and verifies inside EdgeRuntime', async () => {
    const bundle = (contents: string, format: 'esm' | 'iife') =>
      bundleForEdge(contents, { format, platform: 'neutral' })
    const jwtOnly = await bundle(`export * from './src/jwt/index.ts'`, 'esm')
    // The only "node:" is the run-time lookup of the optional native base64url codec.
    for (const [ref] of jwtOnly.matchAll(/.{0,30}node:[a-z_/]+/g)) {
      expect(ref).toMatch(/getBuiltinModule\?\.\(["']node:buffer$/)
    }
    const code = await bundle(
      `export { createSessions } from './src/session/index.ts'; export * from './src/jwt/index.ts'`,
      'iife',
    )
    const runtime = new EdgeRuntime({ initialCode: code })
    const result: unknown = await runtime.evaluate(`(async () => {
      const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])
      const jwt = cachet.jwtStrategy({
        algorithm: 'EdDSA', keys: { current: 'k1', keys: { k1: pair } }, issuer: 'i', audience: 'a', bearer: true,
      })
      await jwt.ready
      const sessions = cachet.createSessions({ keys: ${JSON.stringify(SECRET)}, strategy: jwt })
      const session = await sessions.read(null)
      await session.save({ userId: 'u1' })
      const request = new Request('https://x/', { headers: { authorization: 'Bearer ' + session.token } })
      const read = await sessions.read(request)
      const verified = await cachet.verifySessionToken(session.token, {
        jwks: await cachet.exportJWKS(jwt), algorithms: ['EdDSA'], issuer: 'i', audience: 'a',
      })
      const forged = await sessions.read(new Request('https://x/', { headers: { authorization: 'Bearer a.b.c' } }))
      return JSON.stringify({ state: read.state, source: read.source, userId: read.userId, ok: verified.ok, forged: forged.reason })
    })()`)
    expect(JSON.parse(result as string)).toEqual({
      state: 'active',
      source: 'bearer',
      userId: 'u1',
      ok: true,
      forged: 'invalid',
    })
  })
})
