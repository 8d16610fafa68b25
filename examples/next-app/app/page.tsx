// Server component: reads the session (and checks revocation); cannot write cookies.
import { readSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { sessions } from '../lib/session'
import { Nav } from './nav'
import { SessionState } from './session-state'
import { SignOutNotice } from './signout-notice'

export default async function Home({
  searchParams,
}: {
  searchParams: Promise<{ signout?: string; tampered?: string }>
}) {
  const session = await readSession(await cookies(), sessions)
  const { signout, tampered } = await searchParams
  const active = session.state === 'active'
  return (
    <main>
      <Nav active={active} here="/" />
      <h1>Your session, as cachet sees it</h1>
      <p className="intro">
        cachet keeps the whole session in one cookie, encrypted with XAES-256-GCM: no session store,
        nothing to look up per request. Only this server&apos;s key opens it, so a cookie that was
        changed, cut short or sealed elsewhere is refused, and the page below says why. Signing out
        adds the session to a denylist, so even a copy of the cookie stops working.
      </p>
      <SignOutNotice signout={signout} />
      {tampered && !active ? (
        <p className="notice warn" role="status" data-testid="tampered">
          One character of the cookie was changed. cachet refused it (state{' '}
          <code>{session.state}</code>, reason <code>{session.reason ?? '—'}</code>) and the
          response deleted it.
        </p>
      ) : null}
      <SessionState session={session} />
      {active ? (
        <>
          <p>
            <a href="/dashboard">Go to the dashboard</a> to change your name or sign out.
          </p>
          <form method="post" action="/api/tamper">
            <button type="submit">Tamper with my cookie</button>{' '}
            <span className="note">
              changes one character of the sealed value, as an attacker might
            </span>
          </form>
        </>
      ) : (
        <p>
          <a href="/signin">Sign in</a> with any name to start a session.
        </p>
      )}
    </main>
  )
}
