/**
 * The Redis key layout of the denylist: how an id becomes a safe key part, and the keys and
 * channel under a prefix (with Redis Cluster hash tags).
 *
 * @module
 */

import { sha256 } from '../_internal/sha256.js'
import { toBase64url } from '../_internal/bytes.js'

// An id that is already a short base64url-like token (a cachet session id, a UUID) is used as is;
// anything else (':', '*', '{', '}', spaces, non-ASCII, 1 MB strings) becomes '~' + the base64url
// SHA-256 of its UTF-16 code units. The two forms cannot meet ('~' is outside the plain alphabet),
// no part contains ':' or braces, so no id can reach another key or break a hash tag, and every
// key is short. Code units, not UTF-8: UTF-8 maps every lone surrogate to U+FFFD, which would make
// '\uD800' and '\uD801' collide.
const PLAIN_ID = /^[A-Za-z0-9_-]{1,64}$/

/** A valid key prefix: printable ASCII without space, '{' and '}'. */
export const PREFIX = /^[\x21-\x7a\x7c\x7e]{1,64}$/

export function keyPart(id: string): string {
  if (PLAIN_ID.test(id)) return id
  const units = new Uint8Array(id.length * 2)
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    units[2 * i] = c >>> 8
    units[2 * i + 1] = c & 0xff
  }
  return '~' + toBase64url(sha256(units))
}

// Keys, with Redis Cluster hash tags (the part between the first '{' and '}' picks the slot,
// Redis Cluster spec §"Hash tags"):
//   <prefix>{s:<sid>}            "1" while the session is revoked (PX = remaining lifetime + skew)
//   <prefix>{u:<user>}:v         the user's counter (INCR; no TTL)
//   <prefix>{u:<user>}:k:<sid>   the counter value up to which <sid> survives (PX)
//   <prefix>{u:<user>}:d         device index: sorted set, member <sid>, score = expiry (ms)
//   <prefix>{u:<user>}:e         device index: hash, <sid> → the entry (JSON)
//   <prefix>{u:<user>}:r:<sid>   "1" while <sid> is revoked for <user> through the device index
//   <prefix>{store}:epoch        the global epoch (INCR; no TTL)
//   <prefix>{store}:generation   the store's generation (created once with SET NX; no TTL)
// The user's counter and keep markers share a slot so that one script updates both atomically.
// The session key is tagged by its own id, so revoking by id alone needs no user id. The device
// index and its revocation markers share the user's slot too, so that one script enforces the
// session cap and revokes the sessions it evicts, and a check reads the marker in the MGET of
// the user's slot it sends anyway (no extra command, no extra round trip). The epoch and the
// generation share a slot, so that a check on a Cluster stays one MGET per slot group.
export interface KeyLayout {
  session(sidPart: string): string
  version(userPart: string): string
  keep(userPart: string, sidPart: string): string
  devices(userPart: string): string
  deviceEntries(userPart: string): string
  /** The revocation marker of one session of a user, i.e. `deviceRevokedPrefix(user) + sid`. */
  deviceRevoked(userPart: string, sidPart: string): string
  deviceRevokedPrefix(userPart: string): string
  readonly epoch: string
  readonly generation: string
  readonly channel: string
}

export function keyLayout(prefix: string): KeyLayout {
  return {
    session: (sidPart) => `${prefix}{s:${sidPart}}`,
    version: (userPart) => `${prefix}{u:${userPart}}:v`,
    keep: (userPart, sidPart) => `${prefix}{u:${userPart}}:k:${sidPart}`,
    devices: (userPart) => `${prefix}{u:${userPart}}:d`,
    deviceEntries: (userPart) => `${prefix}{u:${userPart}}:e`,
    deviceRevoked: (userPart, sidPart) => `${prefix}{u:${userPart}}:r:${sidPart}`,
    deviceRevokedPrefix: (userPart) => `${prefix}{u:${userPart}}:r:`,
    epoch: `${prefix}{store}:epoch`,
    generation: `${prefix}{store}:generation`,
    channel: `${prefix}revocations`,
  }
}

// INCR the user's counter and remember, in the same slot and atomically, that one session
// survives up to the new value: no concurrent check sees the new counter without the marker.
export const KEEP_SCRIPT =
  "local v = redis.call('INCR', KEYS[1]) redis.call('SET', KEYS[2], v, 'PX', ARGV[1]) return v"

// Creates the generation if there is none (SET NX), and answers the one in force: ours, or one
// another instance created first.
export const GENERATION_SCRIPT =
  "if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return ARGV[1] end return redis.call('GET', KEYS[1])"
