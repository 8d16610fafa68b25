// Refusal of option names a function does not know (issue 10 item 11, issue 12 item 6): a
// misspelt or foreign option (express-session's `secret`, `rolling`, `store`; iron-session's
// `password`, `cookieName`, `ttl`…) must fail at construction instead of being silently ignored.
// The error names the option and, when there is one, the cachet option to use instead.
import { SessionError } from '../errors.js'

/**
 * The one table of other libraries' option names (iron-session 8, express-session) and the
 * `createSessions` option that does their job.
 */
export const COUNTERPARTS: Readonly<Record<string, string>> = {
  password: "`keys` (a secret or { current, keys }) instead of iron-session's `password`",
  secret: "`keys` instead of express-session's `secret`",
  cookieName: "`cookie: { name }` instead of iron-session's `cookieName`",
  name: "`cookie: { name }` instead of express-session's `name`",
  cookieOptions: "`cookie: { ... }` instead of iron-session's `cookieOptions`",
  ttl: "`maxAgeSeconds` instead of iron-session's `ttl`",
  maxAge: '`maxAgeSeconds`',
  store: '`denylist` (revocation; the data lives in the cookie)',
  rolling: '`refreshAfterSeconds` with `idleTimeoutSeconds`',
  genid: "session({ genid }) from 'cachet/express'",
  saveUninitialized: "session({ saveUninitialized }) from 'cachet/express'",
  resave: "session() from 'cachet/express' (there is no store to re-save)",
  unset: "session({ unset }) from 'cachet/express'",
  proxy: "session({ proxy }) from 'cachet/express'",
}

/**
 * Throws `ERR_SESSION_OPTIONS` for the first own key of `options` that `known` does not hold.
 *
 * @param where The function's name, for the message (`createSessions`).
 * @param counterparts Option name → what to use instead. Default: {@link COUNTERPARTS}.
 */
export function refuseUnknownOptions(
  where: string,
  options: object,
  known: ReadonlySet<string>,
  counterparts: Readonly<Record<string, string>> = COUNTERPARTS,
): void {
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue
    const instead = Object.hasOwn(counterparts, name) ? counterparts[name] : undefined
    // The name is the developer's own code, never client input or a secret: safe to show, but
    // cut to keep a hostile-looking key from flooding a log line.
    const shown = JSON.stringify(name.slice(0, 64))
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      `${where}: unknown option ${shown}` + (instead ? `; use ${instead}` : ''),
    )
  }
}

/**
 * `keys` missing while another library's secret option is set (`password`, `secret`): the
 * migration slip, reported as `ERR_KEY_MISSING` with the option to use (checked before `keys`).
 */
export function refuseForeignSecret(options: object): void {
  const record = options as Record<string, unknown>
  if (record.keys !== undefined) return
  for (const name of ['password', 'secret']) {
    if (record[name] !== undefined)
      throw new SessionError('ERR_KEY_MISSING', `keys is undefined: use ${COUNTERPARTS[name]}`)
  }
}
