#!/usr/bin/env node
// `npx cachet secret`: prints a fresh 256-bit secret. Nothing else is printed to stdout, so that
// `SESSION_SECRET=$(npx cachet secret)` works. `npx cachet inspect <cookie>`: describes a session
// cookie (inspect-command.ts).
import { runInspect } from './inspect-command.js'
import { generateSecret } from './keys.js'

// Declared here rather than through @types/node, which would leak Node globals into the
// edge-safe modules compiled alongside (tsconfig "types": []).
declare const process: {
  argv: string[]
  env: Record<string, string | undefined>
  exitCode: number | undefined
  stdout: { write(text: string): void }
  stderr: { write(text: string): void }
}

const [command] = process.argv.slice(2)
if (command === 'secret') {
  process.stdout.write(`${generateSecret()}\n`)
} else if (command === 'inspect') {
  const result = await runInspect(process.argv.slice(3), process.env)
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  process.exitCode = result.code
} else {
  process.stderr.write(
    'usage: cachet secret             print a fresh 256-bit secret (base64url)\n' +
      '       cachet inspect <cookie>   describe a session cookie (cachet inspect --help)\n',
  )
  process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2
}
