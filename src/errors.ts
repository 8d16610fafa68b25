/**
 * The one error class cachet throws, with a stable `code` for every failure.
 *
 * Messages never contain keys, tokens, cookie values or session data: they name the option or the
 * rule that failed. Assert on `code`, never on `message`.
 *
 * @module
 */

/** Every code a {@link SessionError} can carry. */
export type SessionErrorCode =
  /** A sealed value is malformed, truncated, tampered with, or sealed for another purpose. */
  | 'ERR_SEAL_INVALID'
  /** A sealed value authenticated but its embedded expiry has passed. */
  | 'ERR_SEAL_EXPIRED'
  /** A sealed value names a key id that the key ring does not hold. */
  | 'ERR_KEY_UNKNOWN'
  /**
   * No secret at all: `keys` (or one key of the ring) is `undefined` or `null`, which is what an
   * unset environment variable gives. Make one with `npx cachet secret`.
   */
  | 'ERR_KEY_MISSING'
  /** A secret is too short, empty, ill-typed or of too little variety. */
  | 'ERR_KEY_WEAK'
  /** The key ring configuration is wrong: duplicate secrets, unknown `current`, bad key id. */
  | 'ERR_KEY_RING_INVALID'
  /** Data handed to `seal` cannot round-trip through JSON exactly (BigInt, Map, NaN, cycle, Date…). */
  | 'ERR_DATA_UNSERIALIZABLE'
  /** A cookie option breaks a rule of RFC 6265bis (prefixes, grammar, Max-Age cap, SameSite=None). */
  | 'ERR_COOKIE_OPTIONS'
  /** The serialized session cookie exceeds the size limit (after chunking, if enabled). */
  | 'ERR_COOKIE_TOO_LARGE'
  /**
   * An option or argument is invalid. Thrown by `createSessions` (lifetimes, hooks, schema,
   * strategy, backend) and `sessions.revoke*()` (no denylist, bad id); `seal`/`unseal` (purpose,
   * lifetime, backend); `cachet/jwt` (`jwtStrategy`, `exportJWKS`, `verifySessionToken`);
   * `cachet/csrf` (`createCsrf`); `cachet/express` (`sessionMiddleware`, `csrfMiddleware`).
   */
  | 'ERR_SESSION_OPTIONS'
  /** A session was used after `destroy()`, or in a way its state forbids. */
  | 'ERR_SESSION_STATE'
  /** The data given to `save()` failed the configured schema. */
  | 'ERR_SESSION_DATA'
  /** A login was refused: the user has `devices.maxSessionsPerUser` sessions (`onLimit: 'refuse-new'`). */
  | 'ERR_SESSION_LIMIT'
  /** A cookie write was attempted where the framework forbids it (e.g. a React Server Component). */
  | 'ERR_READ_ONLY'
  /** The revocation store did not confirm a write (Redis down, slow, or answering garbage). */
  | 'ERR_DENYLIST_UNAVAILABLE'
  /** A denylist option or argument is invalid. */
  | 'ERR_DENYLIST_OPTIONS'

/**
 * Thrown by cachet for developer misuse and by the low-level `unseal` for bad input. The session
 * layer never lets a `SessionError` from client input escape: it turns it into an anonymous
 * session with a reason.
 *
 * @example
 * ```ts
 * try {
 *   createKeyRing('short')
 * } catch (error) {
 *   if (error instanceof SessionError && error.code === 'ERR_KEY_WEAK') console.error(error.message)
 * }
 * ```
 */
export class SessionError extends Error {
  /** A stable, machine-readable code. */
  readonly code: SessionErrorCode
  /**
   * `ERR_DATA_UNSERIALIZABLE`: where in the data the offending value is (`user.createdAt`,
   * `items[2]`; keys that are not identifiers, which may be data, show as `[…]`). Never the value.
   */
  readonly path?: string
  /** `ERR_SESSION_DATA`: the schema's issues, as messages and key paths, without the data's values. */
  readonly issues?: readonly SessionIssue[]

  constructor(code: SessionErrorCode, message: string, options?: SessionErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SessionError'
    this.code = code
    if (options?.path !== undefined) this.path = options.path
    if (options?.issues !== undefined) this.issues = options.issues
  }
}

/** One schema issue carried by an `ERR_SESSION_DATA` error. */
export interface SessionIssue {
  /** The schema's message for the issue. */
  readonly message: string
  /** The keys leading to the offending value (`['user', 'email']`); empty at the top level. */
  readonly path: readonly (string | number)[]
}

/** Options of the {@link SessionError} constructor. */
export interface SessionErrorOptions {
  cause?: unknown
  path?: string | undefined
  issues?: readonly SessionIssue[] | undefined
}

/** True when `error` is a {@link SessionError}, optionally with the given code. */
export function isSessionError(error: unknown, code?: SessionErrorCode): error is SessionError {
  return error instanceof SessionError && (code === undefined || error.code === code)
}
