// Plain-language meaning of each `session.reason`, for the demo's pages.
export const REASONS: Record<string, string> = {
  invalid: 'the cookie did not authenticate: changed, truncated or sealed by someone else',
  'invalid-chunks': 'the cookie was split in parts that do not fit together',
  'unknown-key': 'the cookie was sealed with a key this server no longer holds',
  expired: 'the session reached its absolute lifetime',
  'idle-timeout': 'the session was not used for too long',
  schema: 'the data in the cookie does not match the schema',
  'session-revoked': 'this session was signed out on the server',
  'user-revoked': 'every session of this user was signed out ("sign out everywhere")',
  'epoch-revoked': 'every session was revoked at once',
  'denylist-unavailable': 'the revocation store did not answer, so the session is refused',
  ambiguous: 'two different valid cookies were sent under one name',
}
