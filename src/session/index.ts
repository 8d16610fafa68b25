/**
 * Sessions: turn a request's cookie into a typed `Session<T>` and back into cookie writes.
 *
 * Lifetimes (absolute from creation, optional idle timeout), throttled rolling refresh, re-sealing
 * under the current key, optional schema validation and optional revocation through a denylist.
 * This module never touches a framework object: every cookie write goes through the adapter's
 * {@link SessionWriter}, and stays readable in `session.writes`.
 *
 * @module
 */

export { createSessions } from './manager.js'
export type { SessionOptions } from './options.js'
export type { DeviceOptions, LabelContext } from './devices.js'
export type { DecodeResult, SessionEnvelope, SessionStrategy, StrategyContext } from './strategy.js'
export type {
  ActiveSession,
  AnonymousSession,
  DeviceSession,
  FallbackResult,
  DestroyOptions,
  ReadOptions,
  RejectDetail,
  RejectReason,
  Session,
  SessionBase,
  SessionCookieSettings,
  SessionFallback,
  SessionInput,
  SessionRef,
  Sessions,
  SessionState,
  SessionWriter,
} from './types.js'
export type { StandardSchemaV1 } from '../_internal/standard-schema.js'
