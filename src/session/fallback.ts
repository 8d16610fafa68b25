// Migration from another library's cookie (`fallback`): consulted only when the request carries
// no cachet session cookie. An accepted old cookie becomes an active session sealed as cachet's
// in the same response, and the old cookie is deleted; a refused one gives an anonymous session
// with a reason, and is deleted too. Never throws for anything the client sent.

import { isSessionError } from '../errors.js'
import type { SessionSettings } from './options.js'
import { report } from './reasons.js'
import { SessionImpl } from './session.js'
import type { FallbackResult, RejectReason, SessionWriter } from './types.js'

/** Longest old cookie value handed to the reader (the browser's per-cookie limit, with room). */
const MAX_FALLBACK_VALUE = 16_384

/** A fallback read's inputs. */
export interface FallbackRequest<T> {
  readonly settings: SessionSettings<T>
  readonly cookieHeader: string | undefined
  readonly writer: SessionWriter | undefined
  readonly generateId?: (() => string) | undefined
}

async function open<T>(
  settings: SessionSettings<T>,
  value: string,
  nowMs: number,
): Promise<FallbackResult> {
  if (value.length > MAX_FALLBACK_VALUE) return { ok: false, reason: 'invalid' }
  try {
    return await settings.fallback!.reader.read(value, nowMs)
  } catch {
    return { ok: false, reason: 'invalid' }
  }
}

/**
 * The session of a request that has no cachet cookie but may carry the old library's one;
 * `undefined` when it carries neither.
 */
export async function readFallback<T>(
  request: FallbackRequest<T>,
): Promise<SessionImpl<T> | undefined> {
  const { settings, cookieHeader, writer, generateId } = request
  const old = settings.fallback!.cookie
  const name = old.name
  const pair = cookieHeader
    ?.split(';')
    .map((p) => p.trim())
    .find((p) => p.startsWith(`${name}=`))
  if (pair === undefined) return undefined
  const clearOld = old.clear([name])
  const session = new SessionImpl<T>({
    settings,
    present: [],
    source: undefined,
    writer,
    generateId,
  })
  const rejected = (reason: RejectReason) => {
    report(settings, reason)
    return new SessionImpl<T>({
      settings,
      present: [],
      source: undefined,
      writer,
      generateId,
    }).reject(reason, clearOld)
  }
  const nowMs = settings.now()
  const result = await open(settings, pair.slice(name.length + 1), nowMs)
  if (!result.ok) return rejected(result.reason === 'expired' ? 'expired' : 'invalid')
  const { data, expiresAtMs } = result
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return rejected('invalid')
  if (expiresAtMs !== undefined && !(expiresAtMs > nowMs)) return rejected('expired')
  try {
    await session.adopt(data as T, expiresAtMs, clearOld)
  } catch (error) {
    if (isSessionError(error, 'ERR_DENYLIST_UNAVAILABLE')) return rejected('denylist-unavailable')
    return rejected(isSessionError(error, 'ERR_SESSION_DATA') ? 'schema' : 'invalid')
  }
  return session
}
