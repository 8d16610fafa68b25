// `npm test`'s pretest: builds dist/ (the e2e, bundle and package tests import it), then installs
// Node 22 for test/runtimes when it is missing, so that `npm ci && npm test` works on a fresh
// clone. Node 22 lives in its own folder (test/runtimes/node22): the `node` package links a `node`
// binary that would shadow the project's Node 20 in every npm script if it were a devDependency.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const run = (args) => execFileSync('npm', args, { cwd: root, stdio: 'inherit' })

run(['run', 'build'])
if (!existsSync(new URL('../test/runtimes/node22/node_modules/.bin/node', import.meta.url))) {
  run(['ci', '--prefix', 'test/runtimes/node22', '--no-audit', '--no-fund'])
}
