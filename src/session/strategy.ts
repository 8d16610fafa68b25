/**
 * The strategy contract: how a session is encoded into a cookie or token and decoded back. The
 * sealed cookie (`./sealed.ts`) is the default; `cachet/jwt` provides a signed-JWT strategy.
 *
 * @module
 */

import type { KeyRing } from '../keys.js'
import type { RejectReason } from './types.js'

/** The claims a strategy encodes. */
export interface SessionEnvelope {
  readonly sessionId: string
  readonly createdAtMs: number
  readonly lastSeenMs: number
  /** Absent or undefined: the data names no user. */
  readonly userId?: string | undefined
  /** Absent or undefined without a denylist. */
  readonly userVersion?: number | undefined
  /** Absent or undefined without a denylist. */
  readonly epoch?: number | undefined
  /**
   * When the session last passed a revocation check (ms since epoch). Absent or undefined
   * without `recheckSeconds`.
   */
  readonly checkedAtMs?: number | undefined
  /** The denylist's store generation; absent or undefined without a denylist. */
  readonly generation?: string | undefined
  readonly data: unknown
}

/** A result of decoding a cookie or token. */
export type DecodeResult =
  | {
      readonly ok: true
      readonly envelope: SessionEnvelope
      readonly expiresAtMs: number
      readonly stale: boolean
    }
  | { readonly ok: false; readonly reason: RejectReason; readonly kid?: string }

/**
 * How a session is encoded: the sealed cookie (default) or a signed JWT (`cachet/jwt`).
 * Implementations never throw from `decode`.
 */
export interface SessionStrategy {
  readonly name: string
  /**
   * Also read `Authorization: Bearer <token>` (RFC 6750 §2.1) when the request has no session
   * cookie. Never a query string.
   */
  readonly bearer?: boolean
  encode(envelope: SessionEnvelope, expiresAtMs: number, nowMs: number): string | Promise<string>
  decode(token: string, nowMs: number): DecodeResult | Promise<DecodeResult>
}

/** What a strategy factory receives from `createSessions`. */
export interface StrategyContext {
  readonly keys: KeyRing
  readonly purpose: string
  readonly backend: 'auto' | 'native' | 'portable'
  /** Longest token accepted: the chunk cap times `MAX_COOKIE_BYTES`. */
  readonly maxTokenLength: number
  /**
   * The sessions' absolute lifetime (`maxAgeSeconds`): a strategy whose tokens carry their own
   * lifetime refuses one longer than this. Absent: the 400-day cap.
   */
  readonly maxAgeSeconds?: number
}
