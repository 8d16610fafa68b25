/**
 * `cachet inspect`: describes a session cookie for debugging (format, key id, sizes, chunking,
 * times, revocation stamps, and the state a read would give now), given the keys. The report
 * never holds a key, and holds the session data only when asked.
 *
 * @module
 */

import { createSessionCookie } from './cookie.js'
import type { Denylist } from './denylist/index.js'
import { isSessionError } from './errors.js'
import { createKeyRing, type KeyRing, type KeyRingOptions, type Secret } from './keys.js'
import { openSealed, SEAL_VERSION } from './seal.js'
import { createSessions, type RejectReason, type SessionState } from './session/index.js'

// --- Types ---

/** Options of {@link inspectCookie}. */
export interface InspectOptions {
  /** The app's keys: a secret, a key ring or `{ current, keys }`. */
  readonly keys: Secret | KeyRing | KeyRingOptions
  /** The session cookie's name. Default `'__Host-session'`. */
  readonly cookieName?: string
  /** The app's `maxAgeSeconds` (the policy in force). Default 7 days. */
  readonly maxAgeSeconds?: number
  /** The app's `idleTimeoutSeconds`, if any. */
  readonly idleTimeoutSeconds?: number
  /** A denylist to run the revocation check against. Without one, revocation is not checked. */
  readonly denylist?: Denylist
  /** Include the session data in the report. Default false. */
  readonly includeData?: boolean
  /** Clock, ms since epoch. Default `Date.now`. */
  readonly now?: () => number
}

/** What {@link inspectCookie} found. Times are ms since epoch. */
export interface CookieInspection {
  readonly cookieName: string
  /** Names of the session cookies the input carried (`name`, or `name.0`, `name.1`, …). */
  readonly cookies: readonly string[]
  /** Whether the value was split into chunk cookies. */
  readonly chunked: boolean
  /** Length of the (joined) value, in bytes. */
  readonly valueBytes: number
  /** `c1` for the current seal format; undefined when the value is not a cachet seal. */
  readonly formatVersion: string | undefined
  /** The key id the seal names. */
  readonly keyId: string | undefined
  /** Whether the ring holds that key id, and whether it is the current one (no re-seal). */
  readonly keyKnown: boolean
  readonly keyCurrent: boolean
  /** Why the seal did not open, when it did not. */
  readonly openError: 'invalid' | 'unknown-key' | 'expired' | undefined
  readonly sessionId: string | undefined
  readonly createdAtMs: number | undefined
  readonly lastSeenMs: number | undefined
  readonly expiresAtMs: number | undefined
  readonly idleExpiresAtMs: number | undefined
  readonly userId: string | undefined
  /** Revocation stamps: the user's version and the epoch sealed at login. */
  readonly userVersion: number | undefined
  readonly epoch: number | undefined
  /** Whether a denylist was asked. */
  readonly revocationChecked: boolean
  /** The state and reason `sessions.read()` gives for this cookie now. */
  readonly state: SessionState
  readonly reason: RejectReason | undefined
  /** The session data, only with `includeData`. */
  readonly data?: unknown
  readonly nowMs: number
}

// --- Inspection ---

const SEALED_CLAIMS = (value: unknown) => {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const int = (v: unknown) => (Number.isSafeInteger(v) ? (v as number) : undefined)
  return {
    sessionId: typeof c.i === 'string' ? c.i : undefined,
    createdAtMs: int(c.c),
    lastSeenMs: int(c.l),
    userId: typeof c.u === 'string' ? c.u : undefined,
    userVersion: int(c.v),
    epoch: int(c.p),
    data: c.d,
  }
}

function opens(value: string, keys: KeyRing, purpose: string): boolean {
  try {
    openSealed(value, { keys, purpose, now: () => 0 })
    return true
  } catch {
    return false
  }
}

function openError(error: unknown): CookieInspection['openError'] {
  if (isSessionError(error, 'ERR_KEY_UNKNOWN')) return 'unknown-key'
  if (isSessionError(error, 'ERR_SEAL_EXPIRED')) return 'expired'
  return 'invalid'
}

/**
 * Describes a session cookie: what it is made of, what it says, and what a read gives now.
 * Reads the claims even of an expired cookie, so that a report says when it expired.
 *
 * @param input - A `Cookie` header (`__Host-session=c1.…`, chunks included) or a bare value.
 * @param options - The app's keys and policy; see {@link InspectOptions}.
 * @returns A {@link CookieInspection}: no key, and data only with `includeData`.
 * @throws `ERR_KEY_WEAK`, `ERR_KEY_RING_INVALID`, `ERR_COOKIE_OPTIONS`, `ERR_SESSION_OPTIONS` for
 *   invalid options; never for anything in the cookie.
 * @example
 * ```ts
 * const report = await inspectCookie(cookieHeader, { keys: process.env.SESSION_SECRET! })
 * console.log(formatInspection(report))
 * ```
 */
export async function inspectCookie(
  input: string,
  options: InspectOptions,
): Promise<CookieInspection> {
  const nowMs = (options.now ?? Date.now)()
  const keys = createKeyRing(options.keys)
  const cookie = createSessionCookie({ name: options.cookieName ?? '__Host-session' })
  const text = String(input).trim()
  const header = text.includes('=') ? text : `${cookie.name}=${text}`
  const { values, present } = cookie.read(header)
  const purpose = `session:${cookie.name}`
  // The candidates include every prefix of a chunk set (cookie.ts): the one that opens is the
  // cookie; when none does, the last (the longest set) is described.
  const opening = values.find((v) => opens(v, keys, purpose))
  const value = opening ?? values.at(-1) ?? ''
  const [version, kid] = value.split('.', 2)
  const isSeal = version === SEAL_VERSION && kid !== undefined
  const base = {
    cookieName: cookie.name,
    cookies: present,
    chunked: present.some((name) => name !== cookie.name),
    valueBytes: value.length,
    formatVersion: isSeal ? version : undefined,
    keyId: isSeal ? kid : undefined,
    keyKnown: isSeal && keys.has(kid),
    keyCurrent: isSeal && kid === keys.current,
  }

  // The claims, opened with the clock at the start of time so that an expired seal still shows
  // them; expiry is judged below against the real clock.
  let claims = SEALED_CLAIMS(undefined)
  let expiresAtMs: number | undefined
  let error: CookieInspection['openError']
  try {
    const opened = openSealed(value, { keys, purpose, now: () => 0 })
    claims = SEALED_CLAIMS(opened.data)
    expiresAtMs = opened.expiresAtMs
    if (nowMs >= expiresAtMs) error = 'expired'
  } catch (e) {
    error = openError(e)
  }

  const sessions = createSessions({
    keys,
    cookie: { name: cookie.name },
    now: () => nowMs,
    ...(options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
    ...(options.idleTimeoutSeconds !== undefined
      ? { idleTimeoutSeconds: options.idleTimeoutSeconds }
      : {}),
    ...(options.denylist !== undefined ? { denylist: options.denylist } : {}),
  })
  const session = await sessions.read(header)
  const idleMs = options.idleTimeoutSeconds
  return {
    ...base,
    openError: error,
    sessionId: claims.sessionId,
    createdAtMs: claims.createdAtMs,
    lastSeenMs: claims.lastSeenMs,
    expiresAtMs,
    idleExpiresAtMs:
      idleMs !== undefined && claims.lastSeenMs !== undefined
        ? claims.lastSeenMs + idleMs * 1000
        : undefined,
    userId: claims.userId,
    userVersion: claims.userVersion,
    epoch: claims.epoch,
    revocationChecked: options.denylist !== undefined,
    state: session.state,
    reason: session.reason,
    ...(options.includeData === true && error !== 'invalid' && error !== 'unknown-key'
      ? { data: claims.data }
      : {}),
    nowMs,
  }
}

// --- Formatting ---

function relative(ms: number): string {
  const abs = Math.abs(ms)
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ]
  const parts: string[] = []
  let rest = abs
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`)
      rest %= size
    }
  }
  const span = parts.length === 0 ? `${abs}ms` : parts.join(' ')
  return ms >= 0 ? `in ${span}` : `${span} ago`
}

/**
 * Formats a {@link CookieInspection} as aligned `label: value` lines for a terminal or a bug
 * report.
 */
export function formatInspection(report: CookieInspection): string {
  const time = (ms: number | undefined) =>
    ms === undefined ? '-' : `${new Date(ms).toISOString()} (${relative(ms - report.nowMs)})`
  const lines: [string, string][] = [
    ['cookie', `${report.cookieName} (${report.cookies.join(', ') || 'absent'})`],
    ['chunked', report.chunked ? `yes, ${report.cookies.length} cookies` : 'no'],
    ['value size', `${report.valueBytes} bytes`],
    ['format', report.formatVersion ?? 'not a cachet seal'],
    [
      'key id',
      report.keyId === undefined
        ? '-'
        : `${report.keyId} (${report.keyCurrent ? 'current' : report.keyKnown ? 'known, not current: a read re-seals' : 'not in the key ring'})`,
    ],
    ['opened', report.openError === undefined ? 'yes' : `no: ${report.openError}`],
    ['session id', report.sessionId ?? '-'],
    ['user', report.userId ?? '-'],
    ['created', time(report.createdAtMs)],
    ['last seen', time(report.lastSeenMs)],
    ['expires', time(report.expiresAtMs)],
    ['idle expires', time(report.idleExpiresAtMs)],
    [
      'revocation',
      report.userVersion === undefined && report.epoch === undefined
        ? 'no stamps (sealed without a denylist)'
        : `user version ${report.userVersion ?? '-'}, epoch ${report.epoch ?? '-'}`,
    ],
    ['denylist', report.revocationChecked ? 'checked' : 'not checked (no --denylist)'],
    ['read now', report.reason === undefined ? report.state : `${report.state} (${report.reason})`],
  ]
  if ('data' in report) lines.push(['data', JSON.stringify(report.data)])
  const width = Math.max(...lines.map(([label]) => label.length))
  return lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n') + '\n'
}
