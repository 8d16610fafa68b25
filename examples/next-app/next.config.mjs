import path from 'node:path'

// The example lives inside the cachet repository and uses its node_modules (next, react) and its
// build (node_modules/cachet links to the repository root, whose exports point at dist/).
const root = path.resolve(import.meta.dirname, '../..')

/** @type {import('next').NextConfig} */
const nextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
  poweredByHeader: false,
}

export default nextConfig
