/**
 * cachet: stateless, encrypted cookie sessions (XAES-256-GCM) with key rotation and optional
 * revocation.
 *
 * @module
 */

export { createSessions } from './session/index.js'
export type {
  ActiveSession,
  AnonymousSession,
  DecodeResult,
  DeviceOptions,
  DeviceSession,
  LabelContext,
  FallbackResult,
  DestroyOptions,
  ReadOptions,
  RejectDetail,
  RejectReason,
  Session,
  SessionBase,
  SessionCookieSettings,
  SessionFallback,
  SessionEnvelope,
  SessionInput,
  SessionOptions,
  SessionRef,
  Sessions,
  SessionState,
  SessionStrategy,
  SessionWriter,
  StandardSchemaV1,
  StrategyContext,
} from './session/index.js'
export { seal, unseal, SEAL_VERSION, DEFAULT_MAX_SEAL_LENGTH } from './seal.js'
export type { SealContext, SealOptions, UnsealOptions } from './seal.js'
export { createKeyRing, generateSecret, DEFAULT_KEY_ID, MIN_SECRET_BYTES } from './keys.js'
export type { KeyRing, KeyRingOptions, Secret } from './keys.js'
export { MAX_COOKIE_BYTES, MAX_COOKIE_AGE_SECONDS } from './cookie.js'
export type { CookieOptions, CookieWrite, SetCookieAttributes } from './cookie.js'
export { SessionError, isSessionError } from './errors.js'
export type { SessionErrorCode, SessionErrorOptions, SessionIssue } from './errors.js'
export { deviceLabel } from './user-agent.js'
