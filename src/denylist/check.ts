/**
 * One revocation check with the fail-closed policy, shared by sessions and `verifySessionToken`.
 * Internal to cachet: not exported from `cachet/denylist`.
 *
 * @module
 */

import type { Denylist, RevocationStatus } from './contract.js'

export interface RevocationSubject {
  readonly sessionId: string
  readonly userId?: string | undefined
  readonly userVersion?: number | undefined
  readonly epoch?: number | undefined
  readonly generation?: string | undefined
}

export interface RevocationOutcome {
  readonly status: RevocationStatus | 'denylist-unavailable'
  /** False when the session must be refused: revoked, or the store failed under 'deny'. */
  readonly allowed: boolean
}

/** Never throws: a store that fails or times out answers 'denylist-unavailable'. */
export async function checkRevocation(
  denylist: Denylist,
  subject: RevocationSubject,
  onError: 'deny' | 'allow',
): Promise<RevocationOutcome> {
  let status: RevocationStatus | 'denylist-unavailable'
  try {
    status = await denylist.check({
      sessionId: subject.sessionId,
      userVersion: subject.userVersion ?? 0,
      epoch: subject.epoch ?? 0,
      ...(subject.userId !== undefined ? { userId: subject.userId } : {}),
      ...(subject.generation !== undefined ? { generation: subject.generation } : {}),
    })
  } catch {
    status = 'denylist-unavailable'
  }
  return {
    status,
    allowed: status === 'ok' || (status === 'denylist-unavailable' && onError === 'allow'),
  }
}
