// Every TypeScript block of README.md and docs/*.md compiles, strict, against the built package
// (`npm run build` first): a reader can copy any block and it typechecks as shown.
//
// Each Markdown file is one program (declaration merging such as `declare module 'cachet/express'`
// differs between guides). A block whose first line is `// <path>.ts` is that file (blocks with the
// same path are joined in order, so a file may be shown in parts); other blocks are files of their
// own. `// config.ts`, shown once in docs/sessions.md, is in every program, so blocks may import
// `./config`. A block fenced ```ts nocheck: <reason> is skipped and must give its reason.
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = join(root, 'test-output', 'docs-blocks')

type Block = { doc: string; line: number; lang: string; info: string; code: string }

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]

/** Fenced ```ts / ```tsx blocks, also indented ones (inside list items). */
function blocksOf(doc: string): Block[] {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```(\S*)(.*)$/.exec(lines[i]!)
    if (!open) continue
    const [, indent, lang, info] = open
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) {
      body.push(lines[i]!.slice(indent!.length))
    }
    if (lang === 'ts' || lang === 'tsx') {
      blocks.push({ doc, line: start + 1, lang, info: info!.trim(), code: body.join('\n') })
    }
  }
  return blocks
}

const all = docs.flatMap(blocksOf)
// ```ts api blocks are declarations, generated from the API report (test/docs-reference.test.ts).
const checked = all.filter((block) => !block.info.startsWith('nocheck') && block.info !== 'api')
const headerOf = (block: Block) => /^\/\/ (\S+\.tsx?)$/.exec(block.code.split('\n')[0]!)?.[1]
const config = checked.filter((block) => headerOf(block) === 'config.ts')

/** The block's files for one program: path -> source. */
function filesOf(blocks: Block[]): Map<string, string> {
  const files = new Map<string, string>()
  for (const block of config) files.set('config.ts', block.code)
  for (const block of blocks) {
    const header = headerOf(block)
    if (header === 'config.ts') continue
    const path = header ?? `block-${block.line}.${block.lang}`
    const previous = files.get(path)
    files.set(path, previous === undefined ? block.code : `${previous}\n${block.code}`)
  }
  // A block without import or export would be a script sharing one global scope with the others.
  for (const [path, code] of files) files.set(path, `${code}\nexport {}\n`)
  return files
}

const options: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  jsx: ts.JsxEmit.Preserve,
  noEmit: true,
  skipLibCheck: true,
}

// Declarations under node_modules are parsed once for all the programs.
const host = ts.createCompilerHost(options)
const parsed = new Map<string, ts.SourceFile | undefined>()
const getSourceFile = host.getSourceFile.bind(host)
host.getSourceFile = (file, language, ...rest) => {
  if (!file.includes('/node_modules/') && !file.includes('/dist/')) {
    return getSourceFile(file, language, ...rest)
  }
  if (!parsed.has(file)) parsed.set(file, getSourceFile(file, language, ...rest))
  return parsed.get(file)
}

function diagnose(doc: string, blocks: Block[]): string[] {
  const dir = join(out, doc.replace(/[/.]/g, '_'))
  const files = filesOf(blocks)
  const names: string[] = []
  for (const [path, code] of files) {
    const file = join(dir, path)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, code)
    names.push(file)
  }
  const program = ts.createProgram({ rootNames: names, options, host })
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${relative(dir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : ''
    return `${doc} ${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
}

rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'node_modules'), { recursive: true })
// `cachet` resolves to this repository's package.json exports, i.e. dist/ (built).
symlinkSync(root, join(out, 'node_modules', 'cachet'), 'dir')

test('the docs have TypeScript blocks, config.ts is shown once, nocheck says why', () => {
  expect(checked.length).toBeGreaterThan(25)
  expect(config).toHaveLength(1)
  const skipped = all.filter((block) => block.info.startsWith('nocheck'))
  for (const block of skipped) {
    expect(block.info, `${block.doc}:${block.line}`).toMatch(/^nocheck: \S.{8,}/)
  }
  expect(skipped.length).toBeLessThanOrEqual(3)
})

describe('every TypeScript block compiles (strict, against dist/)', () => {
  for (const doc of docs) {
    const blocks = checked.filter((block) => block.doc === doc)
    if (blocks.length === 0) continue
    test(`${doc} (${blocks.length} blocks)`, { timeout: 120_000 }, () => {
      expect(diagnose(doc, blocks)).toEqual([])
    })
  }
})
