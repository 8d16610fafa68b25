/**
 * JWT configuration: the options of {@link jwtStrategy}, checked once, eagerly, into a frozen
 * configuration (algorithm, key specs, issuer, audience, `typ`, clock tolerance, Bearer), plus
 * the issuer / audience / `typ` / tolerance checks that `verifySessionToken` shares.
 *
 * @module
 */

import { MAX_COOKIE_AGE_SECONDS } from '../cookie.js'
import { SessionError } from '../errors.js'
import {
  ALGORITHMS,
  KID,
  isObject,
  keySpec,
  ringError,
  type JwtAlgorithm,
  type JwtKeyRingOptions,
  type KeySpec,
} from './keys.js'

// --- Types ---

/** Options of {@link jwtStrategy}. */
export interface JwtStrategyOptions {
  /** The one algorithm tokens are signed and verified with (the allowlist is exactly this). */
  algorithm: JwtAlgorithm
  /** Keys by id, with the current (signing) key named. */
  keys: JwtKeyRingOptions
  /** `iss` of minted tokens; tokens with another `iss` are rejected. */
  issuer: string
  /** `aud` of minted tokens; a token must name at least one of these. */
  audience: string | readonly string[]
  /** The `typ` header (RFC 8725 §3.11 explicit typing). Default `'session+jwt'`. */
  typ?: string
  /**
   * How far in the future `iat` may be (clocks of instances differ), 0–300 seconds. Default 60.
   * Expiry is exact, as with the sealed cookie: no tolerance extends a session's lifetime.
   */
  clockToleranceSeconds?: number
  /**
   * Also read `Authorization: Bearer <token>` when the request carries no session cookie (the
   * cookie decides when present). Never read from a query string. Default `false`.
   */
  bearer?: boolean
}

/**

// --- Constants ---

/** The default `typ` header of session tokens. */
export const DEFAULT_JWT_TYP = 'session+jwt'
// RFC 6838 §4.2 restricted-name, optionally with a subtype (RFC 7515 §4.1.9 allows both forms).
export const TYP =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})?$/
// A session lives at most 400 days (RFC 6265bis §5.6.2 cap, kept for JWTs); +1 s for rounding.
export const MAX_LIFETIME_SECONDS = MAX_COOKIE_AGE_SECONDS + 1
const MAX_TOLERANCE_SECONDS = 300
const DEFAULT_TOLERANCE_SECONDS = 60

export function optionError(message: string): never {
  throw new SessionError('ERR_SESSION_OPTIONS', message)
}

export interface Config {
  readonly algorithm: JwtAlgorithm
  readonly current: string
  readonly specs: ReadonlyMap<string, KeySpec>
  readonly issuer: string
  readonly audience: readonly string[]
  /** `aud` as minted: a string for one audience (RFC 7519 §4.1.3). */
  readonly audienceClaim: string | readonly string[]
  readonly typ: string
  readonly toleranceSeconds: number
  readonly bearer: boolean
}

export function checkIssuer(issuer: unknown): string {
  if (typeof issuer !== 'string' || issuer.length === 0 || issuer.length > 1024) {
    optionError('issuer must be a non-empty string (at most 1024 characters)')
  }
  return issuer
}

export function checkAudience(audience: unknown): readonly string[] {
  const list: unknown[] =
    typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : []
  if (
    list.length === 0 ||
    list.length > 32 ||
    list.some((a) => typeof a !== 'string' || a.length === 0 || a.length > 1024)
  ) {
    optionError('audience must be a non-empty string or a list of 1-32 non-empty strings')
  }
  return Object.freeze([...(list as string[])])
}

export function checkTyp(typ: unknown): string {
  const value = typ ?? DEFAULT_JWT_TYP
  if (typeof value !== 'string' || !TYP.test(value) || value.toLowerCase() === 'jwt') {
    // Plain "JWT" would make any JWT of this issuer pass as a session (RFC 8725 §3.11).
    optionError('typ must be a media type such as "session+jwt" (not plain "JWT")')
  }
  return value
}

export function checkTolerance(value: unknown): number {
  const seconds = value ?? DEFAULT_TOLERANCE_SECONDS
  if (
    typeof seconds !== 'number' ||
    !Number.isFinite(seconds) ||
    seconds < 0 ||
    seconds > MAX_TOLERANCE_SECONDS
  ) {
    optionError('clockToleranceSeconds must be a number from 0 to 300')
  }
  return seconds
}

export function checkConfig(options: JwtStrategyOptions): Config {
  if (!isObject(options)) optionError('jwtStrategy needs an options object')
  const { algorithm, keys } = options
  if (typeof algorithm !== 'string' || !ALGORITHMS.includes(algorithm)) {
    optionError('algorithm must be one of EdDSA, ES256, RS256, HS256')
  }
  const issuer = checkIssuer(options.issuer)
  const audience = checkAudience(options.audience)
  const typ = checkTyp(options.typ)
  const toleranceSeconds = checkTolerance(options.clockToleranceSeconds)
  const bearer = options.bearer ?? false
  if (typeof bearer !== 'boolean') optionError('bearer must be a boolean')
  if (!isObject(keys) || !isObject(keys.keys))
    ringError('keys must be { current, keys: { kid: key } }')
  const entries = Object.entries(keys.keys)
  if (entries.length === 0) ringError('keys.keys needs at least one key')
  const { current } = keys
  if (typeof current !== 'string' || !Object.hasOwn(keys.keys, current))
    ringError('keys.current must name one of keys.keys')
  // A Map, never a plain object: a kid from a token ("__proto__", "constructor") must not reach
  // Object.prototype.
  const specs = new Map<string, KeySpec>()
  const fingerprints = new Set<string>()
  for (const [kid, input] of entries) {
    if (!KID.test(kid)) ringError('a key id must be 1-64 characters of [A-Za-z0-9._~-]')
    const spec = keySpec(kid, input, algorithm)
    if (kid === current && !spec.canSign)
      ringError(`key "${kid}": the current key must be able to sign (a private key)`)
    if (spec.fingerprint !== undefined) {
      if (fingerprints.has(spec.fingerprint))
        ringError(`key "${kid}": the same key is used under two ids`)
      fingerprints.add(spec.fingerprint)
    }
    specs.set(kid, spec)
  }
  return {
    algorithm,
    current,
    specs,
    issuer,
    audience,
    audienceClaim: audience.length === 1 ? audience[0]! : audience,
    typ,
    toleranceSeconds,
    bearer,
  }
}
