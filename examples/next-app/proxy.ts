// Optimistic redirect of anonymous visitors, and the rolling refresh / key-rotation re-seal for
// pages (server components cannot set cookies). Pages, route handlers and actions still check
// the session themselves; route handlers set their own cookies, so API routes skip the proxy.
//
// The proxy (Node.js runtime in Next.js 16) checks revocation when the app has a shared store
// (REDIS_URL, or the Upstash variables: see lib/session.ts). Without one it only verifies the
// seal, as an edge middleware without a store would.
import { applySessionCookies, forwardSessionHeaders } from 'cachet/next'
import { applySession, getSession } from 'cachet/web'
import { NextResponse, type NextRequest } from 'next/server'
import { sessions, sharedStore } from './lib/session'
import { edgeSessions } from './lib/session-edge'

const proxySessions = sharedStore ? sessions : edgeSessions

export async function proxy(request: NextRequest) {
  const session = await getSession(request, proxySessions)
  const { pathname } = request.nextUrl
  if (session.state !== 'active' && request.method === 'GET' && pathname.startsWith('/dashboard')) {
    const signIn = new URL('/signin', request.url)
    signIn.searchParams.set('next', pathname)
    return applySessionCookies(NextResponse.redirect(signIn), session)
  }
  if (session.reason !== undefined) {
    // A rejected cookie: deleted in the browser by a plain Set-Cookie header, which (unlike
    // response.cookies) Next does not apply to this render, so the page reads the cookie itself
    // and can say why it was refused instead of showing a new session.
    return applySession(NextResponse.next(), session)
  }
  // The same render must see a refreshed cookie: forward it in the request headers too.
  const response = NextResponse.next({
    request: { headers: forwardSessionHeaders(request, session) },
  })
  return applySessionCookies(response, session)
}

export const config = {
  matcher: ['/((?!api/|_next/static|_next/image|favicon.ico).*)'],
}
