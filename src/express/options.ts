/**
 * `session(options)`: express-session's options, checked once, turned into a cachet session
 * manager and the shared middleware's configuration.
 *
 * @module
 */

import { sha256 } from '../_internal/sha256.js'
import type { Denylist } from '../denylist/index.js'
import { SessionError } from '../errors.js'
import type { Secret } from '../keys.js'
import { createSessions, type SessionOptions } from '../session/index.js'
import { toBase64url, utf8 } from '../_internal/bytes.js'
import { refuseUnknownOptions } from '../_internal/unknown-options.js'
import { checkCookieOptions, type ExpressCookieOptions } from './cookie.js'
import type { MiddlewareConfig } from './middleware.js'
import type { NodeRequest } from './types.js'

/**
 * Options of `session()`: express-session's, with `denylist` in place of `store`, and the cachet
 * lifetimes.
 */
export interface ExpressSessionOptions {
  /**
   * Required. A secret of 32+ bytes of entropy (`npx cachet secret`), or several for rotation:
   * the first seals, all open.
   */
  secret: Secret | readonly Secret[]
  /** The cookie name. Default `'connect.sid'`. */
  name?: string | undefined
  /** Cookie settings, or a function of the request returning them. */
  cookie?: ExpressCookieOptions | ((req: NodeRequest) => ExpressCookieOptions) | undefined
  /** Makes the id of a new session (see `sessionIdFrom` for the rules). */
  genid?: ((req: NodeRequest) => string) | undefined
  /** Trust `X-Forwarded-Proto` (`true`), never (`false`), or Express's `trust proxy` (default). */
  proxy?: boolean | undefined
  /** Accepted for compatibility; no effect (there is no store to re-save). */
  resave?: boolean | undefined
  /** Re-send the cookie with a fresh expiry on every response. Default `false`. */
  rolling?: boolean | undefined
  /** Seal new sessions nobody changed. Default `true`, as in express-session. */
  saveUninitialized?: boolean | undefined
  /** `req.session = null`: `'keep'` (default) ignores the request's changes, `'destroy'` destroys. */
  unset?: 'keep' | 'destroy' | undefined
  /** Revocation (`cachet/denylist`): what makes `destroy()` end copies of the cookie too. */
  denylist?: Denylist | undefined
  /** The absolute lifetime from login, the outer bound of any `maxAge`. Default 7 days. */
  maxAgeSeconds?: number | undefined
  /** Optional idle timeout, enforced by the seal. */
  idleTimeoutSeconds?: number | undefined
  /** Which user a session belongs to, for `revokeUser` ("log out everywhere"). */
  userId?: ((data: Record<string, unknown>) => string | undefined) | undefined
  /** With a denylist that fails: `'deny'` (default) or `'allow'`. */
  onDenylistError?: 'deny' | 'allow' | undefined
  /** Called with the reason whenever a cookie is rejected. */
  onReject?: SessionOptions<Record<string, unknown>>['onReject']
  /** Where changes that cannot reach the client are reported. Default `process.emitWarning`. */
  onError?: ((error: SessionError) => void) | undefined
  /** Clock, ms since epoch. Default `Date.now`. */
  now?: (() => number) | undefined
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'secret',
  'name',
  'cookie',
  'genid',
  'proxy',
  'resave',
  'rolling',
  'saveUninitialized',
  'unset',
  'denylist',
  'maxAgeSeconds',
  'idleTimeoutSeconds',
  'userId',
  'onDenylistError',
  'onReject',
  'onError',
  'now',
] satisfies (keyof ExpressSessionOptions)[])

const FOREIGN_OPTIONS: Readonly<Record<string, string>> = {
  store:
    'denylist (createRedisDenylist from cachet/denylist): the data lives in the cookie, the denylist revokes',
  key: 'name',
  keys: 'secret',
  signature: 'nothing: the cookie is sealed (encrypted and authenticated), not signed',
  getcookie: 'nothing: the cookie is read by name',
  setcookie: 'nothing: the cookie is written with the headers',
}

function optionError(message: string): never {
  throw new SessionError('ERR_SESSION_OPTIONS', message)
}

/** A stable key id for a secret, so that reordering the array does not orphan its sessions. */
function keyIdOf(secret: Secret): string {
  const bytes = typeof secret === 'string' ? utf8(secret) : secret
  const input = new Uint8Array([...utf8('cachet/express/secret-id\u0000'), ...bytes])
  return toBase64url(sha256(input)).slice(0, 12)
}

function keysOf(secret: unknown): SessionOptions<object>['keys'] {
  if (secret === undefined) optionError('session() needs a secret (make one: npx cachet secret)')
  // One secret or several, each under an id derived from it: a secret keeps its id when others
  // are added before it, so the sessions it sealed still open.
  const list: unknown[] = Array.isArray(secret) ? secret : [secret]
  if (list.length === 0) optionError('secret must hold one or more secrets')
  const keys: Record<string, Secret> = {}
  for (const item of list) {
    if (typeof item !== 'string' && !(item instanceof Uint8Array))
      throw new SessionError('ERR_KEY_WEAK', 'a secret must be a string or a Uint8Array')
    keys[keyIdOf(item)] = item
  }
  return { current: keyIdOf(list[0] as Secret), keys }
}

function oneOf<V>(name: string, value: unknown, allowed: readonly V[], fallback: V): V {
  if (value === undefined) return fallback
  if (!allowed.includes(value as V))
    optionError(`${name} must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')}`)
  return value as V
}

/**
 * Checks `session()` options and builds the middleware configuration.
 * @throws `ERR_SESSION_OPTIONS`, `ERR_KEY_WEAK`, `ERR_KEY_RING_INVALID`, `ERR_COOKIE_OPTIONS`.
 */
export function configure(options: ExpressSessionOptions): MiddlewareConfig {
  if (typeof options !== 'object' || options === null)
    optionError('session() needs an options object')
  refuseUnknownOptions('session()', options, OPTION_NAMES, FOREIGN_OPTIONS)
  const name = options.name ?? 'connect.sid'
  const cookie = options.cookie ?? {}
  if (typeof cookie !== 'function') checkCookieOptions(name, cookie)
  for (const hook of ['genid', 'onError', 'now'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function')
      optionError(`${hook} must be a function`)
  }
  // resave is accepted and has nothing to do: the cookie is the store, re-sent when it changes.
  oneOf('resave', options.resave, [true, false, undefined], undefined)
  const now = options.now ?? Date.now
  const sessions = createSessions<Record<string, unknown>>({
    keys: keysOf(options.secret),
    // Only the name and chunking come from here: each session's attributes are its own.
    cookie: { name, secure: true, path: '/' },
    ...(options.denylist !== undefined ? { denylist: options.denylist } : {}),
    ...(options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
    ...(options.idleTimeoutSeconds !== undefined
      ? { idleTimeoutSeconds: options.idleTimeoutSeconds }
      : {}),
    ...(options.userId !== undefined ? { userId: options.userId } : {}),
    ...(options.onDenylistError !== undefined ? { onDenylistError: options.onDenylistError } : {}),
    ...(options.onReject !== undefined ? { onReject: options.onReject } : {}),
    now,
  })
  return {
    sessions,
    saveUninitialized: oneOf('saveUninitialized', options.saveUninitialized, [true, false], true),
    rolling: oneOf('rolling', options.rolling, [true, false], false),
    unset: oneOf('unset', options.unset, ['keep', 'destroy'] as const, 'keep'),
    onError: options.onError ?? defaultOnError,
    genid: options.genid,
    cookie: {
      options:
        typeof cookie === 'function'
          ? (req) => checkCookieOptions(name, cookie(req))
          : () => cookie,
      proxy: oneOf('proxy', options.proxy, [true, false, undefined], undefined),
      now,
    },
  }
}

/** `process.emitWarning`, where there is one. */
export function defaultOnError(error: SessionError): void {
  const runtime = (globalThis as { process?: { emitWarning?: (warning: Error) => void } }).process
  runtime?.emitWarning?.(error)
}
