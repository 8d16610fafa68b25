/** What the last sign-out did, shown on the page it lands on. */
export function SignOutNotice({ signout }: { signout: string | undefined }) {
  if (signout === 'done') {
    return (
      <p className="notice" role="status" data-testid="signout-done">
        Signed out. The cookie is deleted, and its session id is on the denylist: a copy of the
        cookie taken earlier no longer works either.
      </p>
    )
  }
  if (signout === 'everywhere') {
    return (
      <p className="notice" role="status" data-testid="signout-everywhere">
        Signed out everywhere. Every session of that user, in every browser, is refused from now on
        (they read as <code>revoked</code>, reason <code>user-revoked</code>).
      </p>
    )
  }
  if (signout === 'unconfirmed') {
    return (
      <p className="notice warn" role="alert" data-testid="signout-unconfirmed">
        You are signed out in this browser, but the server could not confirm it: a copy of your
        session may still work. Sign in again later and use “Sign out everywhere”.
      </p>
    )
  }
  return null
}
