// Server components should use readSession, which has no write methods. This page calls
// getSession and save() anyway, to show what Next's refusal becomes: a typed ERR_READ_ONLY.
import { isSessionError } from 'cachet'
import { getSession } from 'cachet/next'
import { cookies } from 'next/headers'
import { sessions } from '../../lib/session'

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
      <h1>Saving in a server component</h1>
      <p data-testid="outcome">{outcome}</p>
    </main>
  )
}
