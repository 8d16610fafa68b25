import { DEMO_PASSWORD } from '../../lib/config'
import { signIn } from '../actions'
import { Nav } from '../nav'
import { SignOutNotice } from '../signout-notice'

const ERRORS: Record<string, string> = {
  '1': 'Wrong password: it is “cachet” for every name.',
  long: 'That name is too long: 64 characters at most.',
  chars: "Names may use letters, digits, spaces and . _ @ ' - (starting with a letter or digit).",
}

export default async function SignIn({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; next?: string; signout?: string }>
}) {
  const { error, next, signout } = await searchParams
  return (
    <main>
      <Nav active={false} here="/signin" />
      <h1>Sign in</h1>
      <p className="intro">
        Any name works with the password “{DEMO_PASSWORD}”: the demo is about the session, not the
        users. Signing in gives you a fresh session id (no session fixation) and seals your name
        into the cookie.
      </p>
      <SignOutNotice signout={signout} />
      {error ? (
        <p className="notice warn" role="alert" data-testid="signin-error">
          {ERRORS[error] ?? ERRORS['1']}
        </p>
      ) : null}
      <form action={signIn} className="card">
        <input type="hidden" name="next" value={next ?? '/dashboard'} />
        <label>
          Name <span className="note">(letters, digits, spaces and . _ @ &apos; -; up to 64)</span>
          <input name="user" required autoComplete="username" />
        </label>
        <label>
          Password
          <input name="password" type="password" required autoComplete="current-password" />
        </label>
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  )
}
