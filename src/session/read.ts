// Reading a request: find the credential (the session cookie, or a Bearer token for strategies
// that opt in), decode it, and check lifetimes, schema and revocation, in that order. Never
// throws for anything the client sent: every failure is a reject reason.

import { selectAuthentic } from '../_internal/authentic.js'
import { authorizationOf, parseBearer } from '../_internal/bearer.js'
import { checkRevocation } from '../denylist/check.js'
import { labelContextOf } from './devices.js'
import type { SessionSettings } from './options.js'
import { readFallback } from './fallback.js'
import { report } from './reasons.js'
import { validate } from './calls.js'
import { SessionImpl, type CredentialSource } from './session.js'
import type { DecodeResult, SessionEnvelope } from './strategy.js'
import type { RejectDetail, RejectReason, SessionInput, SessionWriter } from './types.js'

/** What the request carried. */
interface Credential {
  /** Values to try in order; the first that decodes wins. */
  readonly values: readonly string[]
  readonly present: readonly string[]
  readonly source: CredentialSource
  /** Why the request's credential is unusable before any decoding, if it is. */
  readonly reason: RejectReason | undefined
}

/** A read's inputs. */
export interface ReadRequest<T> {
  readonly settings: SessionSettings<T>
  readonly input: SessionInput
  readonly writer: SessionWriter | undefined
  readonly generateId?: (() => string) | undefined
}

function cookieHeaderOf(input: SessionInput): string | undefined {
  try {
    if (input === null || input === undefined) return undefined
    if (typeof input === 'string') return input
    if (typeof (input as Headers).get === 'function')
      return (input as Headers).get('cookie') ?? undefined
    const headers = (input as Request).headers
    if (headers && typeof headers.get === 'function') return headers.get('cookie') ?? undefined
  } catch {
    // A hostile or broken input object reads as no cookie.
  }
  return undefined
}

function credentialOf<T>(settings: SessionSettings<T>, input: SessionInput): Credential {
  const candidates = settings.cookie.read(cookieHeaderOf(input))
  const { present } = candidates
  if (present.length > 0) {
    const reason: RejectReason | undefined =
      candidates.values.length > 0
        ? undefined
        : candidates.overflow
          ? 'ambiguous'
          : candidates.malformedChunks
            ? 'invalid-chunks'
            : 'invalid'
    return { values: candidates.values, present, source: 'cookie', reason }
  }
  // Bearer, for strategies that opt in: read only when the request has no session cookie (the
  // cookie decides when present); another scheme is ignored, a malformed Bearer is rejected.
  const none: Credential = {
    values: candidates.values,
    present,
    source: undefined,
    reason: undefined,
  }
  if (settings.strategy.bearer !== true) return none
  const bearer = parseBearer(authorizationOf(input))
  if (bearer.kind === 'none') return none
  if (bearer.kind === 'malformed')
    return { values: [], present, source: 'bearer', reason: 'invalid' }
  return { values: [bearer.token], present, source: 'bearer', reason: undefined }
}

type Decoded = Extract<DecodeResult, { ok: true }>

/** A refused credential: the reason, and what `onReject` may learn besides. */
interface Rejected {
  readonly reason: RejectReason
  readonly detail?: RejectDetail
}

// Every candidate is tried; exactly one may authenticate (issue 9.7): header order is chosen by
// whoever planted the cookies, so it decides nothing. Otherwise the first failure is the reason.
async function decodeOne<T>(
  settings: SessionSettings<T>,
  values: readonly string[],
  nowMs: number,
): Promise<Decoded | Rejected> {
  const found = await selectAuthentic(
    values,
    (v) => settings.strategy.decode(v, nowMs),
    (r) => r.ok,
  )
  if (found.kind === 'ambiguous') return { reason: 'ambiguous' }
  const decoded = found.kind === 'one' ? found.result : found.failure
  if (!decoded?.ok) {
    const reason = decoded?.reason ?? 'invalid'
    return decoded?.kid === undefined ? { reason } : { reason, detail: { kid: decoded.kid } }
  }
  return decoded
}

// Within recheckSeconds of the last successful check, a read skips the denylist. A time ahead of
// this instance's clock (another instance's clock) does not count.
function checkedRecently<T>(
  settings: SessionSettings<T>,
  checkedAtMs: number | undefined,
  nowMs: number,
) {
  const { recheckMs } = settings
  return (
    recheckMs !== undefined &&
    checkedAtMs !== undefined &&
    checkedAtMs <= nowMs &&
    nowMs - checkedAtMs < recheckMs
  )
}

/**
 * The policy in force, applied to a decoded session whatever it was issued under: not from the
 * future (beyond the clock skew), absolute lifetime `createdAt + maxAgeSeconds` of today's
 * settings (a cookie sealed under a longer one ends then, so a revocation entry kept for
 * maxAgeSeconds + skew outlives every cookie it can reject), and today's idle timeout. Returns the
 * expiry in force, or why the session is refused.
 */
function policyOf<T>(
  settings: SessionSettings<T>,
  decoded: { readonly envelope: SessionEnvelope; readonly expiresAtMs: number },
  nowMs: number,
): number | RejectReason {
  const { envelope } = decoded
  const { idleSeconds, maxAgeSeconds, skewSeconds } = settings
  const latestMs = nowMs + skewSeconds * 1000
  if (envelope.createdAtMs > latestMs || envelope.lastSeenMs > latestMs) return 'future-dated'
  const expiresAtMs = Math.min(decoded.expiresAtMs, envelope.createdAtMs + maxAgeSeconds * 1000)
  if (nowMs >= expiresAtMs) return 'expired'
  // Idle timeout: valid while now < lastSeen + idle (the same exclusive bound as expiry).
  if (idleSeconds !== undefined && nowMs >= envelope.lastSeenMs + idleSeconds * 1000)
    return 'idle-timeout'
  return expiresAtMs
}

// After the policy: schema, revocation. Returns the data and whether a check passed that
// recheckSeconds counts (a new window), or why the session is refused.
async function admit<T>(
  settings: SessionSettings<T>,
  envelope: SessionEnvelope,
  nowMs: number,
): Promise<{ readonly data: T; readonly rechecked: boolean } | RejectReason> {
  const { denylist } = settings
  const checked = await validate(settings.schema, envelope.data)
  if (!checked.ok) return 'schema'
  let rechecked = false
  if (denylist && !checkedRecently(settings, envelope.checkedAtMs, nowMs)) {
    const { status, allowed } = await checkRevocation(denylist, envelope, settings.onDenylistError)
    if (status !== 'ok') {
      if (!allowed) return status
      report(settings, status)
    } else rechecked = settings.recheckMs !== undefined
  }
  return { data: checked.value, rechecked }
}

/** Reads the session of a request; throws only on a bug (the manager turns that into 'invalid'). */
export async function readSession<T>(request: ReadRequest<T>): Promise<SessionImpl<T>> {
  const { settings, input, writer, generateId } = request
  const credential = credentialOf(settings, input)
  const { present, source } = credential
  const session = new SessionImpl<T>({
    settings,
    present,
    source,
    writer,
    generateId,
    ...(settings.devices ? { device: labelContextOf(input) } : {}),
  })
  const rejected = (reason: RejectReason, detail?: RejectDetail) => {
    report(settings, reason, detail)
    return session.reject(reason)
  }
  if (credential.reason !== undefined) return rejected(credential.reason)
  if (credential.values.length === 0) {
    if (present.length > 0 || source !== undefined || !settings.fallback) return session
    const cookieHeader = cookieHeaderOf(input)
    return (await readFallback({ settings, cookieHeader, writer, generateId })) ?? session
  }
  const nowMs = settings.now()
  const decoded = await decodeOne(settings, credential.values, nowMs)
  if (!('ok' in decoded)) return rejected(decoded.reason, decoded.detail)
  const { envelope, stale } = decoded
  const expiresAtMs = policyOf(settings, decoded, nowMs)
  if (typeof expiresAtMs === 'string') return rejected(expiresAtMs)
  const admitted = await admit(settings, envelope, nowMs)
  if (typeof admitted === 'string') {
    const refused = rejected(admitted)
    // The check failed, not the cookie: a logout in this request must revoke what it decoded.
    if (admitted === 'denylist-unavailable') {
      const { sessionId: id, userId } = envelope
      refused.keepUnverified({ id, userId, expiresAtMs })
    }
    return refused
  }
  // A successful check starts a new window, measured from before the check.
  const { rechecked } = admitted
  session.activate(
    rechecked ? { ...envelope, checkedAtMs: nowMs } : envelope,
    admitted.data,
    expiresAtMs,
  )
  // Rolling refresh, throttled; re-seal under the current key (rotation) or with a new check time.
  const { refreshSeconds } = settings
  const refreshDue =
    refreshSeconds !== undefined && nowMs - envelope.lastSeenMs >= refreshSeconds * 1000
  if (stale || refreshDue || rechecked) await session.refresh(nowMs)
  return session
}
