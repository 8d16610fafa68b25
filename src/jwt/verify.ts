/**
 * Verification of session tokens in other services, from the issuer's JWKS (an object, its URL or
 * a jose key set), with the same rules as the issuing app and an optional denylist check.
 *
 * @module
 */

import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose'
import type { Denylist, RevocationStatus } from '../denylist/index.js'
import { checkRevocation } from '../denylist/check.js'
import {
  checkAudience,
  checkIssuer,
  checkTolerance,
  checkTyp,
  MAX_LIFETIME_SECONDS,
  optionError,
} from './config.js'
import type { SessionTokenClaims } from './claims.js'
import { isObject, ringError, type JwtPublicAlgorithm } from './keys.js'
import { verifyToken, type VerifyParams } from './token.js'

// --- Types ---

/** Why {@link verifySessionToken} refused a token. */
export type TokenRejectReason =
  /** Malformed, oversize, tampered with, wrong algorithm, `iss`, `aud` or `typ`, bad claims. */
  | 'invalid'
  /** Past `exp`. */
  | 'expired'
  /** Its `kid` names no key of the JWKS. */
  | 'unknown-key'
  /** The remote JWKS could not be fetched. */
  | 'jwks-unavailable'
  /** Revoked, when a denylist is given. */
  | Exclude<RevocationStatus, 'ok'>
  /** The denylist could not be asked (fail-closed default). */
  | 'denylist-unavailable'

/** The outcome of {@link verifySessionToken}. */
export type VerifySessionTokenResult =
  | { readonly ok: true; readonly claims: SessionTokenClaims }
  | { readonly ok: false; readonly reason: TokenRejectReason }

/** Options of {@link verifySessionToken}. */
export interface VerifySessionTokenOptions {
  /**
   * The issuer's public keys: a JWKS object (e.g. the output of {@link exportJWKS}), the URL of
   * a JWKS (fetched and cached by jose `createRemoteJWKSet`: 10-minute cache, 30-second cooldown,
   * 5-second timeout; one set per URL), or a key-set function from jose `createLocalJWKSet` /
   * `createRemoteJWKSet` with your own settings. A JWKS object is read again whenever a key id or
   * a key's RFC 7638 thumbprint members change, even in place (a compromised key replaced under
   * the same kid takes effect on the next call). A JWKS object holding a private member (`d`,
   * `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`) is refused with `ERR_KEY_RING_INVALID`.
   */
  jwks: JSONWebKeySet | URL | JWTVerifyGetKey
  /** The allowed algorithms: asymmetric only. */
  algorithms: readonly JwtPublicAlgorithm[]
  /** The expected `iss`. */
  issuer: string
  /** The token must name at least one of these in `aud`. */
  audience: string | readonly string[]
  /** The expected `typ` header. Default `'session+jwt'`. */
  typ?: string
  /** How far in the future `iat` may be, 0–300 seconds. Default 60. */
  clockToleranceSeconds?: number
  /** Longest token accepted, checked before parsing. Default 16,384 characters. */
  maxTokenLength?: number
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number
  /** Optional: check revocation in the issuer's denylist (`cachet/denylist`). */
  denylist?: Denylist
  /** With a denylist that fails: `'deny'` (default, fail closed) or `'allow'`. */
  onDenylistError?: 'deny' | 'allow'
}

// --- Constants ---

/** Default cap on the length of a token given to {@link verifySessionToken}. */
export const DEFAULT_MAX_TOKEN_LENGTH = 16_384

const PUBLIC_ALGORITHMS: readonly string[] = ['EdDSA', 'ES256', 'RS256']
const PRIVATE_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
const localSets = new WeakMap<
  object,
  { readonly signature: string; readonly get: JWTVerifyGetKey }
>()
// What identifies a JWKS's keys: per key its id, the members of its RFC 7638 §3.2 thumbprint
// (kty, crv, x, y, n, e: equal members, equal thumbprint), alg, use and whether it holds a
// private member. A key replaced in place under the same kid changes it.
const SIGNATURE_MEMBERS = ['kid', 'kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'use'] as const

function jwksSignature(keys: readonly unknown[]): string {
  return JSON.stringify(
    keys.map((key) =>
      isObject(key)
        ? [
            ...SIGNATURE_MEMBERS.map((m) => key[m]),
            PRIVATE_MEMBERS.some((m) => Object.hasOwn(key, m)),
          ]
        : null,
    ),
  )
}
const remoteSets = new Map<string, JWTVerifyGetKey>()
const MAX_REMOTE_SETS = 32

function keySetOf(jwks: unknown): { get: JWTVerifyGetKey; remote: boolean } {
  if (typeof jwks === 'function') return { get: jwks as JWTVerifyGetKey, remote: true }
  if (jwks instanceof URL) {
    if (jwks.protocol !== 'https:' && jwks.protocol !== 'http:')
      optionError('jwks URL must be http(s)')
    let set = remoteSets.get(jwks.href)
    if (!set) {
      if (remoteSets.size >= MAX_REMOTE_SETS) remoteSets.delete(remoteSets.keys().next().value!)
      set = createRemoteJWKSet(jwks)
      remoteSets.set(jwks.href, set)
    }
    return { get: set, remote: true }
  }
  if (isObject(jwks) && Array.isArray(jwks.keys)) {
    const keys: unknown[] = jwks.keys
    const cached = localSets.get(jwks)
    // jose's createLocalJWKSet copies the keys: build it again whenever a key id or a key's
    // thumbprint members changed (a JWKS refreshed in place, a compromised key replaced under the
    // same kid), so the keys in the object are the keys that verify, and are checked again.
    const signature = jwksSignature(keys)
    if (cached?.signature === signature) return { get: cached.get, remote: false }
    // RFC 7517 §5: a JWK Set to verify with holds public keys. A private member (RFC 7518 §6.2.2,
    // §6.3.2, §6.4.1, RFC 8037 §2) means a signing key or shared secret was handed to a verifier;
    // jose would import it and every token would fail as unknown-key. Refuse it loudly.
    if (keys.some((key) => isObject(key) && PRIVATE_MEMBERS.some((m) => Object.hasOwn(key, m))))
      ringError('jwks holds a private key or a secret: pass only public keys (exportJWKS)')
    let set: JWTVerifyGetKey
    try {
      set = createLocalJWKSet(jwks as unknown as JSONWebKeySet)
    } catch (cause) {
      ringError('jwks is not a valid JWK Set', cause)
    }
    localSets.set(jwks, { signature, get: set })
    return { get: set, remote: false }
  }
  return optionError('jwks must be a JWK Set, its URL, or a jose key set function')
}

function checkVerifyOptions(
  options: VerifySessionTokenOptions,
): VerifyParams & { keySet: ReturnType<typeof keySetOf> } {
  if (!isObject(options)) optionError('verifySessionToken needs an options object')
  const { algorithms } = options
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    algorithms.some((a) => !PUBLIC_ALGORITHMS.includes(a))
  ) {
    optionError('algorithms must list EdDSA, ES256 or RS256 (asymmetric only)')
  }
  for (const hook of ['now'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function')
      optionError(`${hook} must be a function`)
  }
  const maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH
  if (!Number.isSafeInteger(maxTokenLength) || maxTokenLength < 64 || maxTokenLength > 1_048_576) {
    optionError('maxTokenLength must be an integer from 64 to 1048576')
  }
  const onDenylistError = options.onDenylistError ?? 'deny'
  if (onDenylistError !== 'deny' && onDenylistError !== 'allow')
    optionError("onDenylistError must be 'deny' or 'allow'")
  if (options.denylist !== undefined && typeof options.denylist?.check !== 'function')
    optionError('denylist must implement Denylist')
  return {
    algorithms,
    issuer: checkIssuer(options.issuer),
    audience: checkAudience(options.audience),
    typ: checkTyp(options.typ),
    toleranceSeconds: checkTolerance(options.clockToleranceSeconds),
    maxTokenLength,
    maxLifetimeSeconds: MAX_LIFETIME_SECONDS,
    nowMs: (options.now ?? Date.now)(),
    keySet: keySetOf(options.jwks),
  }
}

/**
 * Verifies a session token in a service that holds only the issuer's public keys (a JWKS), with
 * the same rules as the issuing app: a fixed algorithm allowlist, keys only from the JWKS (never
 * from the token's `jwk`, `jku`, `x5u` or `x5c` headers; a token must carry a `kid`), `iss`,
 * `aud`, `typ`, `exp`, `iat` and `sid` checked, the length capped before parsing. Optionally
 * checks the issuer's denylist. Never throws for a bad token.
 *
 * @param token The token, e.g. from `Authorization: Bearer <token>`.
 * @param options The JWKS (object, URL or jose key set), allowed algorithms, issuer, audience.
 * @returns `{ ok: true, claims }` or `{ ok: false, reason }`.
 * @throws `ERR_SESSION_OPTIONS` for bad options (an HS256 or empty allowlist, a missing issuer or
 *   audience, a JWKS of the wrong shape); `ERR_KEY_RING_INVALID` for a malformed JWKS object or one
 *   holding a private key or secret.
 * @example
 * ```ts
 * const JWKS_URL = new URL('https://app.example.com/.well-known/jwks.json')
 * const result = await verifySessionToken(token, {
 *   jwks: JWKS_URL,
 *   algorithms: ['EdDSA'],
 *   issuer: 'https://app.example.com',
 *   audience: 'https://api.example.com',
 * })
 * if (!result.ok) return new Response(null, { status: 401 })
 * console.log(result.claims.userId, result.claims.data)
 * ```
 */
export async function verifySessionToken(
  token: string,
  options: VerifySessionTokenOptions,
): Promise<VerifySessionTokenResult> {
  const { keySet, ...params } = checkVerifyOptions(options)
  const outcome = await verifyToken(token, params, async (_kid, header, jws) => {
    try {
      return (await keySet.get(header, jws)) as CryptoKey
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      if (code === 'ERR_JWKS_NO_MATCHING_KEY') return 'unknown'
      if (
        !keySet.remote ||
        code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ||
        code === 'ERR_JOSE_NOT_SUPPORTED'
      ) {
        return 'unknown'
      }
      throw error
    }
  })
  if (!outcome.ok) return outcome
  const { claims, kid, payload } = outcome
  const denylist = options.denylist
  if (denylist) {
    const { status, allowed } = await checkRevocation(
      denylist,
      claims,
      options.onDenylistError ?? 'deny',
    )
    if (!allowed) return { ok: false, reason: status as Exclude<typeof status, 'ok'> }
  }
  return { ok: true, claims: { ...claims, kid, payload } }
}
