// Options of other session libraries, passed to createSessions by someone switching to cachet.
// TypeScript catches them in typed code; plain JavaScript (and `as any`) would silently ignore
// them, so they fail at construction with the cachet option to use instead.
import { SessionError } from '../errors.js'

// iron-session 8 (getIronSession / sealData options) → cachet.
const FOREIGN: Readonly<Record<string, string>> = {
  password:
    "cachet takes `keys` (a secret or { current, keys }) instead of iron-session's `password`",
  cookieName: "cachet takes `cookie: { name }` instead of iron-session's `cookieName`",
  cookieOptions: "cachet takes `cookie: { ... }` instead of iron-session's `cookieOptions`",
  ttl: "cachet takes `maxAgeSeconds` instead of iron-session's `ttl`",
}

/** Throws when `options` uses another library's option names (checked before `keys`). */
export function refuseForeignOptions(options: object): void {
  const record = options as Record<string, unknown>
  if (record.keys === undefined && record.password !== undefined) {
    throw new SessionError('ERR_KEY_MISSING', `keys is undefined: ${FOREIGN.password}`)
  }
  for (const name of Object.keys(FOREIGN)) {
    if (Object.hasOwn(record, name)) {
      throw new SessionError('ERR_SESSION_OPTIONS', `unknown option \`${name}\`: ${FOREIGN[name]}`)
    }
  }
}
