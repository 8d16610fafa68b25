/**
 * Verification of one compact JWS with caller-supplied keys: the core shared by the strategy
 * (configured keys) and `verifySessionToken` (a JWKS). Never throws.
 *
 * @module
 */

import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { fromBase64url } from '../_internal/bytes.js'
import { parseClaims, type ClaimRules, type ParsedClaims } from './claims.js'

// RFC 7515 §7.1: three base64url segments; an empty signature is refused here already.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

export type VerifyOutcome =
  | {
      readonly ok: true
      readonly claims: ParsedClaims
      readonly kid: string
      readonly payload: JWTPayload
    }
  | {
      readonly ok: false
      readonly reason: 'invalid' | 'expired' | 'unknown-key' | 'jwks-unavailable'
    }

export interface VerifyParams extends ClaimRules {
  readonly algorithms: readonly string[]
  readonly issuer: string
  readonly audience: readonly string[]
  readonly typ: string
  readonly maxTokenLength: number
}

export const INVALID = { ok: false, reason: 'invalid' } as const

/**
 * Verifies a compact JWS with keys from `resolve` only. Never throws. `resolve` gets the `kid`
 * (a string, any content) and returns a key, `'unknown'`, or throws for an unavailable key set.
 */
export async function verifyToken(
  token: unknown,
  params: VerifyParams,
  resolve: (
    kid: string,
    header: Parameters<JWTVerifyGetKey>[0],
    jws: Parameters<JWTVerifyGetKey>[1],
  ) => Promise<CryptoKey | 'unknown'>,
): Promise<VerifyOutcome> {
  // Size and shape before any parsing; the signature must be canonical base64url (RFC 4648 §3.5)
  // so that one signature has one encoding.
  if (typeof token !== 'string' || token.length > params.maxTokenLength || !COMPACT_JWS.test(token))
    return INVALID
  if (!fromBase64url(token.slice(token.lastIndexOf('.') + 1))) return INVALID
  let failure: 'unknown-key' | 'jwks-unavailable' | undefined
  let usedKid = ''
  try {
    const { payload } = await jwtVerify(
      token,
      async (header, jws) => {
        // Keys come from configuration only: jwk, jku, x5u and x5c headers are never read; kid
        // only selects among configured keys.
        const kid = header.kid
        if (typeof kid !== 'string') throw new Error('no kid')
        let key: CryptoKey | 'unknown'
        try {
          key = await resolve(kid, header, jws)
        } catch (error) {
          failure = 'jwks-unavailable'
          throw error
        }
        if (key === 'unknown') {
          failure = 'unknown-key'
          throw new Error('unknown kid')
        }
        usedKid = kid
        return key
      },
      {
        // One fixed allowlist: never "none", never an HMAC alg against a public key.
        algorithms: [...params.algorithms],
        issuer: params.issuer,
        audience: [...params.audience],
        typ: params.typ,
        requiredClaims: ['exp', 'iat', 'sid'],
        currentDate: new Date(params.nowMs),
        // Expiry is exact (no tolerance); iat in the future is checked in parseClaims.
        clockTolerance: 0,
      },
    )
    const claims = parseClaims(payload, params)
    return claims ? { ok: true, claims, kid: usedKid, payload } : INVALID
  } catch (error) {
    if (failure !== undefined) return { ok: false, reason: failure }
    // jose raises JWTExpired only after the signature verified: an attacker cannot pick this reason.
    if ((error as { code?: unknown } | null)?.code === 'ERR_JWT_EXPIRED')
      return { ok: false, reason: 'expired' }
    return INVALID
  }
}
