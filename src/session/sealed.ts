/**
 * The sealed-cookie codec, the default strategy: the session envelope as compact claims inside an
 * XAES-256-GCM seal (`seal.ts`), whose expiry is the session's absolute expiry.
 *
 * @module
 */

import { isSessionError } from '../errors.js'
import { openSealed, seal, type Opened } from '../seal.js'
import { isSessionId } from './ids.js'
import type { DecodeResult, SessionEnvelope, SessionStrategy, StrategyContext } from './strategy.js'
import type { RejectReason } from './types.js'

// Compact claim names inside the seal: i id, c created, l last seen, u user, v user version,
// p epoch, g store generation, r revocation last checked (recheckSeconds), d data.

/** The sealed-cookie strategy (the default of `createSessions`). */
export function sealedStrategy(context: StrategyContext): SessionStrategy {
  const { keys, purpose, backend, maxTokenLength } = context
  return {
    name: 'sealed',
    encode(envelope, expiresAtMs, nowMs) {
      const claims: Record<string, unknown> = {
        i: envelope.sessionId,
        c: envelope.createdAtMs,
        l: envelope.lastSeenMs,
      }
      if (envelope.userId !== undefined) claims.u = envelope.userId
      if (envelope.userVersion !== undefined) claims.v = envelope.userVersion
      if (envelope.epoch !== undefined) claims.p = envelope.epoch
      if (envelope.checkedAtMs !== undefined) claims.r = envelope.checkedAtMs
      if (envelope.generation !== undefined) claims.g = envelope.generation
      claims.d = envelope.data
      return seal(claims, { keys, purpose, backend, expiresAtMs, now: () => nowMs })
    },
    decode(token, nowMs) {
      let opened
      try {
        opened = openSealed(token, {
          keys,
          purpose,
          backend,
          maxLength: maxTokenLength,
          now: () => nowMs,
        })
      } catch (error) {
        const reason = reasonOf(error)
        // The kid passed the seal's key-id grammar before ERR_KEY_UNKNOWN: safe to report.
        if (reason === 'unknown-key') return { ok: false, reason, kid: token.split('.')[1] ?? '' }
        return { ok: false, reason }
      }
      return claimsOf(opened, keys.current)
    },
  }
}

// The one translation of a seal failure into a reject reason. Anything but an expiry or an
// unknown key id (a malformed, tampered or foreign value) is 'invalid'.
function reasonOf(error: unknown): RejectReason {
  if (isSessionError(error, 'ERR_SEAL_EXPIRED')) return 'expired'
  if (isSessionError(error, 'ERR_KEY_UNKNOWN')) return 'unknown-key'
  return 'invalid'
}

// The seal authenticated; its claims are still checked for shape (a key shared with another
// tool could seal anything).
function claimsOf(opened: Opened, currentKid: string): DecodeResult {
  const c = opened.data as Record<string, unknown> | null
  if (
    typeof c !== 'object' ||
    c === null ||
    Array.isArray(c) ||
    !isSessionId(c.i) ||
    !Number.isSafeInteger(c.c) ||
    !Number.isSafeInteger(c.l) ||
    (c.u !== undefined && typeof c.u !== 'string') ||
    (c.v !== undefined && !Number.isSafeInteger(c.v)) ||
    (c.p !== undefined && !Number.isSafeInteger(c.p)) ||
    (c.r !== undefined && !Number.isSafeInteger(c.r)) ||
    (c.g !== undefined && typeof c.g !== 'string') ||
    !('d' in c)
  ) {
    return { ok: false, reason: 'invalid' }
  }
  const envelope: SessionEnvelope = {
    sessionId: c.i,
    createdAtMs: c.c as number,
    lastSeenMs: c.l as number,
    userId: c.u,
    userVersion: c.v as number | undefined,
    epoch: c.p as number | undefined,
    checkedAtMs: c.r as number | undefined,
    generation: c.g,
    data: c.d,
  }
  return { ok: true, envelope, expiresAtMs: opened.expiresAtMs, stale: opened.kid !== currentKid }
}
