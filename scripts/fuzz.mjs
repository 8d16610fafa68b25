// Long fuzz runs: `npm run fuzz -- --runs 100000` runs test/fuzz.test.ts with FUZZ_RUNS set.
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' } } })
const runs = Number(values.runs)
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error('--runs must be a positive integer')
  process.exit(2)
}
const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz.test.ts', '--testTimeout=0'], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: String(runs) },
})
process.exit(result.status ?? 1)
