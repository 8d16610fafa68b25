/**
 * The Lua scripts of the Redis device index. Each runs atomically (Redis scripting: "no other
 * script or command runs while a script is running") on the user's slot: every key it touches is
 * `<prefix>{u:<user>}:…`, declared in KEYS or built from a prefix of that form, so it works on a
 * Cluster.
 *
 * @module
 */

// Shared: drop the entries whose expiry (the score) is at or before now. The hash entries go one
// by one so that no `unpack` meets Lua's stack limit, however many expired.
const PRUNE = `
local now = tonumber(ARGV[3])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #gone > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  for _, sid in ipairs(gone) do redis.call('HDEL', KEYS[2], sid) end
end
`

/**
 * Records (or updates) one session and enforces the cap, atomically: two logins at the cap are
 * serialized, so 'refuse-new' lets exactly the places left through and 'revoke-oldest' never
 * leaves more than the cap.
 *
 * KEYS: 1 sorted set (sid → expiry), 2 hash (sid → entry JSON).
 * ARGV: 1 sid, 2 entry JSON, 3 now (ms), 4 expiry (ms), 5 cap (0: none),
 *       6 'revoke-oldest' | 'refuse-new', 7 marker prefix `<prefix>{u:<user>}:r:`, 8 skew (ms).
 * Returns { 1 | 0 (recorded), entry JSON of each session evicted … }.
 */
export const RECORD_SCRIPT = `${PRUNE}
if redis.call('EXISTS', ARGV[7] .. ARGV[1]) == 1 then return { 0 } end
local reply = { 1 }
local cap = tonumber(ARGV[5])
if cap > 0 and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local excess = redis.call('ZCARD', KEYS[1]) - cap + 1
  if excess > 0 then
    if ARGV[6] == 'refuse-new' then return { 0 } end
    local oldest = redis.call('ZRANGE', KEYS[1], 0, excess - 1, 'WITHSCORES')
    for i = 1, #oldest, 2 do
      local sid = oldest[i]
      local ttl = math.floor(tonumber(oldest[i + 1]) - now + tonumber(ARGV[8]))
      redis.call('SET', ARGV[7] .. sid, '1', 'PX', math.max(1, ttl))
      reply[#reply + 1] = redis.call('HGET', KEYS[2], sid) or ''
      redis.call('ZREM', KEYS[1], sid)
      redis.call('HDEL', KEYS[2], sid)
    end
  end
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ttl = math.max(1, math.floor(tonumber(last[2]) - now))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return reply
`

/**
 * The live entries of a user (expiry after now). Read-only.
 *
 * KEYS: 1 sorted set, 2 hash. ARGV: 1 now (ms).
 */
export const LIST_SCRIPT = `
local sids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local reply = {}
for _, sid in ipairs(sids) do reply[#reply + 1] = redis.call('HGET', KEYS[2], sid) or '' end
return reply
`

/**
 * Removes one session from the list and marks it revoked for this user, atomically.
 *
 * KEYS: 1 sorted set, 2 hash, 3 the session's marker. ARGV: 1 sid, 2 marker TTL (ms), 3 now (ms).
 * Returns 1 when the session was listed and live, else 0.
 */
export const FORGET_SCRIPT = `
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if score and tonumber(score) > tonumber(ARGV[3]) then return 1 end
return 0
`
