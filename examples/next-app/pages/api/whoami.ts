// Pages Router API route: the same session through (req, res).
import { getApiSession } from 'cachet/next'
import type { NextApiRequest, NextApiResponse } from 'next'
import { sessions } from '../../lib/session'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const session = await getApiSession(req, res, sessions)
  res.status(200).json({
    router: 'pages',
    state: session.state,
    userId: session.state === 'active' ? session.data.userId : null,
  })
}
