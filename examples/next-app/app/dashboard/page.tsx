// Protected page. The proxy's redirect is only an optimisation: this page verifies the cookie and
// asks the denylist itself, since a proxy can be skipped (CVE-2025-29927).
import { readSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { redirect } from 'next/navigation'
import { sessions } from '../../lib/session'
import { signOut, signOutEverywhere, updateProfile } from '../actions'
import { Nav } from '../nav'
import { SessionState } from '../session-state'

const ERRORS: Record<string, string> = {
  long: 'Not saved: a display name has 64 characters at most.',
  chars: "Not saved: use letters, digits, spaces and . _ @ ' - (starting with a letter or digit).",
}

export default async function Dashboard({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; saved?: string }>
}) {
  const session = await readSession(await cookies(), sessions)
  if (session.state !== 'active') redirect('/signin?next=/dashboard')
  const { error, saved } = await searchParams
  return (
    <main>
      <Nav active here="/dashboard" />
      <h1 data-testid="greeting">Hello, {session.data.displayName}</h1>
      <p className="intro">
        A protected page: it opens the cookie and asks the denylist itself, whatever the proxy did.
        Saving your name re-seals the cookie; signing out deletes it and revokes its id, and “sign
        out everywhere” revokes every session of this user, in every browser.
      </p>
      {error ? (
        <p className="notice warn" role="alert" data-testid="profile-error">
          {ERRORS[error] ?? ERRORS.chars}
        </p>
      ) : saved ? (
        <p className="notice" role="status" data-testid="profile-saved">
          Saved: the new name is sealed in a new cookie.
        </p>
      ) : null}
      <form action={updateProfile} className="card">
        <label>
          Display name
          <input name="displayName" defaultValue={session.data.displayName} />
        </label>
        <button type="submit" className="primary">
          Save
        </button>
      </form>
      <SessionState session={session} />
      <p>
        <a href="/devices">Devices: where you are signed in</a>
      </p>
      <form action={signOut} style={{ display: 'inline' }}>
        <button type="submit">Sign out</button>
      </form>
      <form action={signOutEverywhere} style={{ display: 'inline' }}>
        <button type="submit">Sign out everywhere</button>
      </form>
    </main>
  )
}
