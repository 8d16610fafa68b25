// The API report: for every subpath in package.json's `exports`, the exported names and their
// declared types, read from the built `dist/**/*.d.ts` with the TypeScript compiler, compared with
// the committed `test/api/<subpath>.api.txt`. An export added, removed or changed by accident
// fails here; a deliberate change updates the file (`npx vitest run test/api-report.test.ts -u`)
// in the same commit, where a reviewer sees it.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  exports: Record<string, string | { types?: string }>
}
const subpaths = Object.entries(pkg.exports).flatMap(([subpath, target]) =>
  typeof target === 'object' && target.types !== undefined
    ? [{ subpath, types: `${root}${target.types.slice(2)}` }]
    : [],
)

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed })

// The declaration as written in the .d.ts, without comments (a doc edit is not an API change).
function printDeclaration(declaration: ts.Declaration): string {
  const node =
    ts.isVariableDeclaration(declaration) && ts.isVariableStatement(declaration.parent.parent)
      ? declaration.parent.parent
      : declaration
  return printer.printNode(ts.EmitHint.Unspecified, node, node.getSourceFile())
}

/** One line per export name, then its declarations, in name order. */
function apiReport(program: ts.Program, file: string): string {
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  if (!source) throw new Error(`not in the program: ${file}`)
  const moduleSymbol = checker.getSymbolAtLocation(source)!
  const lines: string[] = []
  const exports = checker
    .getExportsOfModule(moduleSymbol)
    .sort((a, b) => a.name.localeCompare(b.name))
  for (const exported of exports) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    lines.push(`export ${exported.name}`)
    for (const declaration of symbol.declarations ?? []) {
      lines.push(
        ...printDeclaration(declaration)
          .split('\n')
          .map((line) => `  ${line}`),
      )
    }
    lines.push('')
  }
  return lines.join('\n')
}

describe('API report', () => {
  const program = ts.createProgram(
    subpaths.map((s) => s.types),
    { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, types: [], noEmit: true },
  )

  test('covers every subpath of package.json exports', () => {
    expect(subpaths.map((s) => s.subpath)).toContain('.')
    expect(subpaths.length).toBe(Object.keys(pkg.exports).length - 1) // all but ./package.json
  })

  test.each(subpaths)('$subpath', async ({ subpath, types }) => {
    const name = subpath === '.' ? 'cachet' : subpath.slice(2).replaceAll('/', '-')
    const report = apiReport(program, types)
    expect(report).not.toBe('')
    await expect(report).toMatchFileSnapshot(`./api/${name}.api.txt`)
  })
})
