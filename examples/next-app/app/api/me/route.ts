// JSON route handler (Node runtime): verifies the cookie and checks revocation.
import { getSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { sessions } from '../../../lib/session'

// Next sets no Cache-Control on route handlers, and cookies().set() cannot: this answer is one
// user's (and may clear their cookie), so it says so itself.
const headers = { 'cache-control': 'private, no-store' }

export async function GET() {
  const session = await getSession(await cookies(), sessions)
  if (session.state !== 'active') {
    return Response.json({ state: session.state }, { status: 401, headers })
  }
  return Response.json(
    {
      state: session.state,
      userId: session.data.userId,
      displayName: session.data.displayName,
      expiresAt: new Date(session.expiresAtMs!).toISOString(),
    },
    { headers },
  )
}
