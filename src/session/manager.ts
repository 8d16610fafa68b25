/**
 * The session manager: `createSessions` validates the options once and returns the object that
 * reads sessions and revokes them.
 *
 * @module
 */

import type { Denylist } from '../denylist/index.js'
import { isSessionId } from './ids.js'
import {
  optionError,
  resolveOptions,
  type SessionOptions,
  type SessionSettings,
} from './options.js'
import { readSession, report } from './read.js'
import { denylistCall, SessionImpl } from './session.js'
import type { ReadOptions, Session, SessionInput, Sessions } from './types.js'

/**
 * Creates a session manager. All options are validated here, once.
 *
 * @throws `ERR_KEY_WEAK`, `ERR_KEY_RING_INVALID` for keys; `ERR_COOKIE_OPTIONS` for cookie
 *   attributes; `ERR_SESSION_OPTIONS` for lifetimes, hooks and schema.
 * @example
 * ```ts
 * const sessions = createSessions<{ userId: string }>({
 *   keys: process.env.SESSION_SECRET!,
 *   maxAgeSeconds: 7 * 24 * 3600,
 *   idleTimeoutSeconds: 30 * 60,
 * })
 * const session = await sessions.read(request)
 * if (session.state === 'active') console.log(session.data.userId)
 * ```
 */
export function createSessions<T extends object = Record<string, unknown>>(
  options: SessionOptions<T>,
): Sessions<T> {
  const settings = resolveOptions(options)
  const { cookie, keys } = settings
  return Object.freeze({
    cookie: Object.freeze({ name: cookie.name, attributes: cookie.attributes }),
    keys,
    backend: settings.backend,
    read: (input: SessionInput, readOptions?: ReadOptions) => read(settings, input, readOptions),
    revoke: (sessionId: string) => revoke(settings, sessionId),
    revokeUser: (userId: string, revokeOptions?: { except?: string }) =>
      revokeUser(settings, userId, revokeOptions),
    revokeAll: async () => {
      const store = needDenylist(settings)
      await denylistCall(() => store.revokeAll())
    },
  })
}

async function read<T>(
  settings: SessionSettings<T>,
  input: SessionInput,
  options: ReadOptions | undefined,
): Promise<Session<T>> {
  const writer = options?.writer
  try {
    return (await readSession({ settings, input, writer })).asSession()
  } catch {
    // Defence in depth: nothing a client sends may become an exception.
    report(settings, 'invalid')
    const session = new SessionImpl<T>({ settings, present: [], source: undefined, writer })
    return session.reject('invalid').asSession()
  }
}

const needDenylist = <T>(settings: SessionSettings<T>): Denylist =>
  settings.denylist ?? optionError('revocation needs a denylist (options.denylist)')

async function revoke<T>(settings: SessionSettings<T>, sessionId: string): Promise<void> {
  const store = needDenylist(settings)
  if (!isSessionId(sessionId)) optionError('revoke() needs a session id')
  const ttlSeconds = settings.maxAgeSeconds + settings.skewSeconds
  await denylistCall(() => store.revokeSession(sessionId, ttlSeconds))
}

async function revokeUser<T>(
  settings: SessionSettings<T>,
  userId: string,
  options: { except?: string } | undefined,
): Promise<void> {
  const store = needDenylist(settings)
  if (typeof userId !== 'string' || userId.length === 0) optionError('revokeUser() needs a user id')
  const except = options?.except
  await denylistCall(() =>
    store.revokeUser(userId, {
      ttlSeconds: settings.maxAgeSeconds + settings.skewSeconds,
      ...(except !== undefined ? { exceptSessionId: except } : {}),
    }),
  )
}
