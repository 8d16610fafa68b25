// Why a cookie was rejected decides the state of the anonymous session it gives: one table, so
// that a new reason cannot be added without saying which state it means.

import type { SessionSettings } from './options.js'
import type { RejectDetail, RejectReason, SessionState } from './types.js'

/** The state of a session whose cookie was rejected. */
export type RejectedState = Extract<SessionState, 'expired' | 'invalid' | 'revoked'>

const STATE_OF: { readonly [R in RejectReason]: RejectedState } = {
  invalid: 'invalid',
  'invalid-chunks': 'invalid',
  'unknown-key': 'invalid',
  schema: 'invalid',
  ambiguous: 'invalid',
  expired: 'expired',
  'idle-timeout': 'expired',
  'session-revoked': 'revoked',
  'user-revoked': 'revoked',
  'epoch-revoked': 'revoked',
  // The store lost its data since the session was stamped: its revocations are unknown.
  'store-reset': 'revoked',
  'future-dated': 'invalid',
  // Fail-closed: the denylist could not vouch for the session, so it is treated as revoked.
  'denylist-unavailable': 'revoked',
}

/** The state a rejected cookie gives. */
export function stateOf(reason: RejectReason): RejectedState {
  return STATE_OF[reason]
}

/** Tells `onReject`; a logging hook must not turn a rejected cookie into a 500. */
export function report(
  settings: Pick<SessionSettings<unknown>, 'onReject'>,
  reason: RejectReason,
  detail: RejectDetail = {},
): void {
  try {
    settings.onReject?.(reason, detail)
  } catch {
    // Swallowed on purpose.
  }
}
