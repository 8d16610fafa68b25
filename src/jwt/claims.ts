/**
 * JWT session claims: the claims a verified token must carry (`sid`, `sub`, `iat`, `exp`,
 * `auth_time`, `ls`, `uv`, `ep`, `gen`, `rc`, `data`) and their checks beyond what jose verifies.
 *
 * @module
 */

import type { JWTPayload } from 'jose'
import { parseJson } from '../_internal/json.js'
import { isSessionId } from '../session/ids.js'

/** The verified claims of a session token, with times in ms since the epoch. */
export interface SessionTokenClaims {
  /** `sid`. */
  readonly sessionId: string
  /** `sub`, when the session names a user. */
  readonly userId: string | undefined
  /** `data`: the session data (`__proto__` keys removed). */
  readonly data: unknown
  /** `iat`. */
  readonly issuedAtMs: number
  /** `exp`. */
  readonly expiresAtMs: number
  /** `auth_time`: when the session was created (login). */
  readonly createdAtMs: number
  /** `ls`, or `iat` when absent. */
  readonly lastSeenMs: number
  /** `uv`: the user's revocation version, with a denylist. */
  readonly userVersion: number | undefined
  /** `ep`: the global revocation epoch, with a denylist. */
  readonly epoch: number | undefined
  /** `rc`: when the session last passed a revocation check, with `recheckSeconds`. */
  readonly checkedAtMs: number | undefined
  /** `gen`: the revocation store's generation, with a denylist. */
  readonly generation: string | undefined
  /** The `kid` of the key that verified the token. */
  readonly kid: string
  /** Every verified claim, as sent. */
  readonly payload: JWTPayload
}

// A revocation store generation (cachet/denylist): a short base64url token.
const GENERATION = /^[A-Za-z0-9_-]{1,64}$/

/** The limits a token's times are checked against. */
export interface ClaimRules {
  readonly toleranceSeconds: number
  /** Longest `exp - auth_time` accepted, in seconds. */
  readonly maxLifetimeSeconds: number
  readonly nowMs: number
}

// The claims as read, before the kid and the raw payload are attached.
export type ParsedClaims = Omit<SessionTokenClaims, 'kid' | 'payload'>

const isSeconds = (value: unknown): value is number =>
  typeof value === 'number' &&
  Number.isSafeInteger(value) &&
  value >= 0 &&
  Number.isSafeInteger(value * 1000)

const isCounter = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/**
 * The session claims of a payload jose verified (signature, alg, iss, aud, typ, exp), or
 * undefined. jose accepts any number as a NumericDate; sessions need whole seconds within the
 * lifetime (`exp - auth_time`, at most `maxLifetimeSeconds`), `iat` not in the future beyond the
 * tolerance, and ordered times.
 */
export function parseClaims(payload: JWTPayload, params: ClaimRules): ParsedClaims | undefined {
  const { nowMs, toleranceSeconds, maxLifetimeSeconds } = params
  const {
    sid,
    sub,
    iat,
    exp,
    auth_time: createdAt,
    ls,
    uv,
    ep,
    rc,
    gen,
  } = payload as Record<string, unknown>
  if (!isSessionId(sid)) return undefined
  if (sub !== undefined && (typeof sub !== 'string' || sub.length === 0)) return undefined
  if (!isSeconds(iat) || !isSeconds(exp) || !isSeconds(createdAt)) return undefined
  // RFC 7519 §4.1.6: iat is when the token was issued; one from the future is forged or skewed.
  if (iat * 1000 > nowMs + toleranceSeconds * 1000) return undefined
  // A token signed with our key but for longer than the sessions' maxAge (minted elsewhere, or
  // before maxAge was lowered) would outlive the policy and a revocation's TTL (maxAge + skew).
  if (createdAt > iat || exp - createdAt > maxLifetimeSeconds) return undefined
  const lastSeen = ls === undefined ? iat : ls
  if (!isSeconds(lastSeen) || lastSeen < createdAt || lastSeen > iat) return undefined
  if ((uv !== undefined && !isCounter(uv)) || (ep !== undefined && !isCounter(ep))) return undefined
  // A check happens within the session (after the login) and before the token carrying it.
  if (rc !== undefined && (!isSeconds(rc) || rc < createdAt || rc > iat)) return undefined
  if (gen !== undefined && (typeof gen !== 'string' || !GENERATION.test(gen))) return undefined
  if (!Object.hasOwn(payload, 'data')) return undefined
  let data: unknown
  try {
    // Values from JSON.parse may hold own "__proto__" keys; drop them as the sealed cookie does.
    data = parseJson(JSON.stringify(payload.data))
  } catch {
    return undefined
  }
  return {
    sessionId: sid,
    userId: sub,
    issuedAtMs: iat * 1000,
    expiresAtMs: exp * 1000,
    createdAtMs: createdAt * 1000,
    lastSeenMs: lastSeen * 1000,
    userVersion: uv,
    epoch: ep,
    checkedAtMs: rc === undefined ? undefined : rc * 1000,
    generation: gen,
    data,
  }
}
