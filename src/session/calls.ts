/**
 * The session's calls out: to the schema, to the denylist and to the device index, each turning
 * a failure into the one error the session reports; and the TTL and interval those calls use.
 *
 * @module
 */

import { isSessionError, SessionError, type SessionIssue } from '../errors.js'
import { issuesOf, type StandardSchemaV1 } from '../_internal/standard-schema.js'
import type { SessionSettings } from './options.js'

type Validated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues?: SessionIssue[] }

/** Runs the schema, if any. Never throws: a throwing validator is a failed validation. */
export async function validate<T>(
  schema: StandardSchemaV1<unknown, T> | undefined,
  data: unknown,
): Promise<Validated<T>> {
  if (!schema) return { ok: true, value: data as T }
  try {
    const result = await schema['~standard'].validate(data)
    return result.issues
      ? { ok: false, issues: issuesOf(result.issues) }
      : { ok: true, value: result.value }
  } catch {
    return { ok: false }
  }
}

/** Runs a denylist write; any failure becomes `ERR_DENYLIST_UNAVAILABLE`. */
export async function denylistCall<R>(call: () => Promise<R>): Promise<R> {
  try {
    return await call()
  } catch (cause) {
    if (isSessionError(cause, 'ERR_DENYLIST_UNAVAILABLE')) throw cause
    throw new SessionError(
      'ERR_DENYLIST_UNAVAILABLE',
      'the denylist did not confirm the operation',
      { cause },
    )
  }
}

/** A revocation's TTL: the session's remaining lifetime plus the allowed clock skew. */
export function revocationTtl(
  settings: Pick<SessionSettings<unknown>, 'now' | 'skewSeconds'>,
  expiresAtMs: number,
): number {
  return Math.max(1, Math.ceil((expiresAtMs - settings.now()) / 1000) + settings.skewSeconds)
}

/** The interval at which the device index's "last seen" moves: the refresh interval, or 5 min. */
export const touchIntervalMs = (
  settings: Pick<SessionSettings<unknown>, 'refreshSeconds' | 'maxAgeSeconds'>,
) => (settings.refreshSeconds ?? Math.min(300, settings.maxAgeSeconds)) * 1000

/** A device index write: a cap refusal stays itself, any other failure is unavailable. */
export async function deviceCall(call: () => Promise<void>): Promise<void> {
  try {
    await call()
  } catch (cause) {
    if (
      isSessionError(cause, 'ERR_SESSION_LIMIT') ||
      isSessionError(cause, 'ERR_DENYLIST_UNAVAILABLE')
    )
      throw cause
    throw new SessionError(
      'ERR_DENYLIST_UNAVAILABLE',
      'the device index did not confirm the login',
      {
        cause,
      },
    )
  }
}
