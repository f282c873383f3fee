/**
 * The Lua scripts behind {@link RedisMailbox}, and a runner that calls them by SHA and loads them
 * on a `NOSCRIPT` miss. Every state change of a queue is one script, so it is atomic, and every
 * script reads the time from the Redis server (`TIME`), so consumers with skewed clocks agree on
 * when a visibility timeout ends.
 *
 * A queue is four keys that share one hash tag, so they live in one Redis Cluster slot:
 *
 * | key | type | holds |
 * |---|---|---|
 * | `KEYS[1]` `…:pending` | LIST | ids waiting for delivery; `LPUSH` at the tail, `RPOP` at the head |
 * | `KEYS[2]` `…:invisible` | ZSET | ids in flight, scored by the epoch ms their visibility ends |
 * | `KEYS[3]` `…:data` | HASH | id → JSON body |
 * | `KEYS[4]` `…:meta` | HASH | `id:count`, `id:enqueued` (epoch ms), `id:handle` (receipt suffix), `id:reply` |
 *
 * A message is in exactly one of pending / invisible / deleted. `id:handle` is set only while a
 * delivery may still settle the message, so clearing it (reaper, nack, ack) makes every older
 * receipt handle stale.
 *
 * @internal
 */

import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";

/** The clients a {@link RedisMailbox} accepts: a standalone connection or a cluster. */
export type RedisClient = Redis | Cluster;

/** Most expired messages one reaper run (or one receive) moves back to pending. */
export const REAP_BATCH = 100;

// Shared helpers, prepended to every script. Numbers are written with '%.0f' so large epoch
// milliseconds never turn into exponent notation on their way into Redis.
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n)
  return string.format('%.0f', n)
end
local function touch(ttl)
  ttl = tonumber(ttl)
  if ttl > 0 then
    for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ttl) end
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
      redis.call('LPUSH', KEYS[1], id)
    else
      forget(id)
    end
  end
  return #expired
end
`;

/** ARGV: id, body JSON, reply name ('' for none), maxSize (0: none), ttl. Returns 1, or 0 when full. */
const SEND = `
local max = tonumber(ARGV[4])
if max > 0 and redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2]) >= max then
  return 0
end
local id = ARGV[1]
redis.call('HSET', KEYS[3], id, ARGV[2])
redis.call('HSET', KEYS[4], id .. ':count', 0, id .. ':enqueued', fmt(now_ms()))
if ARGV[3] ~= '' then redis.call('HSET', KEYS[4], id .. ':reply', ARGV[3]) end
redis.call('LPUSH', KEYS[1], id)
touch(ARGV[5])
return 1
`;

/**
 * ARGV: visibility ms, ttl, then one fresh handle suffix per message wanted. Reaps first, so an
 * expired message counts as available even before the reaper runs. Returns a list of
 * `{id, body, deliveryCount, enqueuedMs, reply or '', handle suffix}`.
 */
const RECEIVE = `
local now = now_ms()
reap(now, ${REAP_BATCH})
local expiry = fmt(now + tonumber(ARGV[1]))
local out = {}
local i = 3
while i <= #ARGV do
  local id = redis.call('RPOP', KEYS[1])
  if not id then break end
  local body = redis.call('HGET', KEYS[3], id)
  if body then
    local count = redis.call('HINCRBY', KEYS[4], id .. ':count', 1)
    redis.call('HSET', KEYS[4], id .. ':handle', ARGV[i])
    redis.call('ZADD', KEYS[2], expiry, id)
    local meta = redis.call('HMGET', KEYS[4], id .. ':enqueued', id .. ':reply')
    out[#out + 1] = {id, body, count, meta[1] or '0', meta[2] or '', ARGV[i]}
    i = i + 1
  else
    forget(id)
  end
end
touch(ARGV[2])
return out
`;

/** ARGV: id, handle suffix, ttl. Returns 1, or 0 when the handle is stale. */
const ACKNOWLEDGE = `
local id = ARGV[1]
if redis.call('HGET', KEYS[4], id .. ':handle') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], id)
redis.call('HDEL', KEYS[3], id)
forget(id)
touch(ARGV[3])
return 1
`;

/**
 * ARGV: id, handle suffix, visibility ms, ttl. Clears the handle (the next delivery gets a new
 * one); 0 ms puts the message at the tail of pending, more keeps it invisible that long.
 * Returns 1, or 0 when the handle is stale.
 */
const NACK = `
local id = ARGV[1]
if redis.call('HGET', KEYS[4], id .. ':handle') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[4], id .. ':handle')
local visibility = tonumber(ARGV[3])
if visibility <= 0 then
  redis.call('ZREM', KEYS[2], id)
  redis.call('LPUSH', KEYS[1], id)
else
  redis.call('ZADD', KEYS[2], fmt(now_ms() + visibility), id)
end
touch(ARGV[4])
return 1
`;

/**
 * ARGV: id, handle suffix, ttl. Undoes a delivery nobody saw (a receive whose caller gave up
 * before Redis answered): back to the head of pending, delivery count restored. 1, or 0 when stale.
 */
const RELEASE = `
local id = ARGV[1]
if redis.call('HGET', KEYS[4], id .. ':handle') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[4], id .. ':handle')
redis.call('ZREM', KEYS[2], id)
redis.call('HINCRBY', KEYS[4], id .. ':count', -1)
redis.call('RPUSH', KEYS[1], id)
touch(ARGV[3])
return 1
`;

/** ARGV: id, handle suffix, visibility ms, ttl. Expiry becomes now + visibility. 1, or 0 when stale. */
const EXTEND = `
local id = ARGV[1]
if redis.call('HGET', KEYS[4], id .. ':handle') ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[2], 'XX', fmt(now_ms() + tonumber(ARGV[3])), id)
touch(ARGV[4])
return 1
`;

/** ARGV: limit, ttl. Moves expired messages to the tail of pending; returns how many moved. */
const REAP = `
local moved = reap(now_ms(), tonumber(ARGV[1]))
touch(ARGV[2])
return moved
`;

/** Pending + invisible. */
const COUNT = `
return redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
`;

/** Deletes the queue; returns how many messages it held. */
const PURGE = `
local count = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
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
