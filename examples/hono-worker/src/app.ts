import { Hono } from 'hono'
import { createSessions } from 'cachet'
import { sessionMiddleware } from 'cachet/hono'

export type Data = { userId: string }

/** The app: sign in, read, sign out. `secret` comes from the platform's environment. */
export function createApp(secret: string) {
  const sessions = createSessions<Data>({ keys: secret, idleTimeoutSeconds: 30 * 60 })
  return new Hono()
    .use(sessionMiddleware(sessions))
    .post('/login', async (c) => {
      const session = c.get('session')
      const form = await c.req.formData()
      await session.regenerate() // new id at login (session fixation)
      await session.save({ userId: String(form.get('user') ?? 'u1') })
      return c.redirect('/me', 303)
    })
    .post('/logout', async (c) => {
      await c.get('session').destroy()
      return c.text('signed out')
    })
    .get('/me', (c) => {
      const session = c.get('session')
      if (session.state !== 'active') return c.json({ state: session.state }, 401)
      return c.json({ userId: session.data.userId, backend: sessions.backend }) // typed: Data
    })
}
