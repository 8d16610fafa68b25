// docs/api.md is generated from the API report (test/api/*.api.txt, itself compared with dist/ by
// test/api-report.test.ts): `npx vitest run test/docs-reference.test.ts -u` rewrites it after a
// deliberate API change. docs/errors.md lists every SessionErrorCode of src/errors.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8')

const guides: Record<string, string> = {
  cachet: 'sessions.md',
  web: 'fetch.md',
  next: 'nextjs.md',
  express: 'express.md',
  denylist: 'revocation.md',
  jwt: 'jwt.md',
  csrf: 'csrf.md',
  iron: 'migrating.md',
  hono: 'hono.md',
}

function apiReference(): string {
  const names = readdirSync(`${root}test/api`)
    .filter((file) => file.endsWith('.api.txt'))
    .map((file) => file.slice(0, -'.api.txt'.length))
    .sort((a, b) => (a === 'cachet' ? -1 : b === 'cachet' ? 1 : a.localeCompare(b)))
  const out = [
    '# API reference',
    '',
    '<!-- Generated from test/api/*.api.txt by test/docs-reference.test.ts: do not edit by hand. -->',
    '',
    'Every export of every subpath, with its declaration as `dist/` ships it (comments left out; the',
    'TSDoc in your editor has them). Errors: [error codes](errors.md).',
    '',
    ...names.map(
      (name) =>
        `- [\`${name === 'cachet' ? 'cachet' : `cachet/${name}`}\`](#${name === 'cachet' ? 'cachet' : `cachet${name}`})`,
    ),
  ]
  for (const name of names) {
    const subpath = name === 'cachet' ? 'cachet' : `cachet/${name}`
    const guide = guides[name]
    out.push('', `## \`${subpath}\``, '')
    if (guide !== undefined) out.push(`Guide: [${guide}](${guide}).`, '')
    const entries = read(`test/api/${name}.api.txt`).trim().split(/\n\n+/)
    for (const entry of entries) {
      const [head, ...body] = entry.split('\n')
      out.push(`### \`${head!.replace(/^export /, '')}\``, '')
      out.push('```ts api', ...body.map((line) => line.replace(/^ {2}/, '')), '```', '')
    }
  }
  return `${out.join('\n').trimEnd()}\n`
}

test('docs/api.md is the API report', async () => {
  await expect(apiReference()).toMatchFileSnapshot('../docs/api.md')
})

test('docs/errors.md has a row for every SessionErrorCode and no other', () => {
  const union = /export type SessionErrorCode =([\s\S]*?)\n\n/.exec(read('src/errors.ts'))![1]!
  const codes = [...union.matchAll(/\| '(ERR_[A-Z_]+)'/g)].map((m) => m[1]).sort()
  expect(codes.length).toBeGreaterThan(10)
  const rows = [...read('docs/errors.md').matchAll(/^\| `(ERR_[A-Z_]+)` +\|/gm)].map((m) => m[1])
  expect([...rows].sort()).toEqual(codes)
})

test('every repository path the docs name exists (the tests they cite, the example files)', () => {
  // Paths inside a named example (src/worker.ts of examples/hono-worker) and generated files.
  const elsewhere = new Set(['src/node.ts', 'src/worker.ts', 'examples/next-app/.env.local'])
  const docs = ['README.md', ...readdirSync(`${root}docs`).map((name) => `docs/${name}`)]
  const named = docs.flatMap((doc) =>
    [...read(doc).matchAll(/`((?:test|bench|src|examples|scripts)\/[^`\s]+)`/g)].map((m) => m[1]!),
  )
  expect(named.length).toBeGreaterThan(20)
  const missing = named.filter((path) => !elsewhere.has(path) && !existsSync(`${root}${path}`))
  expect(missing).toEqual([])
})
