/**
 * JWT sessions: the same sessions as the sealed cookie (lifetimes, rolling refresh, key rotation,
 * revocation), encoded as a signed JWT (JWS compact serialization, RFC 7515/7519) with `jose`, so
 * that other services can verify them from a JWKS without sharing a secret.
 *
 * - {@link jwtStrategy} plugs into `createSessions({ strategy })`.
 * - {@link exportJWKS} serves the public keys (`/.well-known/jwks.json`).
 * - {@link verifySessionToken} verifies a token in another service from a JWKS or its URL.
 *
 * A JWT is signed, not encrypted: anyone holding the token reads its claims and data. Put in the
 * session only what the client and every verifier may see; use the sealed cookie otherwise.
 *
 * Claims: `iss`, `aud`, `sub` (user id), `sid` (session id), `iat`, `exp`, `auth_time` (session
 * creation), `ls` (last seen, only when it differs from `iat`), `uv`/`ep`/`gen` (revocation user
 * version, epoch and store generation, with a denylist), `rc` (last revocation check, with
 * `recheckSeconds`) and `data` (the session data). Header: `alg`, `kid`, `typ`.
 * Times are NumericDates (RFC 7519 §2): whole seconds, so a JWT session ends up to one second
 * before the millisecond the sealed cookie would.
 *
 * This file is the public front of `cachet/jwt`: keys (`keys.ts`), configuration (`config.ts`),
 * claims (`claims.ts`), token verification (`token.ts`), the strategy (`strategy.ts`), the JWKS
 * export (`jwks.ts`) and verification in other services (`verify.ts`).
 *
 * @module
 */

export { DEFAULT_JWT_TYP } from './config.js'
export { exportJWKS } from './jwks.js'
export { jwtStrategy } from './strategy.js'
export { DEFAULT_MAX_TOKEN_LENGTH, verifySessionToken } from './verify.js'

export type { SessionTokenClaims } from './claims.js'
export type { JwtStrategyOptions } from './config.js'
export type { JwtAlgorithm, JwtKey, JwtKeyRingOptions, JwtPublicAlgorithm } from './keys.js'
export type { JwtStrategy } from './strategy.js'
export type {
  TokenRejectReason,
  VerifySessionTokenOptions,
  VerifySessionTokenResult,
} from './verify.js'
