import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/**
 * Bundles TypeScript source (resolved from the repository root) into one script, every import
 * resolved and nothing external, as an edge platform receives it. An IIFE exposes the exports as
 * the global `cachet`.
 */
export async function bundleForEdge(
  contents: string,
  options: { format?: 'iife' | 'esm'; platform?: 'browser' | 'neutral' } = {},
): Promise<string> {
  const platform = options.platform ?? 'browser'
  const result = await build({
    stdin: { contents, resolveDir: fileURLToPath(new URL('../..', import.meta.url)), loader: 'ts' },
    bundle: true,
    write: false,
    format: options.format ?? 'iife',
    globalName: 'cachet',
    platform,
    // The conditions and main fields edge bundlers (Next.js, Wrangler) use; `cookie` 1.x has no
    // `exports`, and 'neutral' resolves no main field by default.
    conditions: ['edge-light', 'worker'],
    ...(platform === 'neutral' ? { mainFields: ['module', 'main'] } : {}),
    target: 'es2022',
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}
