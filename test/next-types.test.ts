// Type tests: test/fixtures/next-contexts.ts calls the adapter in every Next.js context against
// the real `next` types (and refuses misuse with @ts-expect-error). Compiled here so that
// `npm test` fails when the shapes in src/next.ts stop fitting Next.js.
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { expect, test } from 'vitest'

test('the adapter compiles in every Next.js context against the real next types', () => {
  const configPath = fileURLToPath(new URL('../tsconfig.test.json', import.meta.url))
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
      },
    },
  )!
  const fixture = fileURLToPath(new URL('./fixtures/next-contexts.ts', import.meta.url))
  const program = ts.createProgram([fixture], { ...config.options, noEmit: true })
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : ''
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
  expect(diagnostics).toEqual([])
}, 60_000)
