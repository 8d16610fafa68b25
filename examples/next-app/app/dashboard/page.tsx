// Protected page. The proxy's redirect is only an optimisation: this page verifies the cookie and
// asks the denylist itself, since a proxy can be skipped (CVE-2025-29927).
import { readSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { redirect } from 'next/navigation'
import { sessions } from '../../lib/session'
import { signOut, signOutEverywhere, updateProfile } from '../actions'
import { SessionState } from '../session-state'

export default async function Dashboard() {
  const session = await readSession(await cookies(), sessions)
  if (session.state !== 'active') redirect('/signin?next=/dashboard')
  return (
    <main>
      <h1 data-testid="greeting">Hello, {session.data.displayName}</h1>
      <SessionState session={session} />
      <form action={updateProfile}>
        <label>
          Display name <input name="displayName" defaultValue={session.data.displayName} />
        </label>{' '}
        <button type="submit">Save</button>
      </form>
      <p>
        <a href="/devices">Devices: where you are signed in</a>
      </p>
      <form action={signOut} style={{ display: 'inline' }}>
        <button type="submit">Sign out</button>
      </form>{' '}
      <form action={signOutEverywhere} style={{ display: 'inline' }}>
        <button type="submit">Sign out everywhere</button>
      </form>
    </main>
  )
}
