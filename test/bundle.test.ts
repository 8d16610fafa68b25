// Bundle checks: every subpath an edge runtime loads bundles for a platform without Node
// ('browser' and 'neutral'), with no Node import, no require(), no Next.js and no Redis client,
// within a size budget (minified + gzipped, dependencies included: what an edge function ships).

import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { build, type Metafile } from 'esbuild'
import { describe, expect, test } from 'vitest'

const root = new URL('..', import.meta.url)

// Subpaths that only run on Node: their own tests cover them.
const NODE_ONLY = new Set(['./express', './package.json'])

// Budgets in gzipped bytes. '.', './denylist', './jwt' and './csrf' are about 5% above the sizes
// measured when the cookie package and @noble/hashes left the bundle (see docs/runtimes.md); the
// others about 20%. A subpath that outgrows its budget needs a look at what it pulled in, then a
// deliberate new budget.
const BUDGET_GZIP_BYTES: Record<string, number> = {
  // +2.1 KB for the device index in the session manager and deviceLabel (issue 13), then 19 498 B
  // measured with issues 10 and 12 (unknown options refused with their counterparts, errors that
  // name the fix, the fallback hook, ReadOptions.generateId).
  '.': 20_500,
  // 698 B measured since it reports late changes with a SessionError (shared with the core).
  './web': 770,
  // +1.9 KB: the device index (issue 13); +0.4 KB: the HTTP store (issue 15); +0.8 KB: the store
  // generation and the connect budget (issue 9.2, 9.3).
  './denylist': 9_200,
  './jwt': 19_600,
  './next': 1_200,
  './csrf': 6_100,
  './hono': 470,
  // iron-webcrypto included (migration from iron-session).
  './iron': 3_350,
}

const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, string | { default: string }>
}

/** `./dist/web.js` → `src/web.ts`, for every subpath export an edge runtime may load. */
const edgeEntries = Object.entries(pkg.exports)
  .filter(([subpath]) => !NODE_ONLY.has(subpath))
  .map(([subpath, target]) => {
    const dist = typeof target === 'string' ? target : target.default
    const match = /^\.\/dist\/(.+)\.js$/.exec(dist)
    if (!match) throw new Error(`export ${subpath} does not point into dist/: ${dist}`)
    return { subpath, source: `src/${match[1]}.ts` }
  })

async function bundle(source: string, platform: 'browser' | 'neutral') {
  const result = await build({
    entryPoints: [new URL(source, root).pathname],
    bundle: true,
    write: false,
    metafile: true,
    minify: true,
    format: 'esm',
    platform,
    // 'neutral' resolves no package main field by default; edge bundlers (Next.js, Wrangler)
    // read these, and `cookie` 1.x has no `exports`.
    ...(platform === 'neutral' ? { mainFields: ['module', 'main'] } : {}),
    target: 'es2022',
    logLevel: 'silent',
  })
  const text = result.outputFiles[0]!.text
  const output = Object.values(result.metafile.outputs)[0] as Metafile['outputs'][string]
  return { text, output, inputs: Object.keys(result.metafile.inputs) }
}

const sizes: string[] = []

describe.each(edgeEntries)('$subpath ($source)', ({ subpath, source }) => {
  test.each(['browser', 'neutral'] as const)(
    'bundles for platform %s with no Node, Next.js or Redis import',
    async (platform) => {
      // A Node built-in import fails the build itself on these platforms.
      const { text, output, inputs } = await bundle(source, platform)
      // Fully self-contained: nothing left for a runtime to resolve.
      expect(output.imports).toEqual([])
      expect(text).not.toMatch(/\brequire\s*\(/)
      // No global Buffer; `.Buffer` of the run-time lookup of node:buffer is allowed.
      expect(text).not.toMatch(/(?<![.\w$])Buffer\b/)
      // "node:" may only appear as the run-time lookups of the optional native AEAD backend and
      // the native base64url codec.
      const nodeRefs = [...text.matchAll(/.{0,30}["']node:[a-z_/]+["']/g)].map((m) => m[0])
      for (const ref of nodeRefs) {
        expect(ref).toMatch(/getBuiltinModule\?\.\(["']node:(crypto|buffer)["']$/)
      }
      expect(inputs.filter((input) => /node_modules\/(next|ioredis|@next)\//.test(input))).toEqual(
        [],
      )
      // iron-webcrypto (migration from iron-session) only where it is asked for: cachet/iron.
      if (subpath !== './iron')
        expect(inputs.filter((input) => input.includes('node_modules/iron-'))).toEqual([])
      expect(text).not.toMatch(/["'](next|ioredis)(\/[\w./-]*)?["']/)
    },
  )

  test('stays within its gzipped size budget', async () => {
    const budget = BUDGET_GZIP_BYTES[subpath]
    expect(budget, `add a size budget for ${subpath}`).toBeTypeOf('number')
    const { text } = await bundle(source, 'browser')
    const gzipped = gzipSync(text, { level: 9 }).length
    sizes.push(
      `${subpath.padEnd(12)} ${String(text.length).padStart(7)} B min  ${String(gzipped).padStart(6)} B gz  (budget ${budget})`,
    )
    console.log(`bundle ${sizes.at(-1)}`)
    expect(gzipped).toBeLessThanOrEqual(budget!)
  })
})

test('covers the core and the Fetch adapter', () => {
  // The list comes from package.json; make sure it is not empty or missing the essentials.
  expect(edgeEntries.map((e) => e.subpath)).toEqual(expect.arrayContaining(['.', './web']))
})

test('cachet + cachet/web, what a Fetch app on the edge ships, stays within its budget', async () => {
  const result = await build({
    stdin: {
      contents: "export * from './src/index.ts'\nexport * from './src/web.ts'",
      resolveDir: new URL('.', root).pathname,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  })
  const text = result.outputFiles[0]!.text
  const gzipped = gzipSync(text, { level: 9 }).length
  console.log(`bundle cachet + cachet/web ${text.length} B min  ${gzipped} B gz  (budget 20900)`)
  // 18 800: +2.1 KB gz for the device index (issue 13), in the bundle even when unused; 20 900:
  // 19 903 B measured with issues 10 and 12 (see the '.' budget).
  expect(gzipped).toBeLessThanOrEqual(20_900)
})
