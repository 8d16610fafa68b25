// Server components should use readSession, which has no write methods. This page calls
// getSession and save() anyway, to show what Next's refusal becomes: a typed ERR_READ_ONLY.
import { isSessionError } from 'cachet'
import { getSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { sessions } from '../../lib/session'
import { Nav } from '../nav'

export default async function ReadOnly() {
  const session = await getSession(await cookies(), sessions)
  let outcome = 'saved'
  try {
    await session.save()
  } catch (error) {
    outcome = isSessionError(error) ? `${error.code}: ${error.message}` : 'unexpected error'
  }
  return (
    <main>
      <Nav active={session.state === 'active'} here="/read-only" />
      <h1>Saving in a server component</h1>
      <p className="intro" data-testid="why-read-only">
        This page fails on purpose. A server component renders while the response is already
        streaming, so Next.js does not let it set cookies. Pages should read with{' '}
        <code>readSession</code>, which has no <code>save()</code> at all; this one calls{' '}
        <code>getSession(…).save()</code> anyway, and cachet turns Next&apos;s refusal into a typed
        error before anything changes. Writes belong in server actions, route handlers or the proxy.
      </p>
      <div className="card">
        <p className="note">What the call threw:</p>
        <p data-testid="outcome">
          <code>{outcome}</code>
        </p>
      </div>
    </main>
  )
}
