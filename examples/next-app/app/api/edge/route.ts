// Edge-runtime route handler reading the same cookie. It verifies the seal, expiry and key
// rotation, and checks revocation over HTTP when the Upstash variables are set (see
// lib/session-edge.ts).
import { getSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { edgeRevocation, edgeSessions } from '../../../lib/session-edge'

export const runtime = 'edge'

export async function GET() {
  const session = await getSession(await cookies(), edgeSessions)
  return Response.json(
    {
      runtime: 'edge',
      revocationChecked: edgeRevocation,
      state: session.state,
      userId: session.state === 'active' ? session.data.userId : null,
    },
    { headers: { 'cache-control': 'private, no-store' } }, // one user's answer (see app/api/me)
  )
}
