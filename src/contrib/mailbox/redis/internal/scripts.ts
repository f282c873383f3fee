/**
 * The Lua scripts behind {@link RedisMailbox}, and a runner that calls them by SHA and loads them
 * on a `NOSCRIPT` miss. Every state change of a queue is one script, so it is atomic, and every
 * script reads the time from the Redis server (`TIME`), so consumers with skewed clocks agree on
 * when a visibility timeout ends.
 *
 * A queue is five keys that share one hash tag, so they live in one Redis Cluster slot:
 *
 * | key | type | holds |
 * |---|---|---|
 * | `KEYS[1]` `…:pending` | LIST | ids waiting for delivery; `LPUSH` at the tail, `RPOP` at the head |
 * | `KEYS[2]` `…:invisible` | ZSET | ids in flight, scored by the epoch ms their visibility ends |
 * | `KEYS[3]` `…:data` | HASH | id → JSON body |
 * | `KEYS[4]` `…:meta` | HASH | `id:count`, `id:enqueued` (epoch ms), `id:handle` (receipt suffix), `id:reply` |
 * | `KEYS[5]` `…:wake` | LIST | one token per pending message (at most {@link WAKE_TOKENS_MAX}), popped by blocked receivers |
 *
 * A message is in exactly one of pending / invisible / deleted. `id:handle` is set only while a
 * delivery may still settle the message, so clearing it (reaper, nack, ack) makes every older
 * receipt handle stale.
 *
 * The wake list holds about one token per pending message (capped): scripts that add to
 * `pending` push tokens (`wake_one`, or one per message sent), and the receive and reap scripts
 * set it to exactly `min(LLEN pending, cap)` (`wake`), so stray tokens never last. A receiver that
 * found the queue empty blocks on it (`BLPOP`, see `wakeups.ts`) and wakes when a message arrives
 * instead of asking again on a timer.
 *
 * @internal
 */

import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";

/** The clients a {@link RedisMailbox} accepts: a standalone connection or a cluster. */
export type RedisClient = Redis | Cluster;

/** Most expired messages one reaper run (or one receive) moves back to pending. */
export const REAP_BATCH = 100;

/**
 * Most tokens the wake list holds: one per pending message up to this, which is more receivers
 * than ever block on one queue at once, so a deep backlog costs no more than this many tokens.
 */
export const WAKE_TOKENS_MAX = 1024;

// Shared helpers, prepended to every script. Numbers are written with '%.0f' so large epoch
// milliseconds never turn into exponent notation on their way into Redis.
//
// TTLs: setting one is a write Redis propagates, reading one is cheap, and each call from Lua
// costs; so a key gets the queue's TTL when a script creates it (born), and all five are
// refreshed together when the meta hash's TTL has run down by a tenth (at most 1 s) — one PTTL
// per script. Every key therefore always has a TTL, refreshed while the queue is in use.
const PRELUDE = `
local TTL_MS = 0
local function init(ttl_seconds)
  TTL_MS = tonumber(ttl_seconds) * 1000
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n)
  return string.format('%.0f', n)
end
local function born(key)
  if TTL_MS > 0 then redis.call('PEXPIRE', key, TTL_MS) end
end
local function push(key, value, command)
  if redis.call(command or 'LPUSH', key, value) == 1 then born(key) end
end
local function touch()
  if TTL_MS <= 0 then return end
  local left = redis.call('PTTL', KEYS[4])
  if left == -2 then return end
  if left == -1 or left < TTL_MS - math.min(1000, TTL_MS / 10) then
    for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], TTL_MS) end
  end
end
local function wake_one()
  local n = redis.call('LPUSH', KEYS[5], '1')
  if n == 1 then born(KEYS[5]) elseif n > ${WAKE_TOKENS_MAX} then redis.call('LTRIM', KEYS[5], 0, ${WAKE_TOKENS_MAX - 1}) end
end
local function wake()
  local want = math.min(redis.call('LLEN', KEYS[1]), ${WAKE_TOKENS_MAX})
  local have = redis.call('LLEN', KEYS[5])
  if want == 0 then
    if have > 0 then redis.call('DEL', KEYS[5]) end
  elseif have > want then
    redis.call('LTRIM', KEYS[5], 0, want - 1)
  elseif have < want then
    local tokens = {}
    for _ = have + 1, want do tokens[#tokens + 1] = '1' end
    for first = 1, #tokens, 100 do
      redis.call('LPUSH', KEYS[5], unpack(tokens, first, math.min(first + 99, #tokens)))
    end
    if have == 0 then born(KEYS[5]) end
  end
end
local function forget(id)
  redis.call('HDEL', KEYS[4], id .. ':count', id .. ':enqueued', id .. ':reply', id .. ':handle')
end
local function reap(now, limit)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', fmt(now), 'LIMIT', 0, limit)
  for _, id in ipairs(expired) do
    redis.call('ZREM', KEYS[2], id)
    redis.call('HDEL', KEYS[4], id .. ':handle')
    if redis.call('HEXISTS', KEYS[3], id) == 1 then
      push(KEYS[1], id)
    else
      forget(id)
    end
  end
  return #expired
end
`;

/**
 * ARGV: maxSize (0: none), ttl, then `id, body JSON, reply name ('' for none)` for each message
 * (sends issued together are stored in one call). Returns one 1 per message stored, or 0 where the
 * queue was full.
 */
const SEND = `
init(ARGV[2])
local max = tonumber(ARGV[1])
local size = 0
if max > 0 then size = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2]) end
local existed = redis.call('EXISTS', KEYS[3], KEYS[4])
local now = fmt(now_ms())
local out = {}
local added = 0
for i = 3, #ARGV, 3 do
  if max > 0 and size >= max then
    out[#out + 1] = 0
  else
    local id = ARGV[i]
    redis.call('HSET', KEYS[3], id, ARGV[i + 1])
    if ARGV[i + 2] ~= '' then
      redis.call('HSET', KEYS[4], id .. ':count', 0, id .. ':enqueued', now, id .. ':reply', ARGV[i + 2])
    else
      redis.call('HSET', KEYS[4], id .. ':count', 0, id .. ':enqueued', now)
    end
    push(KEYS[1], id)
    size = size + 1
    added = added + 1
    out[#out + 1] = 1
  end
end
if added > 0 then
  if existed < 2 then
    born(KEYS[3])
    born(KEYS[4])
  end
  local tokens = {}
  for t = 1, added do tokens[t] = '1' end
  local n = redis.call('LPUSH', KEYS[5], unpack(tokens))
  if n == added then born(KEYS[5]) elseif n > ${WAKE_TOKENS_MAX} then redis.call('LTRIM', KEYS[5], 0, ${WAKE_TOKENS_MAX - 1}) end
  touch()
end
return out
`;

/**
 * ARGV: visibility ms, ttl, then one fresh handle suffix per message wanted. Reaps first, so an
 * expired message counts as available even before the reaper runs. Returns
 * `{deliveries, nextDueMs}`: deliveries a list of `{id, body, deliveryCount, enqueuedMs, reply or '',
 * handle suffix}`; nextDueMs, when none was delivered, the ms until the first lease in flight ends
 * (when a blocked receiver should look again), else -1.
 *
 * The messages of one call are taken together: a handful of commands for the whole batch rather
 * than six per message (each `redis.call` costs more than the work it does). The head of
 * `pending` is its right end, so `LRANGE -n -1` read right to left is `RPOP` order.
 */
const RECEIVE = `
init(ARGV[2])
local now = now_ms()
reap(now, ${REAP_BATCH})
local expiry = fmt(now + tonumber(ARGV[1]))
local want = #ARGV - 2
local out = {}
local had_invisible = nil
while #out < want do
  local popped = redis.call('LRANGE', KEYS[1], -(want - #out), -1)
  if #popped == 0 then break end
  redis.call('LTRIM', KEYS[1], 0, -#popped - 1)
  local ids = {}
  for k = #popped, 1, -1 do ids[#ids + 1] = popped[k] end
  local bodies = redis.call('HMGET', KEYS[3], unpack(ids))
  local live = {}
  local fields = {}
  for k = 1, #ids do
    local id = ids[k]
    if bodies[k] then
      live[#live + 1] = k
      fields[#fields + 1] = id .. ':count'
      fields[#fields + 1] = id .. ':enqueued'
      fields[#fields + 1] = id .. ':reply'
    else
      forget(id)
    end
  end
  if #live > 0 then
    local meta = redis.call('HMGET', KEYS[4], unpack(fields))
    local sets = {}
    local scores = {}
    for j = 1, #live do
      local id = ids[live[j]]
      local count = (tonumber(meta[3 * j - 2]) or 0) + 1
      local handle = ARGV[2 + #out + 1]
      sets[#sets + 1] = id .. ':count'
      sets[#sets + 1] = count
      sets[#sets + 1] = id .. ':handle'
      sets[#sets + 1] = handle
      scores[#scores + 1] = expiry
      scores[#scores + 1] = id
      out[#out + 1] = {id, bodies[live[j]], count, meta[3 * j - 1] or '0', meta[3 * j] or '', handle}
    end
    if had_invisible == nil then had_invisible = redis.call('EXISTS', KEYS[2]) end
    redis.call('HSET', KEYS[4], unpack(sets))
    redis.call('ZADD', KEYS[2], unpack(scores))
  end
end
if had_invisible == 0 then born(KEYS[2]) end
wake()
touch()
local due = -1
if #out == 0 then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if first[2] then due = math.max(0, tonumber(first[2]) - now) end
end
return {out, due}
`;

/**
 * ARGV: ttl, then `id, handle suffix` for each message to delete (acknowledgements issued together
 * are settled in one call, with one command per step for all of them). Returns one 1 per message,
 * or 0 where the handle is stale.
 */
const ACKNOWLEDGE = `
init(ARGV[1])
local fields = {}
for i = 2, #ARGV, 2 do fields[#fields + 1] = ARGV[i] .. ':handle' end
local handles = redis.call('HMGET', KEYS[4], unpack(fields))
local out = {}
local ids = {}
local meta = {}
local seen = {}
for k = 1, #fields do
  local id = ARGV[2 * k]
  -- A message listed twice settles once, as it would one call at a time.
  if handles[k] == ARGV[2 * k + 1] and not seen[id] then
    seen[id] = true
    ids[#ids + 1] = id
    meta[#meta + 1] = id .. ':count'
    meta[#meta + 1] = id .. ':enqueued'
    meta[#meta + 1] = id .. ':reply'
    meta[#meta + 1] = id .. ':handle'
    out[k] = 1
  else
    out[k] = 0
  end
end
if #ids > 0 then
  redis.call('ZREM', KEYS[2], unpack(ids))
  redis.call('HDEL', KEYS[3], unpack(ids))
  redis.call('HDEL', KEYS[4], unpack(meta))
end
touch()
return out
`;

/**
 * ARGV: id, handle suffix, visibility ms, ttl. Clears the handle (the next delivery gets a new
 * one); 0 ms puts the message at the tail of pending, more keeps it invisible that long.
 * Returns 1, or 0 when the handle is stale.
 */
const NACK = `
init(ARGV[4])
local id = ARGV[1]
if redis.call('HGET', KEYS[4], id .. ':handle') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[4], id .. ':handle')
local visibility = tonumber(ARGV[3])
if visibility <= 0 then
  redis.call('ZREM', KEYS[2], id)
  push(KEYS[1], id)
  wake_one()
else
  redis.call('ZADD', KEYS[2], fmt(now_ms() + visibility), id)
end
touch()
return 1
`;

/**
 * ARGV: id, handle suffix, ttl. Undoes a delivery nobody saw (a receive whose caller gave up
 * before Redis answered): back to the head of pending, delivery count restored. 1, or 0 when stale.
 */
const RELEASE = `
init(ARGV[3])
local id = ARGV[1]
if redis.call('HGET', KEYS[4], id .. ':handle') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[4], id .. ':handle')
redis.call('ZREM', KEYS[2], id)
redis.call('HINCRBY', KEYS[4], id .. ':count', -1)
push(KEYS[1], id, 'RPUSH')
wake_one()
touch()
return 1
`;

/** ARGV: id, handle suffix, visibility ms, ttl. Expiry becomes now + visibility. 1, or 0 when stale. */
const EXTEND = `
init(ARGV[4])
local id = ARGV[1]
if redis.call('HGET', KEYS[4], id .. ':handle') ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[2], 'XX', fmt(now_ms() + tonumber(ARGV[3])), id)
touch()
return 1
`;

/** ARGV: limit, ttl. Moves expired messages to the tail of pending; returns how many moved. */
const REAP = `
init(ARGV[2])
local moved = reap(now_ms(), tonumber(ARGV[1]))
if moved > 0 then wake() end
touch()
return moved
`;

/** Pending + invisible. */
const COUNT = `
return redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
`;

/** Deletes the queue; returns how many messages it held. */
const PURGE = `
local count = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return count
`;

/** One Lua script, run with `EVALSHA` and loaded with `EVAL` when the server does not know it. */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(body: string) {
    this.source = PRELUDE + body;
    this.sha = createHash("sha1").update(this.source).digest("hex");
  }

  /** Run on `client` with `keys` and `args`; resolves with the raw script reply. */
  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Every script a queue runs. */
export const SCRIPTS = {
  send: new LuaScript(SEND),
  receive: new LuaScript(RECEIVE),
  acknowledge: new LuaScript(ACKNOWLEDGE),
  nack: new LuaScript(NACK),
  extend: new LuaScript(EXTEND),
  release: new LuaScript(RELEASE),
  reap: new LuaScript(REAP),
  count: new LuaScript(COUNT),
  purge: new LuaScript(PURGE),
} as const;
