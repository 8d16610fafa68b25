// Server component: reads the session (and checks revocation); cannot write cookies.
import { readSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { sessions } from '../lib/session'
import { SessionState } from './session-state'

export default async function Home() {
  const session = await readSession(await cookies(), sessions)
  return (
    <main>
      <h1>cachet session</h1>
      <SessionState session={session} />
      {session.state === 'active' ? (
        <a href="/dashboard">Dashboard</a>
      ) : (
        <a href="/signin">Sign in</a>
      )}
    </main>
  )
}
