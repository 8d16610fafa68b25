/**
 * The JWT session strategy: mints and verifies session tokens for `createSessions({ strategy })`,
 * re-signing tokens of retired keys with the current one.
 *
 * @module
 */

import { CompactSign } from 'jose'
import type {
  DecodeResult,
  SessionEnvelope,
  SessionStrategy,
  StrategyContext,
} from '../session/strategy.js'
import { stringifyJson } from '../_internal/json.js'
import { utf8 } from '../_internal/bytes.js'
import {
  checkConfig,
  MAX_LIFETIME_SECONDS,
  type Config,
  type JwtStrategyOptions,
} from './config.js'
import { loadKeys, type JwtAlgorithm, type LoadedKey } from './keys.js'
import { INVALID, verifyToken, type VerifyParams } from './token.js'

/**
 * A JWT strategy: pass it as `strategy` to `createSessions`. It also carries a `ready` promise
 * that settles when every key is imported.
 */
export interface JwtStrategy {
  /** The factory `createSessions` calls. */
  (context: StrategyContext): SessionStrategy
  /** The signing algorithm. */
  readonly algorithm: JwtAlgorithm
  /** The key id that signs. */
  readonly currentKid: string
  /** Whether `Authorization: Bearer` is read. */
  readonly bearer: boolean
  /**
   * Imports every key (once) and resolves, or rejects with `ERR_KEY_RING_INVALID` /
   * `ERR_KEY_WEAK` when a key that passed the synchronous checks fails to import (for instance a
   * PEM of another key type). Await it at startup to fail before the first request.
   */
  readonly ready: Promise<void>
}

export interface StrategyState {
  readonly config: Config
  readonly load: () => Promise<ReadonlyMap<string, LoadedKey>>
}

const STRATEGIES = new WeakMap<object, StrategyState>()

/** The configuration and key loader behind a strategy from {@link jwtStrategy}, if it is one. */
export function strategyState(strategy: unknown): StrategyState | undefined {
  return typeof strategy === 'function' ? STRATEGIES.get(strategy) : undefined
}

function claimsOf(
  config: Config,
  {
    envelope,
    expiresAtMs,
    nowMs,
  }: { envelope: SessionEnvelope; expiresAtMs: number; nowMs: number },
): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000)
  const lastSeen = Math.floor(envelope.lastSeenMs / 1000)
  const claims: Record<string, unknown> = { iss: config.issuer, aud: config.audienceClaim }
  if (envelope.userId !== undefined) claims.sub = envelope.userId
  claims.sid = envelope.sessionId
  claims.iat = iat
  claims.exp = Math.floor(expiresAtMs / 1000)
  // OIDC Core §2: auth_time is when the user authenticated, i.e. the session's creation.
  claims.auth_time = Math.floor(envelope.createdAtMs / 1000)
  if (lastSeen !== iat) claims.ls = lastSeen
  if (envelope.userVersion !== undefined) claims.uv = envelope.userVersion
  if (envelope.epoch !== undefined) claims.ep = envelope.epoch
  // Whole seconds, rounded down: the window then ends early, never late.
  if (envelope.checkedAtMs !== undefined) claims.rc = Math.floor(envelope.checkedAtMs / 1000)
  if (envelope.generation !== undefined) claims.gen = envelope.generation
  claims.data = envelope.data
  return claims
}

/**
 * Creates a JWT session strategy for `createSessions({ strategy })`. Every option and every key is
 * checked here, synchronously; keys are imported (asynchronously, once) on first use or when
 * `ready` is awaited.
 *
 * Tokens are read from the session cookie and, with `bearer: true`, from
 * `Authorization: Bearer` when no session cookie is present. A token verified with a key other
 * than `current` is re-signed with `current` (rotation). Revocation with a denylist is keyed by
 * `sid`, so a revoked session stays revoked whatever the bytes of its token.
 *
 * @param options Algorithm, keys, issuer, audience, optional `typ`, clock tolerance and Bearer.
 * @returns A {@link JwtStrategy}.
 * @throws `ERR_SESSION_OPTIONS` for an unknown algorithm (including `none`), a missing issuer or
 *   audience, a bad `typ`, tolerance or `bearer`; `ERR_KEY_RING_INVALID` for an unknown `current`
 *   key id, a bad key id, a key of the wrong type for the algorithm, a public key as `current`, a
 *   malformed JWK or PEM, or one key under two ids; `ERR_KEY_WEAK` for an HS256 secret under 32
 *   bytes or an RSA modulus under 2048 bits.
 * @example
 * ```ts
 * import { createSessions } from 'cachet'
 * import { jwtStrategy } from 'cachet/jwt'
 *
 * const jwt = jwtStrategy({
 *   algorithm: 'EdDSA',
 *   keys: { current: 'k2', keys: { k2: JSON.parse(process.env.JWT_KEY_2!), k1: JSON.parse(process.env.JWT_PUBLIC_KEY_1!) } },
 *   issuer: 'https://app.example.com',
 *   audience: 'https://api.example.com',
 *   bearer: true,
 * })
 * await jwt.ready
 * const sessions = createSessions<{ userId: string }>({ keys: process.env.SESSION_SECRET!, strategy: jwt })
 * ```
 */
export function jwtStrategy(options: JwtStrategyOptions): JwtStrategy {
  const config = checkConfig(options)
  let loading: Promise<ReadonlyMap<string, LoadedKey>> | undefined
  const load = () => {
    if (!loading) {
      loading = loadKeys(config)
      // Marked as handled: a failure surfaces through `ready`, encode() and exportJWKS(), never
      // as an unhandled rejection.
      loading.catch(() => undefined)
    }
    return loading
  }
  const header = { alg: config.algorithm, kid: config.current, typ: config.typ }

  const factory = (context: StrategyContext): SessionStrategy => {
    const maxTokenLength = context.maxTokenLength
    const params: VerifyParams = {
      algorithms: [config.algorithm],
      issuer: config.issuer,
      audience: config.audience,
      typ: config.typ,
      toleranceSeconds: config.toleranceSeconds,
      maxTokenLength,
      // exp and auth_time are both rounded down to whole seconds (RFC 7519 §2), so a session of
      // maxAge seconds has exp - auth_time <= ceil(maxAge).
      maxLifetimeSeconds:
        context.maxAgeSeconds === undefined
          ? MAX_LIFETIME_SECONDS
          : Math.min(MAX_LIFETIME_SECONDS, Math.ceil(context.maxAgeSeconds)),
      nowMs: 0,
    }
    return {
      name: 'jwt',
      bearer: config.bearer,
      async encode(envelope, expiresAtMs, nowMs) {
        const keys = await load()
        const payload = stringifyJson(claimsOf(config, { envelope, expiresAtMs, nowMs }))
        return new CompactSign(utf8(payload))
          .setProtectedHeader(header)
          .sign(keys.get(config.current)!.signKey!)
      },
      async decode(token, nowMs): Promise<DecodeResult> {
        let keys: ReadonlyMap<string, LoadedKey>
        try {
          keys = await load()
        } catch {
          return INVALID
        }
        const outcome = await verifyToken(token, { ...params, nowMs }, (kid) =>
          Promise.resolve(keys.get(kid)?.verifyKey ?? 'unknown'),
        )
        if (!outcome.ok)
          return outcome.reason === 'jwks-unavailable'
            ? INVALID
            : { ok: false, reason: outcome.reason }
        const { claims } = outcome
        const { issuedAtMs: _issuedAtMs, expiresAtMs: _expiresAtMs, ...envelope } = claims
        return {
          ok: true,
          envelope,
          expiresAtMs: claims.expiresAtMs,
          stale: outcome.kid !== config.current,
        }
      },
    }
  }
  Object.defineProperties(factory, {
    algorithm: { value: config.algorithm, enumerable: true },
    currentKid: { value: config.current, enumerable: true },
    bearer: { value: config.bearer, enumerable: true },
    ready: { get: () => load().then(() => undefined), enumerable: true },
  })
  const strategy = Object.freeze(factory) as JwtStrategy
  STRATEGIES.set(strategy, { config, load })
  return strategy
}
