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
import { report } from './reasons.js'
import { readSession } from './read.js'
import { liveEntries, type DeviceSettings } from './devices.js'
import { denylistCall } from './calls.js'
import { SessionImpl } from './session.js'
import type {
  DeviceSession,
  ReadOptions,
  Session,
  SessionInput,
  SessionRef,
  Sessions,
} from './types.js'
import { SessionError } from '../errors.js'

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
    listSessions: (userId: string, listOptions?: { current?: SessionRef }) =>
      listSessions(settings, userId, listOptions?.current),
    revokeOwnSession: (session: SessionRef, sessionId: string) =>
      revokeOwnSession(settings, session, sessionId),
  })
}

async function read<T>(
  settings: SessionSettings<T>,
  input: SessionInput,
  options: ReadOptions | undefined,
): Promise<Session<T>> {
  const writer = options?.writer
  const generateId = options?.generateId
  if (generateId !== undefined && typeof generateId !== 'function')
    optionError('generateId must be a function')
  let session: SessionImpl<T>
  try {
    session = await readSession({ settings, input, writer, generateId })
  } catch {
    // Defence in depth: nothing a client sends may become an exception.
    report(settings, 'invalid')
    session = new SessionImpl<T>({ settings, present: [], source: undefined, writer, generateId })
    session.reject('invalid')
  }
  // Outside the try: a generator that breaks the id rule is the developer's bug, and throws.
  session.takeGeneratedId()
  return session.asSession()
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

// --- Devices ---

const needDevices = <T>(settings: SessionSettings<T>): DeviceSettings =>
  settings.devices ?? optionError('listing sessions needs options.devices')

async function listSessions<T>(
  settings: SessionSettings<T>,
  userId: string,
  current: SessionRef | undefined,
): Promise<DeviceSession[]> {
  const { index } = needDevices(settings)
  if (typeof userId !== 'string' || userId.length === 0)
    optionError('listSessions() needs a user id')
  const currentId = current?.state === 'active' ? current.id : undefined
  const { live } = await denylistCall(() => liveEntries(index, userId, settings.now()))
  return live.map((e) => ({
    id: e.sessionId,
    createdAtMs: e.createdAtMs,
    lastSeenMs: e.lastSeenMs,
    expiresAtMs: e.expiresAtMs,
    label: e.label,
    current: e.sessionId === currentId,
  }))
}

async function revokeOwnSession<T>(
  settings: SessionSettings<T>,
  session: SessionRef,
  sessionId: string,
): Promise<boolean> {
  const { index } = needDevices(settings)
  if (session?.state !== 'active' || session.userId === undefined)
    throw new SessionError(
      'ERR_SESSION_STATE',
      'revokeOwnSession() needs an active session with a user',
    )
  if (!isSessionId(sessionId)) return false
  const userId = session.userId
  const nowMs = settings.now()
  const ttlSeconds = settings.maxAgeSeconds + settings.skewSeconds
  // Atomic in the user's slot: removed from the list and revoked for this user, only if listed.
  const listed = await denylistCall(() =>
    index.forgetSession(userId, sessionId, { nowMs, ttlSeconds }),
  )
  if (!listed) return false
  // Also by id, for every reader of the denylist (a store without the index's marker).
  await denylistCall(() => index.revokeSession(sessionId, ttlSeconds))
  return true
}
