// End to end: `next build` of examples/next-app (once per run), `next start` on free ports, driven
// by Debian's Chromium through playwright-core. Covers every Next.js context the adapter serves,
// revocation across browsers (in memory, then in Redis over TCP and over HTTP, refused by the
// proxy and the edge route), key rotation across a restart and hostile cookies. Needs
// `npm run build` first (npm test's pretest does it) and /usr/bin/chromium (or CHROMIUM_PATH).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { appDir, linkCachet, nextBin, rootDir } from '../../examples/next-app/scripts/prepare.mjs'
import { generateSecret } from '../../src/keys.js'
import { freePort, rawCommand, startRedis, type RedisServer } from '../helpers/redis-server.mjs'
import { startUpstashBridge, type UpstashBridge } from '../helpers/upstash-bridge.js'

const K1 = generateSecret()
const K2 = generateSecret()
const KEYS_V1 = { SESSION_KEYS: `k1:${K1}`, SESSION_CURRENT_KEY: 'k1' }
// After rotation: k2 signs, k1 still opens the cookies it sealed.
const KEYS_V2 = { SESSION_KEYS: `k2:${K2},k1:${K1}`, SESSION_CURRENT_KEY: 'k2' }
const COOKIE = '__Host-session'
const OUTPUT = path.join(rootDir, 'test-output')

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: '1',
    NODE_ENV: 'production',
  }
  for (const name of [
    'SESSION_SECRET',
    'SESSION_KEYS',
    'SESSION_CURRENT_KEY',
    'REDIS_URL',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'PORT',
  ]) {
    delete env[name]
  }
  return env
}

interface App {
  readonly url: string
  readonly env: Readonly<Record<string, string>>
  readonly log: () => string
  stop(): Promise<void>
}

const running = new Set<App>()

/** `next start` in its own process group on a free port; resolves once it serves requests. */
async function startApp(env: Record<string, string>): Promise<App> {
  const port = await freePort()
  const child: ChildProcess = spawn(
    process.execPath,
    [nextBin, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: appDir,
      env: { ...baseEnv(), ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const app: App = {
    url: `http://127.0.0.1:${port}`,
    env,
    log: () => output,
    async stop() {
      running.delete(app)
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM')
        } catch {
          // Already gone.
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL')
          } catch {
            // Already gone.
          }
        }, 5000)
        await exited
        clearTimeout(timer)
      }
    },
  }
  running.add(app)
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`)
    try {
      if ((await fetch(`${app.url}/api/whoami`)).ok) return app
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await app.stop()
      throw new Error(`next start did not answer in time:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

let browser: Browser

beforeAll(async () => {
  linkCachet()
  // One production build per run. Keys are read when Next loads the route modules; the server
  // processes get their own keys at start.
  const build = spawnSync(process.execPath, [nextBin, 'build'], {
    cwd: appDir,
    env: { ...baseEnv(), ...KEYS_V1 },
    encoding: 'utf8',
    timeout: 240_000,
  })
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`)
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`,
    )
  }
  browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  })
  mkdirSync(OUTPUT, { recursive: true })
}, 300_000)

afterAll(async () => {
  await Promise.all([...running].map((app) => app.stop()))
  await browser?.close()
})

async function sessionCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === COOKIE)?.value
}

const kidOf = (value: string | undefined) => value?.split('.')[1]

async function signIn(page: Page, app: App, user: string): Promise<void> {
  await page.goto(`${app.url}/signin`)
  await page.fill('input[name=user]', user)
  await page.fill('input[name=password]', 'cachet')
  await page.click('button[type=submit]')
  await page.waitForURL(`${app.url}/dashboard`)
}

async function json(
  page: Page,
  url: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await page.goto(url)
  return { status: response!.status(), body: (await response!.json()) as Record<string, unknown> }
}

/**
 * Sign-in, every context, sign-out, and revocation across two browsers. With REDIS_URL or the
 * Upstash variables the proxy reaches the shared store and refuses a revoked session itself.
 */
async function journey(app: App, user: string, kid: string): Promise<void> {
  const proxyChecks = Boolean(app.env.REDIS_URL || app.env.UPSTASH_REDIS_REST_URL)
  const context = await browser.newContext()
  const page = await context.newPage()

  // Anonymous: the proxy redirects optimistically.
  const anonymous = await page.goto(`${app.url}/dashboard`)
  expect(anonymous!.status()).toBe(200)
  expect(page.url()).toBe(`${app.url}/signin?next=%2Fdashboard`)

  // Sign in (server action: regenerate, then save) and land on the protected page.
  await signIn(page, app, user)
  expect(await page.textContent('[data-testid=greeting]')).toBe(`Hello, ${user}`)
  expect(await page.textContent('[data-testid=state]')).toBe('active')
  const cookie = (await context.cookies()).find((c) => c.name === COOKIE)!
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' })
  expect(cookie.value).toMatch(new RegExp(`^c1\\.${kid}\\.[A-Za-z0-9_-]+$`))
  expect(await page.evaluate(() => document.cookie)).not.toContain(COOKIE) // HttpOnly

  // Reload keeps the session.
  await page.reload()
  expect(await page.textContent('[data-testid=user]')).toBe(user)

  // Server action updates the data; the re-render and a reload show it.
  await page.fill('input[name=displayName]', `${user} Lovelace`)
  await page.click('button:text-is("Save")')
  await page.waitForSelector(`[data-testid=greeting]:has-text("Hello, ${user} Lovelace")`)
  await page.reload()
  expect(await page.textContent('[data-testid=display-name]')).toBe(`${user} Lovelace`)

  // Route handler (Node), edge route handler and Pages API route read the same session.
  expect(await json(page, `${app.url}/api/me`)).toMatchObject({
    status: 200,
    body: { state: 'active', userId: user, displayName: `${user} Lovelace` },
  })
  expect((await json(page, `${app.url}/api/edge`)).body).toEqual({
    runtime: 'edge',
    revocationChecked: Boolean(app.env.UPSTASH_REDIS_REST_URL),
    state: 'active',
    userId: user,
  })
  expect((await json(page, `${app.url}/api/whoami`)).body).toEqual({
    router: 'pages',
    state: 'active',
    userId: user,
  })

  // Caching (docs/nextjs.md): Next gives pages its own no-store and route handlers nothing; the
  // example's route handlers and getApiSession mark a signed-in user's answer private, no-store.
  for (const route of ['/api/me', '/api/edge', '/api/whoami']) {
    const response = await page.goto(`${app.url}${route}`)
    expect(response!.headers()['cache-control'], route).toBe('private, no-store')
  }
  const dashboard = await page.goto(`${app.url}/dashboard`)
  expect(dashboard!.headers()['cache-control']).toBe(
    'private, no-cache, no-store, max-age=0, must-revalidate',
  )

  // A server component cannot write cookies: save() fails with ERR_READ_ONLY, nothing changes.
  const beforeReadOnly = await sessionCookie(context)
  await page.goto(`${app.url}/read-only`)
  expect(await page.textContent('[data-testid=outcome]')).toMatch(/^ERR_READ_ONLY: /)
  expect(await page.textContent('[data-testid=why-read-only]')).toContain('fails on purpose')
  expect(await sessionCookie(context)).toBe(beforeReadOnly)

  // Sign out: the cookie is gone, the session page is anonymous, the dashboard redirects.
  await page.goto(`${app.url}/dashboard`)
  await page.click('button:text-is("Sign out")')
  await page.waitForURL(`${app.url}/?signout=done`)
  expect(await page.textContent('[data-testid=signout-done]')).toContain('Signed out')
  expect(await page.textContent('[data-testid=state]')).toBe('new')
  expect(await page.textContent('[data-testid=nav]')).toContain('Sign in')
  expect(await sessionCookie(context)).toBeUndefined()
  await page.goto(`${app.url}/dashboard`)
  expect(new URL(page.url()).pathname).toBe('/signin')

  // Two browsers signed in as one user; "sign out everywhere" in one ends the other too.
  const other = await browser.newContext()
  const otherPage = await other.newPage()
  await signIn(page, app, user)
  await signIn(otherPage, app, user)
  const otherCookie = await sessionCookie(other)
  expect(otherCookie).toBeDefined()
  await page.click('button:text-is("Sign out everywhere")')
  await page.waitForURL(/\/signin\?signout=everywhere$/)
  expect(await page.textContent('[data-testid=signout-everywhere]')).toContain('everywhere')
  await otherPage.goto(`${app.url}/dashboard`)
  expect(new URL(otherPage.url()).pathname).toBe('/signin')
  if (proxyChecks) {
    // The proxy asked the denylist: it redirected and cleared the cookie (a page cannot).
    expect(otherPage.url()).toBe(`${app.url}/signin?next=%2Fdashboard`)
    expect(await sessionCookie(other)).toBeUndefined()
  } else {
    // The proxy only verifies the seal (optimistic); the page asks the denylist and redirects.
    expect(await sessionCookie(other)).toBe(otherCookie) // revoked server-side, not by deleting it
    // The edge route has no store to ask here: it still accepts the revoked session.
    expect((await json(otherPage, `${app.url}/api/edge`)).body).toMatchObject({
      revocationChecked: false,
      state: 'active',
    })
    await otherPage.goto(`${app.url}/`)
    expect(await otherPage.textContent('[data-testid=state]')).toBe('revoked')
    expect(await otherPage.textContent('[data-testid=reason]')).toBe('user-revoked')
    // A route handler may write: it answers 401 and clears the revoked cookie, privately.
    const cleared = otherPage.waitForResponse((r) => r.url().endsWith('/api/me'))
    expect(await json(otherPage, `${app.url}/api/me`)).toEqual({
      status: 401,
      body: { state: 'revoked' },
    })
    const clearing = await (await cleared).allHeaders()
    expect(clearing['set-cookie']).toMatch(new RegExp(`^${COOKIE}=;`))
    expect(clearing['cache-control']).toBe('private, no-store')
    expect(await sessionCookie(other)).toBeUndefined()
  }
  await other.close()

  await context.close()
}

const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const SAFARI_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'

/**
 * The Devices page (issue 13) with two browsers: the second device appears on the first one's
 * list, is signed out from there, and its next request is refused.
 */
async function devicesJourney(app: App, user: string): Promise<void> {
  const laptop = await browser.newContext({ userAgent: FIREFOX_UA })
  const phone = await browser.newContext({ userAgent: SAFARI_UA })
  const laptopPage = await laptop.newPage()
  const phonePage = await phone.newPage()
  await signIn(laptopPage, app, user)
  await laptopPage.goto(`${app.url}/devices`)
  expect(await laptopPage.locator('[data-testid=device]').count()).toBe(1)
  await signIn(phonePage, app, user)
  await laptopPage.reload()
  const rows = laptopPage.locator('[data-testid=device]')
  expect(await rows.count()).toBe(2)
  expect(await laptopPage.textContent('[data-current=true] [data-testid=label]')).toBe(
    'Firefox 133 on Linux',
  )
  expect(await laptopPage.textContent('[data-current=false] [data-testid=label]')).toBe(
    'Safari 17 on iPhone',
  )
  // The phone's own list marks the phone as this device.
  await phonePage.goto(`${app.url}/devices`)
  expect(await phonePage.textContent('[data-current=true] [data-testid=label]')).toBe(
    'Safari 17 on iPhone',
  )
  const phoneCookie = await sessionCookie(phone)
  await laptopPage.click('[data-current=false] button:text-is("Sign out this device")')
  await laptopPage.waitForURL(`${app.url}/devices`)
  await laptopPage.waitForFunction(
    () => document.querySelectorAll('[data-testid=device]').length === 1,
  )
  expect(await laptopPage.textContent('[data-current=true] [data-testid=label]')).toBe(
    'Firefox 133 on Linux',
  )
  // The phone's next request is refused: revoked server-side, its cookie untouched until then.
  expect(await sessionCookie(phone)).toBe(phoneCookie)
  await phonePage.goto(`${app.url}/dashboard`)
  expect(new URL(phonePage.url()).pathname).toBe('/signin')
  if (app.env.REDIS_URL || app.env.UPSTASH_REDIS_REST_URL) {
    // The proxy asked the shared store: it cleared the revoked cookie on the way.
    expect(await sessionCookie(phone)).toBeUndefined()
  } else {
    await phonePage.goto(`${app.url}/`)
    expect(await phonePage.textContent('[data-testid=state]')).toBe('revoked')
    expect(await phonePage.textContent('[data-testid=reason]')).toBe('session-revoked')
  }
  await laptopPage.screenshot({ path: path.join(OUTPUT, 'next-app-devices.png'), fullPage: true })
  await laptop.close()
  await phone.close()
}

/** No sideways scrolling: the page fits the viewport's width. */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)
}

/**
 * The demo explains itself (issue 12 item 9): navigation that follows the state, the session's
 * anatomy, names with spaces, refusals that say why, a tampered cookie shown as `invalid` with its
 * reason; screenshots at 1280 and 390 px wide in test-output/.
 */
async function demoExplainsItself(app: App): Promise<void> {
  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    const context = await browser.newContext({ viewport: { width, height } })
    const page = await context.newPage()
    const shot = async (name: string) => {
      expect(await fitsWidth(page), `${name} at ${width} px`).toBe(true)
      await page.screenshot({
        path: path.join(OUTPUT, `demo-${name}-${width}.png`),
        fullPage: true,
      })
    }

    await page.goto(`${app.url}/`)
    expect(await page.textContent('[data-testid=nav]')).toContain('Sign in')
    expect(await page.textContent('[data-testid=nav]')).not.toContain('Dashboard')
    expect(await page.textContent('[data-testid=sealed]')).toBe('none')
    await shot('home-anonymous')

    // Refusals say why: over-long and disallowed names.
    await page.goto(`${app.url}/signin`)
    await page.fill('input[name=user]', 'x'.repeat(65))
    await page.fill('input[name=password]', 'cachet')
    await page.click('button[type=submit]')
    await page.waitForURL(/error=long/)
    expect(await page.textContent('[data-testid=signin-error]')).toContain('64 characters')
    await page.fill('input[name=user]', '<script>')
    await page.fill('input[name=password]', 'cachet')
    await page.click('button[type=submit]')
    await page.waitForURL(/error=chars/)
    expect(await page.textContent('[data-testid=signin-error]')).toContain(
      'letters, digits, spaces',
    )
    await shot('signin-error')

    // A name with a space signs in; the anatomy shows the cookie and its lifetimes.
    await signIn(page, app, 'Ada Lovelace')
    expect(await page.textContent('[data-testid=greeting]')).toBe('Hello, Ada Lovelace')
    expect(await page.textContent('[data-testid=nav]')).toContain('Dashboard')
    expect(await page.textContent('[data-testid=nav]')).not.toContain('Sign in')
    expect(await page.textContent('[data-testid=sealed]')).toMatch(/^\d+ bytes in 1 cookie$/)
    expect(await page.textContent('[data-testid=key-id]')).toBe('k1 (the current key)')
    expect(await page.textContent('[data-testid=idle-expires]')).toMatch(/UTC$/)
    expect(await page.textContent('[data-testid=revocation]')).toContain('checked')
    await page.fill('input[name=displayName]', 'y'.repeat(65))
    await page.click('button:text-is("Save")')
    await page.waitForURL(/error=long/)
    expect(await page.textContent('[data-testid=profile-error]')).toContain('64 characters')
    expect(await page.textContent('[data-testid=greeting]')).toBe('Hello, Ada Lovelace')
    await shot('dashboard')

    await page.goto(`${app.url}/read-only`)
    await shot('read-only')

    // Tampering: the page shows `invalid` with its reason, and the cookie is gone.
    await page.goto(`${app.url}/`)
    await page.click('button:text-is("Tamper with my cookie")')
    await page.waitForURL(`${app.url}/?tampered=1`)
    expect(await page.textContent('[data-testid=state]')).toBe('invalid')
    expect(await page.textContent('[data-testid=reason]')).toBe('invalid')
    expect(await page.textContent('[data-testid=tampered]')).toContain('refused')
    expect(await sessionCookie(context)).toBeUndefined()
    await shot('tampered')
    await context.close()
  }
}

/**
 * Sign-out while Redis is stopped (SIGSTOP): the revocation cannot be stored, so the buttons tell
 * the user it did not reach the server (the cookie is cleared in this browser either way).
 */
async function signOutDuringOutage(app: App, redis: RedisServer, user: string): Promise<void> {
  const context = await browser.newContext()
  const page = await context.newPage()
  for (const [button, landing] of [
    ['Sign out', '/'],
    ['Sign out everywhere', '/signin'],
  ] as const) {
    await signIn(page, app, user)
    expect(await page.textContent('[data-testid=state]')).toBe('active')
    redis.pause()
    try {
      await page.click(`button:text-is("${button}")`)
      await page.waitForURL(`${app.url}${landing}?signout=unconfirmed`)
      expect(await page.textContent('[data-testid=signout-unconfirmed]')).toMatch(
        /could not confirm/,
      )
      expect(await sessionCookie(context)).toBeUndefined()
    } finally {
      redis.resume()
    }
  }
  await context.close()
}

/** Tampered, truncated and foreign cookies: an anonymous page, never an error page. */
async function hostileCookies(app: App, user: string): Promise<void> {
  const context = await browser.newContext()
  const page = await context.newPage()
  await signIn(page, app, user)
  const real = (await context.cookies()).find((c) => c.name === COOKIE)!
  const good = real.value
  const flipped = good.slice(0, -3) + (good.at(-3) === 'A' ? 'B' : 'A') + good.slice(-2)
  for (const value of [flipped, good.slice(0, 40), 'c1.k9.' + good.slice(6), 'garbage', '%00%ff']) {
    const hostile = await browser.newContext()
    await hostile.addCookies([{ ...real, value }]) // same attributes as the real one
    const hostilePage = await hostile.newPage()
    for (const route of ['/', '/dashboard', '/api/me', '/api/edge', '/api/whoami']) {
      const response = await hostilePage.goto(`${app.url}${route}`)
      expect(response!.status(), `${route} with a bad cookie`).toBeLessThan(500)
      expect(response!.status()).not.toBe(400)
    }
    await hostilePage.goto(`${app.url}/`)
    expect(await hostilePage.textContent('[data-testid=state]')).not.toBe('active')
    expect(await sessionCookie(hostile)).toBeUndefined() // the proxy cleared it
    await hostile.close()
  }
  await context.close()
}

describe('examples/next-app in Chromium', () => {
  test('memory denylist: every context, revocation across browsers, hostile cookies, the Devices page', async () => {
    const app = await startApp(KEYS_V1)
    try {
      await journey(app, 'ada', 'k1')
      await hostileCookies(app, 'ada')
      await devicesJourney(app, 'hedy')
      await demoExplainsItself(app)
      // A signed-in page, for people reading the test output.
      const context = await browser.newContext()
      const page = await context.newPage()
      await signIn(page, app, 'grace')
      await page.screenshot({ path: path.join(OUTPUT, 'next-app-signed-in.png'), fullPage: true })
      await context.close()
      expect(app.log()).not.toMatch(/⨯|Error:/)
    } finally {
      await app.stop()
    }
  }, 120_000)

  test('key rotation across a restart: the old cookie still works and comes back sealed with the new key', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const leaving = await browser.newContext()
    const leavingPage = await leaving.newPage()
    // The revocation store must outlive the app's restart: a memory denylist is a new store after
    // it, which refuses every earlier session (store-reset, issue 9.2). Redis keeps its generation.
    const redis = await startRedis()
    const REDIS_URL = `redis://127.0.0.1:${redis.port}`
    const before = await startApp({ ...KEYS_V1, REDIS_URL })
    try {
      await signIn(page, before, 'linus')
      expect(kidOf(await sessionCookie(context))).toBe('k1')
      await signIn(leavingPage, before, 'linus')
    } finally {
      await before.stop()
    }
    const after = await startApp({ ...KEYS_V2, REDIS_URL })
    try {
      await page.goto(`${after.url}/dashboard`)
      expect(await page.textContent('[data-testid=user]')).toBe('linus')
      expect(kidOf(await sessionCookie(context))).toBe('k2') // re-sealed by the proxy
      await page.reload()
      expect(await page.textContent('[data-testid=state]')).toBe('active')

      // Signing out while the proxy re-seals in the same response: the action's deletion comes
      // after the proxy's Set-Cookie, so it wins. (The page load re-sealed the cookie: put the k1
      // one back so that the sign-out POST carries it.)
      const k1Cookie = (await leaving.cookies()).find((c) => c.name === COOKIE)!
      await leavingPage.goto(`${after.url}/dashboard`)
      expect(kidOf(await sessionCookie(leaving))).toBe('k2')
      await leaving.addCookies([k1Cookie])
      expect(kidOf(await sessionCookie(leaving))).toBe('k1')
      const signOut = leavingPage.waitForResponse((r) => r.request().method() === 'POST')
      await leavingPage.click('button:text-is("Sign out")')
      const setCookie = (await (await signOut).headersArray()).filter(
        (h) => h.name.toLowerCase() === 'set-cookie',
      )
      expect(
        setCookie.map((h) => h.value.split('.')[1]?.slice(0, 2) ?? h.value.split(';')[0]),
      ).toEqual([
        'k2', // the proxy's re-seal
        `${COOKIE}=`, // the action's deletion, last
      ])
      await leavingPage.waitForURL(`${after.url}/?signout=done`)
      expect(await sessionCookie(leaving)).toBeUndefined()
      expect(await leavingPage.textContent('[data-testid=state]')).toBe('new')
      expect(after.log()).not.toMatch(/⨯|Error:/)
    } finally {
      await after.stop()
      await redis.stop()
      await context.close()
      await leaving.close()
    }
  }, 120_000)

  describe('with Redis (REDIS_URL, and over HTTP with the Upstash variables)', () => {
    let redis: RedisServer
    // The real Upstash server cannot run here: this bridge speaks its REST protocol and runs the
    // commands on the private redis-server (test/helpers/upstash-bridge.ts).
    let bridge: UpstashBridge
    beforeAll(async () => {
      redis = await startRedis()
      bridge = await startUpstashBridge(redis.port)
    })
    afterAll(async () => {
      await bridge?.close()
      await redis?.stop()
    })
    const upstashEnv = () => ({
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
    })
    const mgetsOverHttp = () =>
      bridge.requests.flatMap((r) => r.commands).filter((c) => c[0]!.toLowerCase() === 'mget')
        .length

    test('Redis over HTTP only (every part, no REDIS_URL): the journey; the proxy refuses a revoked session', async () => {
      const app = await startApp({ ...KEYS_V2, ...upstashEnv() })
      try {
        const before = bridge.requests.length
        await journey(app, 'edsger', 'k2')
        // Everything went through the HTTP bridge to Redis.
        expect(bridge.requests.length).toBeGreaterThan(before)
        expect(await rawCommand(redis.port, 'DBSIZE')).toMatch(/^:[1-9]\d*\r\n$/)
        expect(app.log()).not.toMatch(/⨯|Error:/)
      } finally {
        await app.stop()
      }
    }, 120_000)

    test('Node with ioredis, edge route over HTTP, one Redis: the edge route refuses a session revoked by Node', async () => {
      const app = await startApp({
        ...KEYS_V2,
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        ...upstashEnv(),
      })
      const one = await browser.newContext()
      const two = await browser.newContext()
      try {
        const page = await one.newPage()
        const other = await two.newPage()
        await signIn(page, app, 'frances')
        await signIn(other, app, 'frances')
        const mgets = mgetsOverHttp()
        expect((await json(other, `${app.url}/api/edge`)).body).toEqual({
          runtime: 'edge',
          revocationChecked: true,
          state: 'active',
          userId: 'frances',
        })
        expect(mgetsOverHttp()).toBe(mgets + 1) // one MGET over HTTP for the edge read
        // "Sign out everywhere" runs in a server action (Node, ioredis).
        await page.click('button:text-is("Sign out everywhere")')
        await page.waitForURL(/\/signin\?signout=everywhere$/)
        expect((await json(other, `${app.url}/api/edge`)).body).toEqual({
          runtime: 'edge',
          revocationChecked: true,
          state: 'revoked',
          userId: null,
        })
        // The edge route handler cleared the revoked cookie.
        expect(await sessionCookie(two)).toBeUndefined()
        expect(app.log()).not.toMatch(/⨯|Error:/)
      } finally {
        await one.close()
        await two.close()
        await app.stop()
      }
    }, 120_000)

    test('the same journey against a private redis-server', async () => {
      const app = await startApp({ ...KEYS_V2, REDIS_URL: `redis://127.0.0.1:${redis.port}` })
      try {
        await journey(app, 'barbara', 'k2')
        await devicesJourney(app, 'margaret')
        await signOutDuringOutage(app, redis, 'barbara')
        // The revocations went to Redis, not to a memory denylist.
        expect(await rawCommand(redis.port, 'DBSIZE')).toMatch(/^:[1-9]\d*\r\n$/)
        expect(app.log()).not.toMatch(/⨯|Error:/)
      } finally {
        await app.stop()
      }
    }, 120_000)
  })
})
