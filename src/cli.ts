#!/usr/bin/env node
// `npx cachet secret`: prints a fresh 256-bit secret. Nothing else is printed to stdout, so that
// `SESSION_SECRET=$(npx cachet secret)` works.
import { generateSecret } from './keys.js'

// Declared here rather than through @types/node, which would leak Node globals into the
// edge-safe modules compiled alongside (tsconfig "types": []).
declare const process: {
  argv: string[]
  exitCode: number | undefined
  stdout: { write(text: string): void }
  stderr: { write(text: string): void }
}

const [command] = process.argv.slice(2)
if (command === 'secret') {
  process.stdout.write(`${generateSecret()}\n`)
} else {
  process.stderr.write('usage: cachet secret    print a fresh 256-bit secret (base64url)\n')
  process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2
}
