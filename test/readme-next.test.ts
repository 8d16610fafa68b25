// The Next.js guide's (docs/nextjs.md) usage blocks are copied from examples/next-app, which `next build`
// type-checks (test/e2e/next-app.test.ts): this keeps the copies from drifting.
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

const root = new URL('../', import.meta.url)
const readme = readFileSync(new URL('docs/nextjs.md', root), 'utf8')

test('every README block of the Next.js section is a verbatim excerpt of the example', () => {
  const section = /<!-- section: next -->([\s\S]*?)<!-- \/section: next -->/.exec(readme)?.[1] ?? ''
  const blocks = [
    ...section.matchAll(/```tsx?[^\n]*\n\/\/ (examples\/next-app\/\S+)\n([\s\S]*?)\n```/g),
  ]
  const files = blocks.map(([, file]) => file)
  for (const context of [
    'app/api/me/route.ts',
    'app/actions.ts',
    'app/dashboard/page.tsx',
    'proxy.ts',
    'app/api/edge/route.ts',
    'pages/api/whoami.ts',
  ]) {
    expect(files).toContain(`examples/next-app/${context}`)
  }
  for (const [, file, body] of blocks) {
    const source = readFileSync(new URL(file!, root), 'utf8')
    // A `// …` line marks lines left out: each part must appear as is.
    for (const part of body!.split(/\n+\/\/ …\n+/)) {
      expect(source.includes(part), `${file} does not contain:\n${part}`).toBe(true)
    }
  }
})
