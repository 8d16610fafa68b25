// Fuzz (issue 9, "Also"): mutated tokens and cookies through `unseal` and the Fetch adapter.
// Nothing but an original authenticates, and nothing throws.
//
// A short run is part of `npm test`; `npm run fuzz -- --runs 100000` runs long (scripts/fuzz.mjs
// sets FUZZ_RUNS). A failure prints fast-check's seed and path, to replay it with
// `fc.assert(..., { seed, path })`.

import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { isSessionError } from '../src/errors.js'
import { createKeyRing, generateSecret } from '../src/keys.js'
import { seal, unseal } from '../src/seal.js'
import { createSessions, type Session } from '../src/session/index.js'
import { withSession } from '../src/web.js'
import {
  cookiePieces,
  mutateToken,
  tokenMutation,
  type CookieOriginal,
  type CookiePiece,
} from './fuzz/mutations.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 300)
const NOW = 1_800_000_000_000
const [SECRET_1, SECRET_2, OTHER_APP] = [generateSecret(), generateSecret(), generateSecret()]
// One app's ring with two keys (k1 seals, k2 still opens), and another app reusing the kid "k1".
const ring = createKeyRing({ current: 'k1', keys: { k1: SECRET_1, k2: SECRET_2 } })
const ringK2 = createKeyRing({ current: 'k2', keys: { k1: SECRET_1, k2: SECRET_2 } })
const otherApp = createKeyRing({ current: 'k1', keys: { k1: OTHER_APP } })
const KIDS = ['k1', 'k2', 'k3', 'k10']
const NAME = '__Host-session'

describe('fuzz: unseal', () => {
  const purpose = 'fuzz'
  const options = { keys: ring, purpose, now: () => NOW }
  const datas = [{ userId: 'alice', role: 'admin' }, { userId: 'bob' }, { n: [1, 2, 3] }, 'x']
  const originals = [
    ...datas.map((d) => seal(d, { ...options, ttlSeconds: 3600 })),
    ...datas.map((d) => seal(d, { keys: ringK2, purpose, now: () => NOW, ttlSeconds: 3600 })),
    seal(datas[0], { keys: otherApp, purpose, now: () => NOW, ttlSeconds: 3600 }),
    seal(datas[0], { ...options, purpose: 'other', ttlSeconds: 3600 }),
  ]
  const opens = new Set(originals.slice(0, 2 * datas.length))

  test('the originals open (so the property below is not vacuous)', () => {
    for (const token of opens) expect(() => unseal(token, options)).not.toThrow()
  })

  test('a mutated token never opens, and fails only with a SessionError code', () => {
    fc.assert(
      fc.property(tokenMutation, (m) => {
        const token = mutateToken(m, originals, KIDS)
        fc.pre(!opens.has(token))
        let thrown: unknown
        try {
          unseal(token, options)
        } catch (error) {
          thrown = error
        }
        expect(thrown).toBeDefined()
        expect(isSessionError(thrown)).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })
})

describe('fuzz: Fetch adapter (withSession)', async () => {
  const sessions = createSessions<Record<string, unknown>>({ keys: ring, now: () => NOW })
  const sessionsK2 = createSessions<Record<string, unknown>>({ keys: ringK2, now: () => NOW })
  const foreign = createSessions<Record<string, unknown>>({ keys: otherApp, now: () => NOW })
  const blob = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(5000)), (b) => (b % 36).toString(36)).join('')
  const login = async (manager: typeof sessions, data: Record<string, unknown>) => {
    const session = await manager.read(null)
    await session.save(data)
    const pairs = session.writes.map((w) => [w.name, w.value] as const)
    return { id: session.id, pairs, token: session.token! }
  }
  const made = [
    await login(sessions, { userId: 'alice' }),
    await login(sessions, { userId: 'bob', blob: blob() }),
    await login(sessions, { userId: 'carol', blob: blob() }),
    await login(sessionsK2, { userId: 'dave' }),
    await login(foreign, { userId: 'mallory' }),
  ]
  const originals: CookieOriginal[] = made.slice(0, 4) // made[4] is another app's
  const tokens = made.map((o) => o.token)
  const handler = withSession(sessions, (_request, session) => {
    seen.push(session)
    return new Response('ok')
  })
  const seen: Session<Record<string, unknown>>[] = []
  const outcomes = new Set<string>()

  function headerOf(pieces: readonly CookiePiece[]): string {
    return pieces
      .map((piece) => {
        const source = made[piece.source % made.length]!
        const [name, value] = source.pairs[piece.part % source.pairs.length]!
        const target = piece.keepIndex ? name : piece.index < 0 ? NAME : `${NAME}.${piece.index}`
        return `${target}=${piece.mutate ? mutateToken(piece.mutate, tokens, ['k1', 'k2', 'k3']) : value}`
      })
      .join('; ')
  }

  // The oracle parses the header as RFC 6265bis §5.7 does, independently of src/cookie.ts: an
  // original is present when its whole token is the plain cookie's value or the concatenation of
  // values sent for chunks 0, 1, … (in whatever order the pairs came).
  function presentOriginals(header: string): Set<string> {
    const byName = new Map<string, Set<string>>()
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=')
      if (eq < 0) continue
      const name = pair.slice(0, eq).trim()
      byName.set(name, (byName.get(name) ?? new Set()).add(pair.slice(eq + 1).trim()))
    }
    const spells = (token: string, prefix: string, index: number): boolean =>
      prefix === token ||
      [...(byName.get(`${NAME}.${index}`) ?? [])].some(
        (v) => v !== '' && token.startsWith(prefix + v) && spells(token, prefix + v, index + 1),
      )
    return new Set(
      made.filter((o) => byName.get(NAME)?.has(o.token) || spells(o.token, '', 0)).map((o) => o.id),
    )
  }

  test('each original authenticates alone (so the property below is not vacuous)', async () => {
    for (const o of originals) {
      const header = o.pairs.map(([n, v]) => `${n}=${v}`).join('; ')
      await handler(new Request('https://app.example/', { headers: { cookie: header } }))
      expect([seen.at(-1)?.state, seen.at(-1)?.id]).toEqual(['active', o.id])
    }
  })

  test('reordered, duplicated, foreign and mutated cookies: only a complete original authenticates', async () => {
    await fc.assert(
      fc.asyncProperty(cookiePieces, async (pieces) => {
        const header = headerOf(pieces)
        let request: Request
        try {
          request = new Request('https://app.example/', { headers: { cookie: header } })
        } catch {
          fc.pre(false) // a header value fetch itself refuses (CR, LF, NUL): not our input
          return
        }
        const response = await handler(request)
        expect(response.status).toBe(200)
        const session = seen.at(-1)!
        outcomes.add(session.state === 'active' ? 'active' : (session.reason ?? session.state))
        if (session.state === 'active') {
          expect(presentOriginals(header).has(session.id)).toBe(true)
        } else {
          // Rejected with a reason, or nothing of ours was sent (e.g. only a chunk above the cap).
          expect(session.state === 'new' || session.reason !== undefined).toBe(true)
        }
      }),
      { numRuns: RUNS },
    )
    // The generator reaches the interesting outcomes, so the property is not vacuous.
    for (const outcome of ['active', 'ambiguous', 'invalid']) expect(outcomes).toContain(outcome)
  })
})
