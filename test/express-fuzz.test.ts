// Issue 10, item 2 ("never crash"): random programs over the response API (write, writeHead, end,
// flushHeaders, redirect, send, json, sendFile, pipe), sync and async, with session changes and
// handler errors, on real Express 4 and Express 5 over real HTTP. For every program: the process
// sees no uncaught exception, every change made before the headers went out is in the cookie, and
// nothing from cachet reaches the error handler but the program's own errors.
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import express5, { type Express, type NextFunction, type Request, type Response } from 'express'
import express4 from 'express4'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { session } from '../src/express/index.js'
import { generateSecret } from '../src/keys.js'
import { CookieJar } from './helpers/cookie-jar.js'
import { listen, type TestServer } from './helpers/listen.js'

declare module '../src/express/index.js' {
  interface SessionData {
    n?: number
  }
}

const OPS = [
  'change',
  'write',
  'writeHead',
  'end',
  'flushHeaders',
  'redirect',
  'send',
  'json',
  'sendFile',
  'pipe',
  'throw',
  'tick',
  'save',
] as const
type Op = (typeof OPS)[number]

const FILE = fileURLToPath(new URL('../package.json', import.meta.url))
const MARKER = 'fuzz-thrown'

interface Run {
  /** The last value set while the headers were not sent: what the next request must read. */
  expected: number | undefined
  /** Errors that reached the error handler other than the program's own. */
  foreign: string[]
  /** Errors Node emitted on the response (write after end). */
  emitted: string[]
  /** The program wrote after it ended the response: Node's own error, cachet or not. */
  wroteAfterEnd: boolean
}

const TERMINAL: ReadonlySet<Op> = new Set(['end', 'redirect', 'send', 'json', 'sendFile', 'pipe'])

const runs = new Map<string, Run>()
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => uncaught.push(error)

function execute(op: Op, req: Request, res: Response, run: Run, value: number): void {
  switch (op) {
    case 'change':
      if (!res.headersSent) run.expected = value
      if (req.session) req.session.n = value
      return
    case 'write':
      res.write('w')
      return
    case 'writeHead':
      res.writeHead(201, { 'x-fuzz': '1' })
      return
    case 'end':
      res.end('e')
      return
    case 'flushHeaders':
      res.flushHeaders()
      return
    case 'redirect':
      res.redirect('/elsewhere')
      return
    case 'send':
      res.send('s')
      return
    case 'json':
      res.json({ j: 1 })
      return
    case 'sendFile':
      // A failure (headers already sent) is the program's: the response is ended instead.
      res.sendFile(FILE, (error) => {
        if (error && !res.writableEnded) res.end()
      })
      return
    case 'pipe':
      Readable.from(['p', 'q']).pipe(res)
      return
    case 'throw':
      throw new Error(MARKER)
    case 'tick':
    case 'save':
      return
  }
}

function makeApp(express: () => Express): Express {
  const app = express()
  app.use(session({ secret: generateSecret(), saveUninitialized: false, onError: () => undefined }))
  app.get('/read', (req, res) => {
    res.json({ n: req.session.n ?? null })
  })
  app.get('/fuzz', (req, res, next) => {
    const id = req.query.id as string
    const program = (req.query.ops as string).split(',') as Op[]
    const run: Run = { expected: undefined, foreign: [], emitted: [], wroteAfterEnd: false }
    runs.set(id, run)
    // Node emits write-after-end errors on the response (fatal without a listener): recorded,
    // and allowed only when the program itself wrote after ending.
    res.on('error', (error: NodeJS.ErrnoException) => run.emitted.push(String(error.code)))
    let ended = false
    let value = 0
    // A pipe or sendFile ends the response itself, later; otherwise the harness ends it.
    let endsItself = false
    const finish = () => {
      if (!res.writableEnded && !endsItself) res.end()
    }
    const step = (i: number): Promise<void> | void => {
      for (; i < program.length; i++) {
        const op = program[i]!
        if (op === 'tick') return new Promise<void>((r) => setImmediate(r)).then(() => step(i + 1))
        if (op === 'save') {
          if (!res.headersSent) run.expected = req.session?.n
          return req.session?.save().then(() => step(i + 1))
        }
        // Writing after an end, or ending while a pipe still writes: Node's error, cachet or not.
        if ((op === 'write' || op === 'pipe') && ended) run.wroteAfterEnd = true
        if (TERMINAL.has(op) && endsItself) run.wroteAfterEnd = true
        if (TERMINAL.has(op)) ended = true
        if (op === 'pipe' || op === 'sendFile') endsItself = true
        try {
          execute(op, req, res, run, ++value)
        } catch (error) {
          // Express throws ERR_HTTP_HEADERS_SENT itself for res.send after res.end: the program's.
          if ((error as Error).message !== MARKER && i > 0) continue
          throw error
        }
      }
      finish()
    }
    // The first step runs synchronously: a 'throw' there is a synchronous handler error.
    const pending = step(0)
    if (pending) pending.then(undefined, (error: unknown) => next(error))
  })
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const message = (err as Error | undefined)?.message
    if (message !== MARKER) runs.get(req.query.id as string)?.foreign.push(String(message))
    if (!res.headersSent) res.status(500).send('error')
    else if (!res.writableEnded) res.end()
  })
  return app
}

describe.each([
  ['Express 4', express4],
  ['Express 5', express5],
] as const)('%s', (_name, express: () => Express) => {
  let server: TestServer
  beforeAll(async () => {
    process.on('uncaughtException', onUncaught)
    server = await listen(makeApp(express))
  })
  afterAll(async () => {
    process.off('uncaughtException', onUncaught)
    await server.close()
  })

  test('random response-API programs: no crash, no lost change, nothing foreign to the error handler', async () => {
    let counter = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 7 }),
        async (ops) => {
          const id = `${express === express4 ? 4 : 5}-${++counter}`
          const jar = new CookieJar()
          const response = await jar.fetch(`${server.url}/fuzz?id=${id}&ops=${ops.join(',')}`, {
            redirect: 'manual',
          })
          await response.arrayBuffer().catch(() => undefined)
          // Let late pipes and ticks finish before reading the outcome.
          await new Promise((r) => setTimeout(r, 5))
          const run = runs.get(id)!
          expect(run.foreign).toEqual([])
          if (!run.wroteAfterEnd) expect(run.emitted).toEqual([])
          const read = (await (await jar.fetch(`${server.url}/read`)).json()) as {
            n: number | null
          }
          expect(read.n ?? undefined).toBe(run.expected)
          expect(uncaught).toEqual([])
        },
      ),
      { numRuns: 60, seed: 10 },
    )
  })
})
