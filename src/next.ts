/**
 * Next.js adapter: the session in App Router route handlers, server actions and server
 * components (`await cookies()`), in `proxy.ts`/`middleware.ts` (`NextRequest`/`NextResponse`),
 * and in Pages Router API routes (`req`, `res`).
 *
 * Nothing here imports `next` at run time, nor its types: `next`'s declarations pull in
 * `@types/node`, which would switch off the no-Node-globals check of every edge module. The
 * shapes below are the few members cachet uses; `test/next-types.test.ts` checks that the real
 * Next.js objects fit them. Identity always comes from the verified cookie, never from a header a
 * proxy or a client could set (CVE-2025-29927: a proxy can be skipped).
 *
 * @module
 */

import type { CookieWrite, SetCookieAttributes } from './cookie.js'
import { SessionError } from './errors.js'
import type { Session, Sessions } from './session.js'

/** Options in the shape `cookies().set(name, value, options)` and `response.cookies.set` take. */
export type NextCookieOptions = SetCookieAttributes & { readonly expires?: Date }

/** What cachet uses of `await cookies()` from `next/headers` (route handler, action, component). */
export interface NextCookieStore {
  getAll(): ReadonlyArray<{ readonly name: string; readonly value: string }>
  set(name: string, value: string, options: NextCookieOptions): unknown
}

/** What cachet uses of a `NextResponse` (`NextResponse.next()`, `.redirect()`, `.json()`). */
export interface NextResponseLike {
  readonly headers: Headers
  readonly cookies: { set(name: string, value: string, options: NextCookieOptions): unknown }
}

/** What cachet uses of a Pages Router `NextApiRequest` (a Node `IncomingMessage`). */
export interface NextApiRequestLike {
  readonly headers: { readonly cookie?: string | undefined }
}

/** What cachet uses of a Pages Router `NextApiResponse` (a Node `ServerResponse`). */
export interface NextApiResponseLike {
  readonly headersSent: boolean
  getHeader(name: string): number | string | readonly string[] | undefined
  setHeader(name: string, value: string | string[]): unknown
}

type Writes = { readonly writes: readonly CookieWrite[] }

// A deletion (RFC 6265bis §5.6.2: Max-Age=0) also expires at the epoch for older clients.
const optionsOf = (write: CookieWrite): NextCookieOptions =>
  write.options.maxAge > 0 ? write.options : { ...write.options, expires: new Date(0) }

// Re-applies the session's writes after each save(), regenerate() and destroy(). `apply` throws
// a SessionError ERR_READ_ONLY when the framework refuses the write.
function bindWrites<T>(
  session: Session<T>,
  apply: (writes: readonly CookieWrite[]) => void,
): Session<T> {
  for (const method of ['save', 'regenerate', 'destroy'] as const) {
    const original = (session[method] as (...args: unknown[]) => Promise<void>).bind(session)
    Object.defineProperty(session, method, {
      configurable: true,
      writable: true,
      value: async (...args: unknown[]) => {
        await original(...args)
        apply(session.writes)
      },
    })
  }
  return session
}

const readOnly = (cause: unknown): SessionError =>
  new SessionError(
    'ERR_READ_ONLY',
    'cookies cannot be written here (a Server Component, or after the response started): ' +
      'save, regenerate or destroy the session in a Server Action, a Route Handler or the proxy',
    { cause },
  )

/**
 * Reads the session in an App Router route handler, server action or server component from
 * `await cookies()`. Later `save()`, `regenerate()` and `destroy()` write through
 * `cookieStore.set()`. A refresh due at read time is written where Next allows it and skipped
 * where it does not (a server component; the proxy refreshes for pages).
 *
 * Server components cannot set cookies: there `save()`, `regenerate()` and `destroy()` throw
 * `ERR_READ_ONLY` (after their in-memory and denylist effects). cachet detects this by the store
 * refusing `set()`, whatever Next's error says.
 *
 * @param cookieStore `await cookies()` from `next/headers`.
 * @returns The session. Never throws for anything the client sent.
 * @example
 * ```ts
 * 'use server'
 * import { cookies } from 'next/headers'
 * import { getSession } from 'cachet/next'
 *
 * export async function signIn(formData: FormData) {
 *   const session = await getSession(await cookies(), sessions)
 *   await session.regenerate()
 *   await session.save({ userId: String(formData.get('user')) })
 * }
 * ```
 */
export async function getSession<T>(
  cookieStore: NextCookieStore,
  sessions: Sessions<T>,
): Promise<Session<T>> {
  // Next decodes values and drops duplicate names; cachet's values are base64url, so rebuilding
  // the header loses nothing it would accept. Empty or missing values are deletions made earlier
  // in this request (Next merges a proxy's `Set-Cookie: name=` in as `value: undefined`).
  const header = cookieStore
    .getAll()
    .filter((c) => typeof c.value === 'string' && c.value !== '' && !c.value.includes(';'))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ')
  const session = await sessions.read(header)
  const apply = (writes: readonly CookieWrite[]) => {
    for (const write of writes) cookieStore.set(write.name, write.value, optionsOf(write))
  }
  try {
    apply(session.writes)
  } catch {
    // Read-only here: the refresh or the clearing of a bad cookie waits for a writable request.
  }
  return bindWrites(session, (writes) => {
    try {
      apply(writes)
    } catch (cause) {
      throw readOnly(cause)
    }
  })
}

/**
 * Reads the session in `proxy.ts` (Next 16, Node runtime) or `middleware.ts` (edge runtime).
 * Apply its writes with {@link forwardSessionHeaders} and {@link applySessionCookies}.
 *
 * @returns The session. Never throws for anything the client sent.
 */
export function getRequestSession<T>(request: Request, sessions: Sessions<T>): Promise<Session<T>> {
  return sessions.read(request)
}

/**
 * The request headers to forward with `NextResponse.next({ request: { headers } })`: a copy of
 * the request's, whose `Cookie` header carries the session's writes, so the render of this same
 * request already sees a refreshed or new session (vercel/next.js#49442).
 *
 * @example
 * ```ts
 * const response = NextResponse.next({ request: { headers: forwardSessionHeaders(request, session) } })
 * return applySessionCookies(response, session)
 * ```
 */
export function forwardSessionHeaders(request: Request, session: Writes): Headers {
  const headers = new Headers(request.headers)
  if (session.writes.length === 0) return headers
  const written = new Set(session.writes.map((w) => w.name))
  // RFC 6265bis §5.7.4: one Cookie header, pairs joined by "; ".
  const pairs = (headers.get('cookie') ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter(
      (pair) => pair !== '' && !written.has(pair.slice(0, Math.max(0, pair.indexOf('='))).trim()),
    )
  for (const w of session.writes) if (w.options.maxAge > 0) pairs.push(`${w.name}=${w.value}`)
  if (pairs.length > 0) headers.set('cookie', pairs.join('; '))
  else headers.delete('cookie')
  return headers
}

/**
 * Sets the session's cookie writes on a `NextResponse` through `response.cookies.set()` (so later
 * `response.cookies` calls keep them), plus `Cache-Control: private, no-store` when there are any.
 * Never copies request headers.
 *
 * @returns `response`.
 * @example
 * ```ts
 * return applySessionCookies(NextResponse.redirect(new URL('/signin', request.url)), session)
 * ```
 */
export function applySessionCookies<R extends NextResponseLike>(response: R, session: Writes): R {
  if (session.writes.length === 0) return response
  for (const write of session.writes)
    response.cookies.set(write.name, write.value, optionsOf(write))
  response.headers.set('cache-control', 'private, no-store')
  return response
}

/**
 * Reads the session in a Pages Router API route. Writes (now and after each `save()`,
 * `regenerate()` and `destroy()`) are appended to the response's `Set-Cookie`, keeping headers
 * set by others.
 *
 * @returns The session. Never throws for anything the client sent.
 * @throws From `save()`, `regenerate()` and `destroy()`: `ERR_READ_ONLY` once the response
 *   headers were sent.
 * @example
 * ```ts
 * export default async function handler(req: NextApiRequest, res: NextApiResponse) {
 *   const session = await getApiSession(req, res, sessions)
 *   res.status(200).json({ signedIn: session.state === 'active' })
 * }
 * ```
 */
export async function getApiSession<T>(
  req: NextApiRequestLike,
  res: NextApiResponseLike,
  sessions: Sessions<T>,
): Promise<Session<T>> {
  const cookie = req.headers.cookie
  const session = await sessions.read(typeof cookie === 'string' ? cookie : undefined)
  let ours: readonly string[] = []
  const apply = (writes: readonly CookieWrite[]) => {
    if (res.headersSent) throw readOnly(undefined)
    const current = res.getHeader('set-cookie')
    const others = (
      current === undefined ? [] : Array.isArray(current) ? current : [String(current)]
    ).filter((h: string) => !ours.includes(h))
    ours = writes.map((w) => w.header)
    res.setHeader('set-cookie', [...others, ...ours])
    if (ours.length > 0) res.setHeader('cache-control', 'private, no-store')
  }
  if (session.writes.length > 0 && !res.headersSent) apply(session.writes)
  return bindWrites(session, apply)
}
