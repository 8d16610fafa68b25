// `npm run demo` on a busy port fails at once, before installing or building anything, and says
// how to choose another port (issue 12 item 9).
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const demo = fileURLToPath(new URL('../examples/next-app/scripts/demo.mjs', import.meta.url))

test('a busy PORT fails before the build with the PORT= hint', async () => {
  const server = createServer().listen(0)
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  try {
    const result = spawnSync(process.execPath, [demo], {
      env: { ...process.env, PORT: String(port) },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`PORT=${port + 1} npm run demo`)
    expect(result.stdout).not.toContain('> npm') // nothing was installed or built
  } finally {
    server.close()
  }
})
