// Shared by `npm run demo` and the end-to-end tests: make the example resolve `cachet` to this
// repository's build (dist/) the way an installed package would, without a network install.
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'

export const appDir = path.resolve(import.meta.dirname, '..')
export const rootDir = path.resolve(appDir, '../..')
/** The Next.js CLI of the repository's node_modules (the example has none of its own). */
export const nextBin = path.join(rootDir, 'node_modules/next/dist/bin/next')

/** Links examples/next-app/node_modules/cachet to the repository root (package.json + dist/). */
export function linkCachet() {
  if (!existsSync(path.join(rootDir, 'dist/index.js'))) {
    throw new Error('cachet is not built: run `npm run build` at the repository root first')
  }
  const modules = path.join(appDir, 'node_modules')
  const link = path.join(modules, 'cachet')
  const target = path.relative(modules, rootDir) // '../../..'
  mkdirSync(modules, { recursive: true })
  try {
    if (lstatSync(link).isSymbolicLink() && readlinkSync(link) === target) return
    rmSync(link, { recursive: true, force: true })
  } catch {
    // Not there yet.
  }
  symlinkSync(target, link, 'dir')
}
