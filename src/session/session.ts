/**
 * The session object: what `sessions.read()` returns. It holds the state read from the request
 * and computes the cookie writes of a refresh, `save()`, `regenerate()` and `destroy()`, pushing
 * each through the adapter's writer as soon as it is computed.
 *
 * @module
 */

import type { CookieWrite } from '../cookie.js'
import { SessionError } from '../errors.js'
import { denylistCall, deviceCall, revocationTtl, touchIntervalMs, validate } from './calls.js'
import {
  labelFor,
  recordLogin,
  touchDue,
  type DeviceSettings,
  type LabelContext,
} from './devices.js'
import { deviceLabel } from '../user-agent.js'
import { isSessionId, newSessionId } from './ids.js'
import type { SessionSettings } from './options.js'
import { stateOf } from './reasons.js'
import type { SessionEnvelope } from './strategy.js'
import type { DestroyOptions, RejectReason, Session, SessionState, SessionWriter } from './types.js'

/** A session to revoke: its id, user and absolute expiry. */
export interface Revocable {
  readonly id: string
  readonly userId: string | undefined
  readonly expiresAtMs: number
}

/** Where the request's credential came from. */
export type CredentialSource = 'cookie' | 'bearer' | undefined

/** What a session is built with. */
export interface SessionParts<T> {
  readonly settings: SessionSettings<T>
  /** Names of the session cookies the request sent (`name`, `name.0`, …). */
  readonly present: readonly string[]
  readonly source: CredentialSource
  readonly writer: SessionWriter | undefined
  /** The request, for the device label (only used with `devices`). */
  readonly device?: LabelContext
  /** `ReadOptions.generateId`: makes the id of a session this request creates. */
  readonly generateId?: (() => string) | undefined
}

/** The fields `save()` restores when it fails. */
type Snapshot<T> = Pick<
  SessionImpl<T>,
  'state' | 'reason' | 'id' | 'data' | 'userId' | 'createdAtMs' | 'expiresAtMs'
> & {
  readonly userVersion: number | undefined
  readonly epoch: number | undefined
  readonly checkedAtMs: number | undefined
  readonly generation: string | undefined
}

/** A session that ends (regenerate, destroy, a switch of user). */
interface Ended {
  readonly id: string
  readonly expiresAtMs: number
  readonly userId: string | undefined
}

/** The one implementation of {@link Session}; `state` tells which of its two shapes it has. */
export class SessionImpl<T> {
  state: SessionState = 'new'
  reason: RejectReason | undefined = undefined
  id: string = newSessionId()
  data: Partial<T> | T = {}
  userId: string | undefined = undefined
  expiresAtMs: number | undefined = undefined
  createdAtMs: number | undefined = undefined
  writes: readonly CookieWrite[] = []
  token: string | undefined = undefined
  readonly source: CredentialSource
  readonly #settings: SessionSettings<T>
  readonly #present: readonly string[]
  readonly #writer: SessionWriter | undefined
  readonly #device: LabelContext
  readonly #generateId: (() => string) | undefined
  #lastSeenMs: number | undefined = undefined
  #userVersion: number | undefined = undefined
  #epoch: number | undefined = undefined
  #checkedAtMs: number | undefined = undefined
  #generation: string | undefined = undefined
  // What a cookie whose revocation check failed (`denylist-unavailable`) decoded to: not data the
  // app may use, but what destroy() and regenerate() must revoke.
  #unverified: Revocable | undefined = undefined

  constructor(parts: SessionParts<T>) {
    this.#settings = parts.settings
    this.#present = parts.present
    this.#writer = parts.writer
    this.source = parts.source
    this.#device = parts.device ?? { userAgent: undefined, headers: undefined }
    this.#generateId = parts.generateId
  }

  /** A session this request creates takes its id from `generateId` (a read one keeps its own). */
  takeGeneratedId(): void {
    if (this.#generateId !== undefined && this.state !== 'active') this.id = this.#newId()
  }

  #newId(): string {
    if (this.#generateId === undefined) return newSessionId()
    const id = this.#generateId()
    if (typeof id !== 'string' || !isSessionId(id)) {
      throw new SessionError(
        'ERR_SESSION_OPTIONS',
        'a generated session id must be 22 characters of [A-Za-z0-9_-]',
      )
    }
    return id
  }

  get idleExpiresAtMs(): number | undefined {
    const idleSeconds = this.#settings.idleSeconds
    return this.state === 'active' && idleSeconds !== undefined && this.#lastSeenMs !== undefined
      ? this.#lastSeenMs + idleSeconds * 1000
      : undefined
  }

  /** This object as the public type. */
  asSession(): Session<T> {
    return this as unknown as Session<T>
  }

  // --- Read time ---

  /**
   * Marks the session as rejected for `reason` (a new, anonymous session). `clear` deletes the
   * rejected cookie: by default the session cookies the request sent.
   */
  reject(reason: RejectReason, clear?: readonly CookieWrite[]): this {
    this.state = stateOf(reason)
    this.reason = reason
    // A rejected cookie is cleared so the browser stops sending it, except when the denylist
    // was unreachable: that says nothing about the cookie, which must survive the outage.
    if (reason !== 'denylist-unavailable')
      this.#pushAtRead(clear ?? this.#settings.cookie.clear(this.#present))
    return this
  }

  /**
   * Starts a session from another library's cookie (`fallback`): a new lifetime, capped at the
   * old cookie's expiry (migrating never lengthens a session), sealed at once, with `clearOld`
   * (the old cookie's deletion) in the same writes. Throws `ERR_SESSION_DATA` for data that
   * fails the schema, `ERR_DENYLIST_UNAVAILABLE`, or a cookie error; the caller rejects.
   */
  async adopt(data: T, capMs: number | undefined, clearOld: readonly CookieWrite[]): Promise<void> {
    const settings = this.#settings
    const checked = await validate(settings.schema, data)
    if (!checked.ok)
      throw new SessionError('ERR_SESSION_DATA', 'the session data failed the schema')
    const nowMs = settings.now()
    const userId = settings.userIdOf(checked.value)
    await this.#startLifetime(userId, nowMs, false)
    if (capMs !== undefined && capMs < this.expiresAtMs!) this.expiresAtMs = capMs
    this.state = 'active'
    this.reason = undefined
    this.data = checked.value
    this.userId = userId
    await this.#issue(nowMs)
    this.#pushAtRead([...this.writes, ...clearOld])
  }

  /**
   * Remembers what a cookie decoded to when its revocation check failed, so that a logout in this
   * request revokes it (or rejects) instead of resolving with nothing revoked.
   */
  keepUnverified(decoded: Revocable): this {
    this.#unverified = decoded
    return this
  }

  /** Fills the session from a decoded envelope whose data passed the schema. */
  activate(envelope: SessionEnvelope, data: T, expiresAtMs: number): this {
    this.state = 'active'
    this.reason = undefined
    this.id = envelope.sessionId
    this.data = data
    this.userId = envelope.userId
    this.createdAtMs = envelope.createdAtMs
    this.#lastSeenMs = envelope.lastSeenMs
    this.#userVersion = envelope.userVersion
    this.#epoch = envelope.epoch
    this.#checkedAtMs = envelope.checkedAtMs
    this.#generation = envelope.generation
    this.expiresAtMs = expiresAtMs
    return this
  }

  /** Re-issues the cookie (rolling refresh, re-seal under the current key). */
  async refresh(nowMs: number): Promise<void> {
    const previousMs = this.#lastSeenMs!
    try {
      await this.#issue(nowMs)
    } catch {
      // A refresh that cannot be written (e.g. the cookie settings changed and it no longer
      // fits) keeps the current cookie; the session itself is valid.
      return
    }
    // A Bearer client keeps its token where it chose to: no Set-Cookie unless the app calls
    // save(); the new token is in session.token for the app to hand back.
    if (this.source === 'bearer') this.writes = []
    this.#pushAtRead(this.writes)
    await this.#touchDevice(previousMs, nowMs).catch(() => {})
  }

  // --- Device index ---

  #devices(): DeviceSettings | undefined {
    return this.userId === undefined ? undefined : this.#settings.devices
  }

  #deviceRecord(nowMs: number, label: string) {
    return {
      sessionId: this.id,
      createdAtMs: this.createdAtMs!,
      lastSeenMs: nowMs,
      expiresAtMs: this.expiresAtMs!,
      label,
      ...(this.#userVersion !== undefined ? { userVersion: this.#userVersion } : {}),
      ...(this.#epoch !== undefined ? { epoch: this.#epoch } : {}),
    }
  }

  // "Last seen" moves at most once per interval, and only from a request that says what it is
  // (headers, or the app's label function): a bare cookie string would overwrite the label.
  async #touchDevice(previousMs: number, nowMs: number): Promise<void> {
    const devices = this.#devices()
    if (!devices) return
    const entry = { createdAtMs: this.createdAtMs!, previousMs, nowMs }
    if (!touchDue(entry, touchIntervalMs(this.#settings))) return
    const label = await labelFor(devices, this.#device)
    if (label === undefined) return
    await devices.index.recordSession(this.userId!, this.#deviceRecord(nowMs, label), {
      nowMs,
      clockSkewSeconds: this.#settings.skewSeconds,
    })
  }

  // A login: recorded before the cookie goes out, so that a refusal at the cap sends nothing.
  async #recordLogin(nowMs: number): Promise<void> {
    const devices = this.#devices()
    if (!devices) return
    const ttlSeconds = revocationTtl(this.#settings, this.expiresAtMs!)
    const label = (await labelFor(devices, this.#device)) ?? deviceLabel(undefined)
    const record = this.#deviceRecord(nowMs, label)
    await deviceCall(() =>
      recordLogin(
        devices,
        { userId: this.userId!, record, ttlSeconds },
        this.#settings.skewSeconds,
      ),
    )
  }

  // A write due at read time goes out at once. Where the framework refuses it (a Server
  // Component, headers already sent), it waits for a writable request: reading never throws.
  #pushAtRead(writes: readonly CookieWrite[]): void {
    this.writes = writes
    if (writes.length === 0) return
    try {
      this.#writer?.apply?.(writes)
    } catch {
      // Refused here; `save()`, `regenerate()` and `destroy()` meet the refusal in the guard.
    }
  }

  // save(), regenerate() and destroy(): the writer may refuse, and its refusal rejects the call.
  #push(writes: readonly CookieWrite[]): void {
    this.writes = writes
    this.#writer?.apply?.(writes)
  }

  // Computing the writes throws ERR_COOKIE_TOO_LARGE before anything is recorded.
  async #issue(nowMs: number): Promise<void> {
    const expiresAtMs = this.expiresAtMs!
    const envelope: SessionEnvelope = {
      sessionId: this.id,
      createdAtMs: this.createdAtMs!,
      lastSeenMs: nowMs,
      userId: this.userId,
      userVersion: this.#userVersion,
      epoch: this.#epoch,
      checkedAtMs: this.#checkedAtMs,
      generation: this.#generation,
      data: this.data,
    }
    const token = await this.#settings.strategy.encode(envelope, expiresAtMs, nowMs)
    this.writes = this.#settings.cookie.write(token, (expiresAtMs - nowMs) / 1000, this.#present)
    this.token = token
    this.#lastSeenMs = nowMs
  }

  // --- Controls ---

  async save(data?: T): Promise<void> {
    this.#writer?.guard?.()
    if (this.state === 'destroyed') {
      throw new SessionError(
        'ERR_SESSION_STATE',
        'save() after destroy(): a destroyed session cannot be revived',
      )
    }
    const settings = this.#settings
    const checked = await validate(settings.schema, data === undefined ? this.data : data)
    if (!checked.ok)
      throw new SessionError('ERR_SESSION_DATA', 'the session data failed the schema', {
        issues: checked.issues,
      })
    const value = checked.value
    const nowMs = settings.now()
    const userId = settings.userIdOf(value)
    const previous = this.#snapshot()
    const previousSeenMs = this.#lastSeenMs
    const { writes: previousWrites, token: previousToken } = this
    const switchesUser = this.state === 'active' && userId !== this.userId
    const startsLifetime = this.state !== 'active' || switchesUser
    if (startsLifetime) await this.#startLifetime(userId, nowMs, switchesUser)
    this.state = 'active'
    this.reason = undefined
    this.data = value
    this.userId = userId
    try {
      await this.#issue(nowMs)
      if (startsLifetime) await this.#recordLogin(nowMs)
    } catch (error) {
      // Nothing of a refused login leaves: not the cookie, not the token.
      this.#restore(previous)
      this.#lastSeenMs = previousSeenMs
      this.writes = previousWrites
      this.token = previousToken
      throw error
    }
    this.#push(this.writes)
    if (!startsLifetime && previousSeenMs !== undefined)
      await this.#touchDevice(previousSeenMs, nowMs).catch(() => {})
    if (switchesUser && previous.expiresAtMs !== undefined) {
      await this.#revoke({
        id: previous.id,
        expiresAtMs: previous.expiresAtMs,
        userId: previous.userId,
      })
    }
  }

  // A new session, or the same session now naming another user: start a fresh lifetime and stamp
  // the user's current version so that "log out everywhere" covers it.
  async #startLifetime(userId: string | undefined, nowMs: number, switchesUser: boolean) {
    const denylist = this.#settings.denylist
    const versions = denylist ? await denylistCall(() => denylist.current(userId)) : undefined
    this.createdAtMs = nowMs
    this.expiresAtMs = nowMs + this.#settings.maxAgeSeconds * 1000
    this.#userVersion = versions?.userVersion
    this.#epoch = versions?.epoch
    // The versions were just read: as good as a check, for recheckSeconds.
    this.#checkedAtMs = versions && this.#settings.recheckMs !== undefined ? nowMs : undefined
    this.#generation = versions?.generation
    // Another user never inherits a session id the client already holds (session fixation,
    // OWASP ASVS V3.2.1), even if the app forgot regenerate().
    if (switchesUser) this.id = this.#newId()
  }

  async regenerate(): Promise<void> {
    this.#writer?.guard?.()
    if (this.state === 'destroyed') {
      throw new SessionError('ERR_SESSION_STATE', 'regenerate() after destroy()')
    }
    const old = this.#revocable()
    this.state = 'new'
    this.reason = undefined
    this.id = this.#newId()
    this.data = {}
    this.userId = undefined
    this.expiresAtMs = this.createdAtMs = this.#lastSeenMs = undefined
    this.#userVersion = this.#epoch = this.#checkedAtMs = undefined
    this.#userVersion = this.#epoch = this.#generation = this.#unverified = undefined
    this.token = undefined
    this.#push(this.#settings.cookie.clear(this.#present))
    if (old) await this.#revoke(old)
  }

  async destroy(options: DestroyOptions = {}): Promise<void> {
    this.#writer?.guard?.()
    if (typeof options !== 'object' || options === null)
      throw new SessionError('ERR_SESSION_OPTIONS', 'destroy() options must be an object')
    const everywhere = options.everywhere === true
    if (everywhere && !this.#settings.denylist)
      throw new SessionError('ERR_SESSION_OPTIONS', 'destroy({ everywhere }) needs a denylist')
    const old = this.#revocable()
    this.state = 'destroyed'
    this.data = {}
    this.userId = undefined
    this.expiresAtMs = this.createdAtMs = this.#lastSeenMs = undefined
    this.#unverified = undefined
    this.token = undefined
    // Clear the plain name even if the request did not send it (a parallel response may set it).
    const cookie = this.#settings.cookie
    this.#push(cookie.clear([...new Set([cookie.name, ...this.#present])]))
    if (!old) return
    if (everywhere && old.userId !== undefined) await this.#revokeUser(old.userId)
    else await this.#revoke(old)
  }

  /** The session destroy() and regenerate() revoke: this one, or the one its cookie decoded to. */
  #revocable(): Ended | undefined {
    if (this.state === 'active')
      return { id: this.id, expiresAtMs: this.expiresAtMs!, userId: this.userId }
    return this.#unverified
  }

  // The id goes on the denylist; with the device index, the entry goes too (in parallel: both
  // must be confirmed).
  async #revoke(old: Ended): Promise<void> {
    const { denylist, devices } = this.#settings
    if (!denylist) return
    const ttl = revocationTtl(this.#settings, old.expiresAtMs)
    const nowMs = this.#settings.now()
    const userId = old.userId
    await Promise.all([
      denylistCall(() => denylist.revokeSession(old.id, ttl)),
      devices && userId !== undefined
        ? denylistCall(() =>
            devices.index.forgetSession(userId, old.id, { nowMs, ttlSeconds: ttl }),
          )
        : undefined,
    ])
  }

  async #revokeUser(userId: string): Promise<void> {
    const denylist = this.#settings.denylist
    if (!denylist) return
    await denylistCall(() => denylist.revokeUser(userId))
  }

  #snapshot(): Snapshot<T> {
    const { state, reason, id, data, userId, createdAtMs, expiresAtMs } = this
    return {
      state,
      reason,
      id,
      data,
      userId,
      createdAtMs,
      expiresAtMs,
      userVersion: this.#userVersion,
      epoch: this.#epoch,
      checkedAtMs: this.#checkedAtMs,
      generation: this.#generation,
    }
  }

  #restore(previous: Snapshot<T>): void {
    this.state = previous.state
    this.reason = previous.reason
    this.id = previous.id
    this.data = previous.data
    this.userId = previous.userId
    this.createdAtMs = previous.createdAtMs
    this.expiresAtMs = previous.expiresAtMs
    this.#userVersion = previous.userVersion
    this.#epoch = previous.epoch
    this.#checkedAtMs = previous.checkedAtMs
    this.#generation = previous.generation
  }
}
