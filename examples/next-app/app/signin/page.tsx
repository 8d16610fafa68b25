import { DEMO_PASSWORD } from '../../lib/config'
import { signIn } from '../actions'

export default async function SignIn({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; next?: string }>
}) {
  const { error, next } = await searchParams
  return (
    <main>
      <h1>Sign in</h1>
      {error ? <p role="alert">Wrong user name or password.</p> : null}
      <form action={signIn}>
        <input type="hidden" name="next" value={next ?? '/dashboard'} />
        <p>
          <label>
            User name <input name="user" required autoComplete="username" />
          </label>
        </p>
        <p>
          <label>
            Password{' '}
            <input name="password" type="password" required autoComplete="current-password" />
          </label>{' '}
          <small>(any user name; the password is “{DEMO_PASSWORD}”)</small>
        </p>
        <button type="submit">Sign in</button>
      </form>
    </main>
  )
}
