// JSON route handler (Node runtime): verifies the cookie and checks revocation.
import { getSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { sessions } from '../../../lib/session'

export async function GET() {
  const session = await getSession(await cookies(), sessions)
  if (session.state !== 'active') {
    return Response.json({ state: session.state }, { status: 401 })
  }
  return Response.json({
    state: session.state,
    userId: session.data.userId,
    displayName: session.data.displayName,
    expiresAt: new Date(session.expiresAtMs!).toISOString(),
  })
}
