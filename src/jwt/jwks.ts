/**
 * JWKS export: the public keys of a JWT strategy as a JWK Set (RFC 7517 §5), for other services
 * to verify session tokens without a shared secret.
 *
 * @module
 */

import type { JSONWebKeySet } from 'jose'
import { optionError } from './config.js'
import { strategyState, type JwtStrategy } from './strategy.js'

/**
 * The public keys of a JWT strategy as a JWK Set (RFC 7517 §5), current key first, each with
 * `kid`, `alg` and `use: "sig"` and no private member. Serve it at `/.well-known/jwks.json`; keep
 * a retired key in the strategy (verify-only) until the tokens it signed have expired.
 *
 * @param strategy A strategy from {@link jwtStrategy}.
 * @returns `{ keys: [...] }`, ready for `Response.json()`.
 * @throws `ERR_SESSION_OPTIONS` for an HS256 strategy (a shared secret is never published) or a
 *   value that is not a strategy; `ERR_KEY_RING_INVALID` / `ERR_KEY_WEAK` when a key fails to import.
 * @example
 * ```ts
 * export async function GET() {
 *   return Response.json(await exportJWKS(jwt), {
 *     headers: { 'cache-control': 'public, max-age=300' },
 *   })
 * }
 * ```
 */
export async function exportJWKS(strategy: JwtStrategy): Promise<JSONWebKeySet> {
  const state = strategyState(strategy)
  if (!state) optionError('exportJWKS() needs a strategy from jwtStrategy()')
  const { config } = state
  if (config.algorithm === 'HS256') optionError('an HS256 strategy has no public key to export')
  const keys = await state.load()
  const ids = [config.current, ...[...keys.keys()].filter((kid) => kid !== config.current)]
  return {
    keys: ids.map((kid) => ({
      ...keys.get(kid)!.publicJwk!,
      kid,
      alg: config.algorithm,
      use: 'sig',
    })),
  }
}
