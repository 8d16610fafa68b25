/**
 * Next.js adapter: the session in App Router route handlers, server actions and server
 * components (`await cookies()`), in `proxy.ts`/`middleware.ts` (read with `getSession(request,
 * sessions)` from `cachet/web`, then {@link forwardSessionHeaders} and {@link applySessionCookies}
 * on the `NextResponse`), and in Pages Router API routes (`req`, `res`).
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
import type { ActiveSession, AnonymousSession, Session, Sessions } from './session/index.js'
import { PRIVATE_NO_STORE } from './_internal/cache-control.js'

/** Options in the shape `cookies().set(name, value, options)` and `response.cookies.set` take. */
export type NextCookieOptions = SetCookieAttributes & { readonly expires?: Date }

/** What {@link readSession} uses of `await cookies()` from `next/headers`. */
export interface NextCookieReader {
  getAll(): ReadonlyArray<{ readonly name: string; readonly value: string }>
}

/** What {@link getSession} uses of `await cookies()` from `next/headers`. */
export interface NextCookieStore extends NextCookieReader {
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

type WriteMethod = 'save' | 'regenerate' | 'destroy'

/**
 * A session read where cookies cannot be written (a server component): no `save`, `regenerate`
 * or `destroy`. Narrow on `state` as with {@link Session}.
 */
export type ReadonlySession<T> =
  Omit<ActiveSession<T>, WriteMethod> | Omit<AnonymousSession<T>, WriteMethod>

const readOnly = (cause?: unknown): SessionError =>
  new SessionError(
    'ERR_READ_ONLY',
    'cookies cannot be written here (a Server Component, or after the response started): ' +
      'save, regenerate or destroy the session in a Server Action, a Route Handler or the proxy',
    cause === undefined ? {} : { cause },
  )

// Next decodes values and drops duplicate names; cachet's values are base64url, so rebuilding the
// header loses nothing it would accept. Empty or missing values are deletions made earlier in this
// request (Next merges a proxy's `Set-Cookie: name=` in as `value: undefined`).
const cookieHeaderOf = (cookieStore: NextCookieReader): string =>
  cookieStore
    .getAll()
    .filter((c) => typeof c.value === 'string' && c.value !== '' && !c.value.includes(';'))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ')

/**
 * Reads the session in an App Router route handler or server action from `await cookies()`.
 * `save()`, `regenerate()` and `destroy()` write through `cookieStore.set()`; a refresh, re-seal
 * or clearing due at read time is written at once.
 *
 * In a server component use {@link readSession}. If this is called there anyway, reading works
 * and the writes due at read time are skipped; `save()`, `regenerate()` and `destroy()` throw
 * `ERR_READ_ONLY`: before any effect when the store already refused a write, else as soon as the
 * cookie write is refused, after the in-memory change but before any denylist call (a refused
 * `destroy()` revokes nothing). The refusal is recognised by `set()` throwing, whatever Next's
 * message says.
 *
 * @param cookieStore `await cookies()` from `next/headers`.
 * @param sessions The app's session manager.
 * @param options.headers `await headers()`, so that a login is labelled in the device index.
 * @returns The session. Never throws for anything the client sent.
 * @throws From `save()`, `regenerate()` and `destroy()`: `ERR_READ_ONLY` where Next refuses the
 *   write, besides their own codes.
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
  options?: GetSessionOptions,
): Promise<Session<T>> {
  let writable = true
  const apply = (writes: readonly CookieWrite[]) => {
    try {
      for (const w of writes) cookieStore.set(w.name, w.value, optionsOf(w))
    } catch (cause) {
      writable = false
      throw readOnly(cause)
    }
  }
  // The writes due at read time come through `apply` too; where Next refuses them (read-only
  // here), the session manager leaves them for a writable request.
  return sessions.read(withHeaders(cookieHeaderOf(cookieStore), options?.headers), {
    writer: {
      guard() {
        if (!writable) throw readOnly()
      },
      apply,
    },
  })
}

/** Options of {@link getSession}. */
export interface GetSessionOptions {
  /**
   * The request headers (`await headers()` from `next/headers`), for what cachet reads besides
   * the cookie: the `User-Agent` that labels a login in the device index (`devices`).
   */
  readonly headers?: Headers
}

// The cookie comes from the cookie store (it reflects this request's writes); the rest from the
// request headers.
function withHeaders(cookie: string | undefined, headers: Headers | undefined) {
  if (headers === undefined) return cookie
  const merged = new Headers(headers)
  // As without headers: a server action's credential is the cookie, never a Bearer token.
  merged.delete('authorization')
  if (cookie === undefined) merged.delete('cookie')
  else merged.set('cookie', cookie)
  return merged
}

/**
 * Reads the session in a server component, where Next forbids cookie writes. The result has no
 * `save`, `regenerate` or `destroy` (plain JavaScript calling them gets `ERR_READ_ONLY` before any
 * effect). A refresh due at read time is left to the proxy or the next writable request.
 *
 * @param cookieStore `await cookies()` from `next/headers`.
 * @param sessions The app's session manager.
 * @returns The session. Never throws for anything the client sent.
 * @example
 * ```tsx
 * export default async function Page() {
 *   const session = await readSession(await cookies(), sessions)
 *   if (session.state !== 'active') redirect('/signin')
 *   return <h1>Hello, {session.data.name}</h1>
 * }
 * ```
 */
export async function readSession<T>(
  cookieStore: NextCookieReader,
  sessions: Sessions<T>,
): Promise<ReadonlySession<T>> {
  return sessions.read(cookieHeaderOf(cookieStore), {
    writer: {
      guard() {
        throw readOnly()
      },
    },
  })
}

/**
 * The request headers to forward with `NextResponse.next({ request: { headers } })`: a copy of
 * the request's, whose `Cookie` header carries the session's writes, so the render of this same
 * request already sees a refreshed or new session (vercel/next.js#49442). Only the `Cookie` header
 * changes; the headers travel upstream, never into the response.
 *
 * @param request The incoming request.
 * @param session The session whose writes to carry.
 * @returns A new `Headers`.
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
 * @param response A `NextResponse` (`next()`, `redirect()`, `json()`, `rewrite()`).
 * @param session The session whose writes to apply.
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
  response.headers.set('cache-control', PRIVATE_NO_STORE)
  return response
}

/**
 * Reads the session in a Pages Router API route. Writes (now and after each `save()`,
 * `regenerate()` and `destroy()`) are appended to the response's `Set-Cookie`, keeping headers
 * set by others. A response that writes the cookie, or reads a signed-in (`active`) session, gets
 * `Cache-Control: private, no-store` (Next sets none on API routes); set your own after the call to
 * change it.
 *
 * @param req The `NextApiRequest`.
 * @param res The `NextApiResponse`.
 * @param sessions The app's session manager.
 * @returns The session. Never throws for anything the client sent.
 * @throws From `save()`, `regenerate()` and `destroy()`: `ERR_READ_ONLY` once the response headers
 *   were sent: before any effect, or, when they went out while the call was pending (an async
 *   schema), as the cookie write is refused, before any denylist call.
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
  let ours: readonly string[] = []
  const apply = (writes: readonly CookieWrite[]) => {
    // The guard ran before save()'s awaits (an async schema): the response may have gone since.
    if (res.headersSent) throw readOnly()
    const current = res.getHeader('set-cookie')
    const list: readonly (string | number)[] =
      current === undefined ? [] : typeof current === 'object' ? current : [current]
    const others = list.map(String).filter((h) => !ours.includes(h))
    ours = writes.map((w) => w.header)
    res.setHeader('set-cookie', [...others, ...ours])
    if (ours.length > 0) res.setHeader('cache-control', PRIVATE_NO_STORE)
  }
  const cookie = req.headers.cookie
  const session = await sessions.read(typeof cookie === 'string' ? cookie : undefined, {
    writer: {
      guard() {
        // Refuse before any effect: once the headers are out, a write can no longer reach the client.
        if (res.headersSent) throw readOnly()
      },
      apply,
    },
  })
  // Next sets no Cache-Control on API routes: a response for a signed-in user is that user's
  // (RFC 9111 §5.2.2.7). The handler may set its own after this call.
  if (session.state === 'active' && !res.headersSent)
    res.setHeader('cache-control', PRIVATE_NO_STORE)
  return session
}
