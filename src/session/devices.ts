/**
 * Devices: the opt-in per-user index of signed-in sessions (`createSessions({ devices })`) as the
 * session manager uses it: recorded at login, touched at most once per refresh interval, forgotten
 * at logout, listed with revoked entries filtered out, and the per-user cap.
 *
 * @module
 */

import type { Denylist, DeviceIndex, DeviceRecord, SessionLimitPolicy } from '../denylist/index.js'
import { checkRevocation } from '../denylist/check.js'
import { SessionError } from '../errors.js'
import { deviceLabel } from '../user-agent.js'
import type { SessionInput } from './types.js'

// --- Options ---

function optionError(message: string): never {
  throw new SessionError('ERR_SESSION_OPTIONS', message)
}

/** What a label function sees of the request that logs in. */
export interface LabelContext {
  /** The `User-Agent` header, if the request gave one to `sessions.read()`. */
  readonly userAgent: string | undefined
  /** The request headers, when `sessions.read()` got a `Request` or `Headers`. */
  readonly headers: Headers | undefined
}

/** Options of `createSessions({ devices })`. Needs a denylist with a device index. */
export interface DeviceOptions {
  /**
   * The most sessions a user may have at once (1 to 1000). Default: no cap. Enforced atomically
   * at login (`save()` of a new session), so two logins cannot both take the last place.
   */
  maxSessionsPerUser?: number
  /**
   * At the cap: `'revoke-oldest'` (default) signs out the session that expires first (the oldest
   * login) in the same step; `'refuse-new'` makes `save()` throw `ERR_SESSION_LIMIT`.
   */
  onLimit?: SessionLimitPolicy
  /**
   * The label stored with a session at login and refresh, at most 200 characters. Default:
   * {@link deviceLabel} of the `User-Agent` given to `sessions.read()` ("Firefox 133 on Linux").
   * Where the read gets no headers (Next's `cookies()`), read them here, e.g.
   * `async () => deviceLabel((await headers()).get('user-agent'))`. No IP address is stored
   * unless you put one here.
   */
  label?: (context: LabelContext) => string | Promise<string>
}

/** The validated device settings. */
export interface DeviceSettings {
  readonly index: Denylist & DeviceIndex
  readonly maxSessions: number | undefined
  readonly policy: SessionLimitPolicy
  readonly label: ((context: LabelContext) => string | Promise<string>) | undefined
}

const hasIndex = (denylist: Denylist | undefined): denylist is Denylist & DeviceIndex => {
  const d = denylist as Partial<DeviceIndex> | undefined
  return (
    typeof d?.recordSession === 'function' &&
    typeof d.listSessions === 'function' &&
    typeof d.forgetSession === 'function'
  )
}

/** Validates `options.devices`; undefined when the index is off. */
export function resolveDevices(
  devices: boolean | DeviceOptions | undefined,
  denylist: Denylist | undefined,
): DeviceSettings | undefined {
  if (devices === undefined || devices === false) return undefined
  if (devices !== true && (typeof devices !== 'object' || devices === null))
    optionError('devices must be true or an object')
  const options: DeviceOptions = devices === true ? {} : devices
  if (!hasIndex(denylist))
    optionError(
      'devices needs a denylist with a device index (createMemoryDenylist, createRedisDenylist)',
    )
  const max = options.maxSessionsPerUser
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1000))
    optionError('devices.maxSessionsPerUser must be an integer from 1 to 1000')
  const policy = options.onLimit ?? 'revoke-oldest'
  if (policy !== 'revoke-oldest' && policy !== 'refuse-new')
    optionError("devices.onLimit must be 'revoke-oldest' or 'refuse-new'")
  if (options.label !== undefined && typeof options.label !== 'function')
    optionError('devices.label must be a function')
  return {
    index: denylist,
    maxSessions: max,
    policy,
    label: options.label,
  }
}

// --- Request ---

/** The label context of a read's input. Never throws. */
export function labelContextOf(input: SessionInput): LabelContext {
  try {
    const headers =
      input instanceof Headers
        ? input
        : typeof input === 'object' && input !== null && input.headers instanceof Headers
          ? input.headers
          : undefined
    return { userAgent: headers?.get('user-agent') ?? undefined, headers }
  } catch {
    return { userAgent: undefined, headers: undefined }
  }
}

/**
 * The label of a request: the app's function, or the default from the User-Agent. Undefined when
 * neither has anything to say (a read without headers and no function) or the function throws
 * (e.g. it reads framework headers outside a request scope), so that a refresh keeps the label
 * stored at login.
 */
export async function labelFor(
  settings: DeviceSettings,
  context: LabelContext,
): Promise<string | undefined> {
  if (settings.label === undefined)
    return context.userAgent === undefined && context.headers === undefined
      ? undefined
      : deviceLabel(context.userAgent)
  try {
    const label = await settings.label(context)
    return typeof label === 'string' ? label.slice(0, 200) : undefined
  } catch {
    return undefined
  }
}

// --- Writes ---

/**
 * Whether a save or refresh at `nowMs` should update the entry: once per `intervalMs` of the
 * session's life (the interval boundary was crossed since `previousMs`), however often it saves.
 */
export function touchDue(
  entry: { readonly createdAtMs: number; readonly previousMs: number; readonly nowMs: number },
  intervalMs: number,
): boolean {
  const bucket = (ms: number) => Math.floor((ms - entry.createdAtMs) / intervalMs)
  return bucket(entry.nowMs) > bucket(entry.previousMs)
}

/**
 * Records a login. With a cap, entries of sessions revoked some other way ("log out everywhere",
 * revoke all, `revoke(id)`) are forgotten first, so that they do not hold places.
 * @throws `ERR_SESSION_LIMIT` when refused at the cap; `ERR_DENYLIST_UNAVAILABLE`.
 */
export async function recordLogin(
  settings: DeviceSettings,
  entry: { readonly userId: string; readonly record: DeviceRecord; readonly ttlSeconds: number },
  clockSkewSeconds: number,
): Promise<void> {
  const { index, maxSessions, policy } = settings
  const nowMs = entry.record.lastSeenMs
  if (maxSessions !== undefined) await forgetRevoked(index, entry.userId, nowMs, entry.ttlSeconds)
  const outcome = await index.recordSession(entry.userId, entry.record, {
    nowMs,
    ...(maxSessions !== undefined ? { maxSessions, policy } : {}),
    clockSkewSeconds,
  })
  if (!outcome.recorded)
    throw new SessionError(
      'ERR_SESSION_LIMIT',
      `the user already has ${maxSessions} sessions (devices.onLimit 'refuse-new')`,
    )
}

/** The user's entries whose sessions still pass the revocation check. */
export async function liveEntries(
  index: Denylist & DeviceIndex,
  userId: string,
  nowMs: number,
): Promise<{ live: DeviceRecord[]; revoked: DeviceRecord[] }> {
  const entries = await index.listSessions(userId, { nowMs })
  // The index lives in the store it lists: its entries were recorded under the store's current
  // generation (a store that lost its data lost its index too, issue 9.2).
  const { generation } = await index.current(undefined)
  const statuses = await Promise.all(
    entries.map((e) =>
      checkRevocation(
        index,
        { sessionId: e.sessionId, userId, userVersion: e.userVersion, epoch: e.epoch, generation },
        'allow',
      ),
    ),
  )
  const live: DeviceRecord[] = []
  const revoked: DeviceRecord[] = []
  entries.forEach((e, i) => {
    const status = statuses[i]!.status
    ;(status === 'ok' || status === 'denylist-unavailable' ? live : revoked).push(e)
  })
  return { live, revoked }
}

async function forgetRevoked(
  index: Denylist & DeviceIndex,
  userId: string,
  nowMs: number,
  ttlSeconds: number,
): Promise<void> {
  const { revoked } = await liveEntries(index, userId, nowMs)
  await Promise.all(
    revoked.map((e) => index.forgetSession(userId, e.sessionId, { nowMs, ttlSeconds })),
  )
}
