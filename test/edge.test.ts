// Edge proof: cachet bundled into one script runs inside the `edge-runtime` VM (the EdgeVM that
// Next.js uses for edge code), a realm with Web APIs and no Node globals, and its cookies are
// interchangeable with those made by cachet on Node (portable backend there, native here).

import { EdgeRuntime } from 'edge-runtime'
import { beforeAll, describe, expect, test } from 'vitest'
import { createKeyRing, createSessions, generateSecret, seal, unseal } from '../src/index.js'
import { bundleForEdge } from './helpers/edge-bundle.js'

const SECRET = generateSecret()
const PURPOSE = 'edge-proof'
const DATA = {
  userId: 'u-7',
  role: 'admin',
  name: 'Zoë',
  tags: ['a', 'b'],
  n: 42,
  nested: { ok: true },
}

let bundle: string
let vm: EdgeRuntime

/** Evaluates an expression in the VM; values cross the realm boundary as JSON. */
async function inVm<T>(expression: string): Promise<T> {
  const json = await vm.evaluate<Promise<string>>(
    `(async () => JSON.stringify(await (async () => (${expression}))()))()`,
  )
  return JSON.parse(json) as T
}

beforeAll(async () => {
  // One IIFE script, as an edge platform gets it: every import resolved, nothing external.
  bundle = await bundleForEdge(`export * from './src/index.ts'\nexport * from './src/web.ts'`)
  vm = new EdgeRuntime()
  vm.evaluate(bundle)
  vm.evaluate(
    `globalThis.SECRET = ${JSON.stringify(SECRET)}; globalThis.PURPOSE = ${JSON.stringify(PURPOSE)}`,
  )
})

describe('the edge-runtime VM', () => {
  test('has no Node globals, and neither does the bundle reach for them', async () => {
    expect(
      await inVm(`({
        process: typeof process,
        globalProcess: typeof globalThis.process,
        Buffer: typeof Buffer,
        require: typeof require,
        module: typeof module,
        setImmediate: typeof setImmediate,
        EdgeRuntime: typeof EdgeRuntime,
      })`),
    ).toEqual({
      process: 'undefined',
      globalProcess: 'undefined',
      Buffer: 'undefined',
      require: 'undefined',
      module: 'undefined',
      setImmediate: 'undefined',
      EdgeRuntime: 'string',
    })
    // The only Node-ward references are the run-time lookups of node:crypto (native AEAD) and
    // node:buffer (native base64url) through process.getBuiltinModule, which find nothing here.
    // (`process(` is noble's hash method; `.Buffer` is read off the looked-up module only.)
    expect(bundle).not.toMatch(/\brequire\s*\(/)
    expect(bundle).not.toMatch(/(?<![.\w$])Buffer\b/)
    expect(bundle).not.toMatch(/\bfrom\s*["']node:|\bimport\s*\(\s*["']node:/)
    // cachet/web's default report of a late change is process?.emitWarning?.(), also optional.
    const lookups = [
      'process?.emitWarning?.(',
      'process?.getBuiltinModule?.("node:buffer")',
      'process?.getBuiltinModule?.("node:crypto")',
    ]
    const processRefs = [...bundle.matchAll(/\bprocess\b(?!\s*\()/g)].map((m) => {
      const ref = bundle.slice(m.index, m.index + 60)
      return lookups.find((lookup) => ref.startsWith(lookup)) ?? ref
    })
    expect([...processRefs].sort()).toEqual(lookups)
  })

  test('selects the portable backend: native is refused, auto works', async () => {
    expect(
      await inVm(`(() => {
        const keys = cachet.createKeyRing(SECRET)
        let nativeSeal, nativeSessions
        try { cachet.seal(1, { keys, purpose: PURPOSE, ttlSeconds: 60, backend: 'native' }) }
        catch (error) { nativeSeal = error.code }
        try { cachet.createSessions({ keys, backend: 'native' }) }
        catch (error) { nativeSessions = error.code }
        const token = cachet.seal(1, { keys, purpose: PURPOSE, ttlSeconds: 60 })
        const portable = cachet.unseal(token, { keys, purpose: PURPOSE, backend: 'portable' })
        return { nativeSeal, nativeSessions, portable }
      })()`),
    ).toEqual({
      nativeSeal: 'ERR_SESSION_OPTIONS',
      nativeSessions: 'ERR_SESSION_OPTIONS',
      portable: 1,
    })
    // Control: the same bundle in a VM that does offer process.getBuiltinModule finds node:crypto,
    // so its absence is what selects the portable backend.
    const withProcess = new EdgeRuntime({
      extend: (context) =>
        Object.assign(context, {
          process: { getBuiltinModule: (id: string) => process.getBuiltinModule(id) },
        }),
    })
    withProcess.evaluate(bundle)
    const nativeInVm = withProcess.evaluate<string>(`(() => {
      const keys = cachet.createKeyRing(${JSON.stringify(SECRET)})
      return cachet.seal(1, { keys, purpose: 'p', ttlSeconds: 60, backend: 'native' })
    })()`)
    const keys = createKeyRing(SECRET)
    expect(unseal(nativeInVm, { keys, purpose: 'p', backend: 'portable' })).toBe(1)
  })

  test('seals and unseals inside the VM, and refuses a tampered seal with ERR_SEAL_INVALID', async () => {
    const out = await inVm<{ back: unknown; tampered: string }>(`(() => {
      const keys = cachet.createKeyRing(SECRET)
      const token = cachet.seal(${JSON.stringify(DATA)}, { keys, purpose: PURPOSE, ttlSeconds: 60 })
      const back = cachet.unseal(token, { keys, purpose: PURPOSE })
      const flipped = token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2)
      let tampered
      try { cachet.unseal(flipped, { keys, purpose: PURPOSE }) } catch (error) { tampered = error.code }
      return { back, tampered }
    })()`)
    expect(out).toEqual({ back: DATA, tampered: 'ERR_SEAL_INVALID' })
  })

  test('a value sealed in the VM opens in Node (native and portable), and the reverse', async () => {
    const keys = createKeyRing(SECRET)
    const fromVm = await inVm<string>(
      `cachet.seal(${JSON.stringify(DATA)}, { keys: cachet.createKeyRing(SECRET), purpose: PURPOSE, ttlSeconds: 60 })`,
    )
    expect(unseal(fromVm, { keys, purpose: PURPOSE, backend: 'native' })).toEqual(DATA)
    expect(unseal(fromVm, { keys, purpose: PURPOSE, backend: 'portable' })).toEqual(DATA)

    const fromNode = seal(DATA, { keys, purpose: PURPOSE, ttlSeconds: 60, backend: 'native' })
    expect(
      await inVm(
        `cachet.unseal(${JSON.stringify(fromNode)}, { keys: cachet.createKeyRing(SECRET), purpose: PURPOSE })`,
      ),
    ).toEqual(DATA)
    // Another purpose never opens, in either realm.
    expect(
      await inVm(`(() => {
        try { cachet.unseal(${JSON.stringify(fromNode)}, { keys: cachet.createKeyRing(SECRET), purpose: 'other' }) }
        catch (error) { return error.code }
      })()`),
    ).toBe('ERR_SEAL_INVALID')
  })

  test('runs a full read → save request cycle with the VM’s Request and Response', async () => {
    const out = await inVm<{
      first: { state: string; setCookie: string | null; cacheControl: string | null }
      second: {
        state: string
        data: unknown
        id: string
        sameId: boolean
        setCookie: string | null
      }
    }>(`(async () => {
      const sessions = cachet.createSessions({ keys: SECRET })
      // A first request without a cookie: log in.
      const login = await cachet.getSession(new Request('https://example.test/login', { method: 'POST' }), sessions)
      const firstState = login.state
      await login.regenerate()
      await login.save(${JSON.stringify(DATA)})
      const r1 = cachet.applySession(Response.json({ ok: true }), login)
      const setCookie = r1.headers.get('set-cookie')
      // The next request carries the cookie; the handler saves again.
      const cookie = setCookie.split(';')[0]
      const handler = cachet.withSession(sessions, async (request, session) => {
        globalThis.seen = { state: session.state, data: session.data, id: session.id }
        await session.save({ ...session.data, n: 43 })
        return new Response('ok')
      })
      const r2 = await handler(new Request('https://example.test/', { headers: { cookie } }))
      return {
        first: { state: firstState, setCookie, cacheControl: r1.headers.get('cache-control') },
        second: { ...globalThis.seen, sameId: globalThis.seen.id === login.id, setCookie: r2.headers.get('set-cookie') },
      }
    })()`)
    expect(out.first.state).toBe('new')
    expect(out.first.setCookie).toMatch(/^__Host-session=c1\.k0\.[A-Za-z0-9_-]+; /)
    expect(out.first.cacheControl).toBe('private, no-store')
    expect(out.second).toMatchObject({ state: 'active', data: DATA, sameId: true })
    expect(out.second.setCookie).toMatch(/^__Host-session=c1\.k0\./)

    // Both cookies the VM issued open in Node, with the native backend.
    const sessions = createSessions<typeof DATA>({ keys: SECRET, backend: 'native' })
    const first = await sessions.read(out.first.setCookie!.split(';')[0])
    expect(first.state).toBe('active')
    expect(first.data).toEqual(DATA)
    const second = await sessions.read(out.second.setCookie!.split(';')[0])
    expect(second.state).toBe('active')
    expect(second.data).toEqual({ ...DATA, n: 43 })
    expect(second.id).toBe(out.second.id)
  })

  test('a session cookie issued by Node (native) is read and re-saved in the VM, and back', async () => {
    const sessions = createSessions<typeof DATA>({ keys: SECRET, backend: 'native' })
    const login = await sessions.read(null)
    await login.save(DATA)
    const cookie = `${login.writes[0]!.name}=${login.writes[0]!.value}`

    const out = await inVm<{
      state: string
      data: unknown
      id: string
      cookie: string
    }>(`(async () => {
      const sessions = cachet.createSessions({ keys: SECRET })
      const session = await sessions.read(new Request('https://example.test/', { headers: { cookie: ${JSON.stringify(`theme=dark; ${cookie}`)} } }))
      const seen = { state: session.state, data: session.data, id: session.id }
      await session.save({ ...session.data, role: 'user' })
      const write = session.writes[0]
      return { ...seen, cookie: write.name + '=' + write.value }
    })()`)
    expect(out).toMatchObject({ state: 'active', data: DATA, id: login.id })

    const back = await sessions.read(out.cookie)
    expect(back.state).toBe('active')
    expect(back.id).toBe(login.id)
    expect(back.data).toEqual({ ...DATA, role: 'user' })
  })

  test('rejects a foreign or tampered cookie in the VM as an anonymous session, never a throw', async () => {
    const other = createSessions({ keys: generateSecret(), backend: 'native' })
    const s = await other.read(null)
    await s.save({ userId: 'mallory' })
    const foreign = `${s.writes[0]!.name}=${s.writes[0]!.value}`
    const states = await inVm<string[]>(`(async () => {
      const sessions = cachet.createSessions({ keys: SECRET })
      const out = []
      for (const header of [${JSON.stringify(foreign)}, '__Host-session=c1.k0.AAAA', '__Host-session=%%%', 'garbage']) {
        const session = await sessions.read(header)
        out.push(session.state + ':' + session.reason)
      }
      return out
    })()`)
    expect(states).toEqual([
      'invalid:invalid',
      'invalid:invalid',
      'invalid:invalid',
      'new:undefined',
    ])
  })
})
