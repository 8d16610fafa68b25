/**
 * The options of `createSessions` and their validation: every option is checked once, at
 * construction, and resolved into the settings the manager runs on.
 *
 * @module
 */

import {
  createSessionCookie,
  MAX_COOKIE_AGE_SECONDS,
  MAX_COOKIE_BYTES,
  type CookieOptions,
  type SessionCookie,
} from '../cookie.js'
import type { Denylist } from '../denylist/index.js'
import { SessionError } from '../errors.js'
import { createKeyRing, type KeyRing, type KeyRingOptions, type Secret } from '../keys.js'
import type { StandardSchemaV1 } from '../_internal/standard-schema.js'
import { nativeBackend, selectBackend } from '../_internal/xaes.js'
import { resolveDevices, type DeviceOptions, type DeviceSettings } from './devices.js'
import { refuseForeignSecret, refuseUnknownOptions } from '../_internal/unknown-options.js'
import { MAX_CLOCK_SKEW_SECONDS } from './limits.js'
import { sealedStrategy } from './sealed.js'
import type { SessionStrategy, StrategyContext } from './strategy.js'
import type { RejectDetail, RejectReason, SessionFallback } from './types.js'

/** Options of {@link createSessions}. */
export interface SessionOptions<T> {
  /** A secret (32+ bytes), a key ring, or `{ current, keys }`. */
  keys: Secret | KeyRing | KeyRingOptions
  /** Cookie settings; secure defaults (`__Host-session`, Secure, HttpOnly, SameSite=Lax, Path=/). */
  cookie?: CookieOptions
  /** Absolute lifetime from creation (login), kept across refreshes. Whole seconds, 1 s to 400 days. Default 7 days. */
  maxAgeSeconds?: number
  /** Optional idle timeout: a session unused this long is expired. */
  idleTimeoutSeconds?: number
  /**
   * Rolling refresh: re-issue the cookie when it was last issued this long ago. Default: a quarter
   * of the idle timeout; no rolling refresh without an idle timeout. Must be below the idle timeout.
   */
  refreshAfterSeconds?: number
  /** `'sealed'` (default) or a strategy such as `jwtStrategy()` from `cachet/jwt`. */
  strategy?: 'sealed' | ((context: StrategyContext) => SessionStrategy)
  /** Optional revocation store (`cachet/denylist`). */
  denylist?: Denylist
  /** With a denylist that fails: `'deny'` (default, fail closed) or `'allow'`. */
  onDenylistError?: 'deny' | 'allow'
  /**
   * Opt-in device index (needs a denylist with one, e.g. `createRedisDenylist`): each user's
   * signed-in sessions for a "where you're signed in" page (`sessions.listSessions`), and an
   * optional per-user cap. Written at login, refresh and logout only: an ordinary read costs the
   * same. `true` for the defaults, or {@link DeviceOptions}.
   */
  devices?: boolean | DeviceOptions
  /**
   * Opt-in, with a denylist: ask it only when the session's last successful check is at least
   * this old (whole seconds, 1 to 3600), instead of on every read. A successful check re-seals
   * the cookie with the new time (one `Set-Cookie`); logins count as checks. A session revoked
   * elsewhere is then refused within `recheckSeconds` (plus the clock difference between
   * instances), with no state kept in the process: for serverless functions and edge code.
   * `destroy()` and `regenerate()` still revoke at once. Default: every read checks.
   */
  recheckSeconds?: number
  /** Optional Standard Schema (zod, valibot, arktype) the data must pass on read and save. */
  schema?: StandardSchemaV1<unknown, T>
  /** Which user a session belongs to, for "log out everywhere". Default: `data.userId` if a string. */
  userId?: (data: T) => string | undefined
  /**
   * Called with the reason whenever a cookie is rejected, and a detail without secrets (the key id
   * of an `unknown-key` cookie). Must not throw (errors are swallowed).
   */
  onReject?: (reason: RejectReason, detail: RejectDetail) => void
  /**
   * Reads another library's cookie once, when the request has no cachet cookie, and re-seals it
   * as cachet's (migration without signing anyone out): see `cachet/iron`.
   */
  fallback?: SessionFallback
  /**
   * Clock, whole ms since epoch. Default `Date.now`. Called once at construction to check it; a
   * later non-integer or non-finite time makes `save()` throw `ERR_SESSION_OPTIONS` and `read()`
   * give an anonymous `invalid` session.
   */
  now?: () => number
  /** Allowed clock difference between instances, added to revocation TTLs. Whole seconds, 0–3600. Default 60. */
  clockSkewSeconds?: number
  /** AEAD backend of the sealed strategy. Default `'auto'`. */
  backend?: 'auto' | 'native' | 'portable'
}

/** The validated settings a session manager runs on. */
export interface SessionSettings<T> {
  readonly keys: KeyRing
  readonly cookie: SessionCookie
  readonly strategy: SessionStrategy
  /** The AEAD backend the sealed strategy runs on; undefined for another strategy. */
  readonly backend: 'native' | 'portable' | undefined
  readonly maxAgeSeconds: number
  readonly idleSeconds: number | undefined
  readonly refreshSeconds: number | undefined
  readonly skewSeconds: number
  readonly schema: StandardSchemaV1<unknown, T> | undefined
  readonly denylist: Denylist | undefined
  readonly devices: DeviceSettings | undefined
  readonly onDenylistError: 'deny' | 'allow'
  /** The recheck window in ms (`recheckSeconds`); undefined: every read checks. */
  readonly recheckMs: number | undefined
  readonly now: () => number
  readonly userIdOf: (data: T) => string | undefined
  readonly onReject: ((reason: RejectReason, detail: RejectDetail) => void) | undefined
  /** The `fallback` reader and its old cookie (validated; used only to delete it). */
  readonly fallback:
    { readonly reader: SessionFallback; readonly cookie: SessionCookie } | undefined
}

// Every option createSessions takes; anything else is refused (a misspelling, or another
// library's option that would otherwise be silently ignored). A Record over SessionOptions' keys,
// so that an option added to the type and not here fails to compile instead of being refused.
const SESSION_OPTION_KEYS: Record<keyof SessionOptions<object>, true> = {
  keys: true,
  cookie: true,
  maxAgeSeconds: true,
  idleTimeoutSeconds: true,
  refreshAfterSeconds: true,
  strategy: true,
  denylist: true,
  onDenylistError: true,
  devices: true,
  schema: true,
  userId: true,
  onReject: true,
  fallback: true,
  now: true,
  clockSkewSeconds: true,
  backend: true,
  recheckSeconds: true,
}
const SESSION_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(SESSION_OPTION_KEYS))

const DAY = 24 * 3600
const DEFAULT_MAX_AGE = 7 * DAY
const DEFAULT_SKEW_SECONDS = 60

/** Throws `ERR_SESSION_OPTIONS`. */
export function optionError(message: string): never {
  throw new SessionError('ERR_SESSION_OPTIONS', message)
}

// Whole seconds only: a fractional lifetime would make every save() fail later (Max-Age and the
// revocation TTLs are integers), so it fails here instead.
function positiveSeconds(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    optionError(`${name} must be a whole number of seconds from 1 to ${max}`)
  }
  return value
}

/**
 * The clock, checked once at construction (a non-integer, negative or non-finite time would only
 * fail at the first save) and again on every call: a clock that turns bad later throws
 * `ERR_SESSION_OPTIONS`, which `save()` passes on and `read()` turns into an anonymous session
 * (`invalid`): without a trustworthy time no expiry can be judged. No crypto runs here.
 */
function checkedClock(clock: () => number): () => number {
  const now = () => {
    const ms: unknown = clock()
    if (!Number.isSafeInteger(ms) || (ms as number) < 0)
      optionError('now() must return whole milliseconds since the epoch')
    return ms as number
  }
  now()
  return now
}

const defaultUserId = (data: unknown): string | undefined => {
  const id = (data as { userId?: unknown } | null)?.userId
  return typeof id === 'string' && id.length > 0 ? id : undefined
}

interface Lifetimes {
  readonly maxAgeSeconds: number
  readonly idleSeconds: number | undefined
  readonly refreshSeconds: number | undefined
  readonly skewSeconds: number
}

function lifetimesOf<T>(options: SessionOptions<T>): Lifetimes {
  if (Number.isFinite(options.maxAgeSeconds) && options.maxAgeSeconds! > MAX_COOKIE_AGE_SECONDS) {
    throw new SessionError(
      'ERR_COOKIE_OPTIONS',
      'maxAgeSeconds must be at most 400 days (RFC 6265bis §5.6.2)',
    )
  }
  const maxAgeSeconds = positiveSeconds(
    'maxAgeSeconds',
    options.maxAgeSeconds ?? DEFAULT_MAX_AGE,
    MAX_COOKIE_AGE_SECONDS,
  )
  const idleSeconds =
    options.idleTimeoutSeconds === undefined
      ? undefined
      : positiveSeconds('idleTimeoutSeconds', options.idleTimeoutSeconds, maxAgeSeconds)
  let refreshSeconds: number | undefined
  if (options.refreshAfterSeconds !== undefined) {
    refreshSeconds = positiveSeconds(
      'refreshAfterSeconds',
      options.refreshAfterSeconds,
      maxAgeSeconds,
    )
    if (idleSeconds !== undefined && refreshSeconds >= idleSeconds) {
      optionError('refreshAfterSeconds must be below idleTimeoutSeconds')
    }
  } else if (idleSeconds !== undefined) {
    refreshSeconds = Math.max(1, Math.floor(idleSeconds / 4))
  }
  const skewSeconds = options.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS
  if (!Number.isInteger(skewSeconds) || skewSeconds < 0 || skewSeconds > MAX_CLOCK_SKEW_SECONDS) {
    optionError(`clockSkewSeconds must be a whole number from 0 to ${MAX_CLOCK_SKEW_SECONDS}`)
  }
  return { maxAgeSeconds, idleSeconds, refreshSeconds, skewSeconds }
}

/** The recheck window in ms, or undefined when every read checks. */
function recheckWindowMs(value: unknown, hasDenylist: boolean): number | undefined {
  if (value === undefined) return undefined
  if (!hasDenylist) optionError('recheckSeconds needs a denylist')
  return positiveSeconds('recheckSeconds', value, 3600) * 1000
}

function checkHooks<T>(options: SessionOptions<T>): void {
  for (const hook of ['onReject', 'now', 'userId'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function')
      optionError(`${hook} must be a function`)
  }
  const schema = options.schema
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    optionError('schema must be a Standard Schema (zod, valibot, arktype, …)')
  }
  const onDenylistError = options.onDenylistError ?? 'deny'
  if (onDenylistError !== 'deny' && onDenylistError !== 'allow')
    optionError("onDenylistError must be 'deny' or 'allow'")
  const denylist = options.denylist
  if (denylist !== undefined && typeof denylist?.check !== 'function')
    optionError('denylist must implement Denylist')
}

function fallbackOf<T>(options: SessionOptions<T>): SessionSettings<T>['fallback'] {
  const reader = options.fallback
  if (reader === undefined) return undefined
  if (typeof reader?.read !== 'function')
    optionError('fallback must be a reader such as ironSessionReader() from cachet/iron')
  // Validates the old cookie's name, path and domain now; used only to delete it.
  const cookie = createSessionCookie({ ...reader.cookie, secure: false, chunking: false })
  return { reader, cookie }
}

function strategyOf<T>(options: SessionOptions<T>, context: StrategyContext): SessionStrategy {
  const strategyOption = options.strategy ?? 'sealed'
  if (strategyOption !== 'sealed' && typeof strategyOption !== 'function')
    optionError("strategy must be 'sealed' or a strategy")
  const strategy = strategyOption === 'sealed' ? sealedStrategy(context) : strategyOption(context)
  // Fail now, not on the first request, if the backend cannot run here. Only the backend is
  // looked up: no randomness or crypto runs at construction (Workers forbid it at module scope).
  const backend = context.backend
  if (backend !== 'auto' && backend !== 'native' && backend !== 'portable') {
    optionError("backend must be 'auto', 'native' or 'portable'")
  }
  if (strategyOption === 'sealed' && backend === 'native' && !nativeBackend) {
    optionError('backend "native" needs node:crypto, which this runtime does not provide')
  }
  return strategy
}

/**
 * Validates the options of `createSessions` once and resolves their defaults.
 *
 * @throws `ERR_KEY_MISSING`, `ERR_KEY_WEAK`, `ERR_KEY_RING_INVALID`, `ERR_COOKIE_OPTIONS`,
 *   `ERR_SESSION_OPTIONS`.
 */
export function resolveOptions<T>(options: SessionOptions<T>): SessionSettings<T> {
  if (typeof options !== 'object' || options === null)
    optionError('createSessions needs an options object')
  refuseForeignSecret(options)
  refuseUnknownOptions('createSessions', options, SESSION_OPTION_NAMES)
  const keys = createKeyRing(options.keys)
  const cookie = createSessionCookie(options.cookie)
  const lifetimes = lifetimesOf(options)
  checkHooks(options)
  const context: StrategyContext = {
    keys,
    purpose: `session:${cookie.name}`,
    backend: options.backend ?? 'auto',
    maxTokenLength: cookie.maxChunks * MAX_COOKIE_BYTES,
    maxAgeSeconds: lifetimes.maxAgeSeconds,
  }
  return {
    ...lifetimes,
    keys,
    cookie,
    strategy: strategyOf(options, context),
    backend:
      (options.strategy ?? 'sealed') === 'sealed' ? selectBackend(context.backend).name : undefined,
    schema: options.schema,
    denylist: options.denylist,
    devices: resolveDevices(options.devices, options.denylist),
    onDenylistError: options.onDenylistError ?? 'deny',
    recheckMs: recheckWindowMs(options.recheckSeconds, options.denylist !== undefined),
    now: checkedClock(options.now ?? Date.now),
    userIdOf: options.userId ?? defaultUserId,
    onReject: options.onReject,
    fallback: fallbackOf(options),
  }
}
