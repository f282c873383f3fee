/**
 * `weakincentives/contrib/mailbox/redis`: {@link RedisMailbox}, the mailbox contract on Redis, for
 * MainLoop workers spread over processes and hosts. Needs the optional peer dependency `ioredis`.
 *
 * - **Keys**: a queue is four keys in one hash tag, `{wink:NAME}:pending` (LIST),
 *   `:invisible` (ZSET scored by the epoch ms a visibility ends), `:data` and `:meta` (HASHes),
 *   so the whole queue lives in one Redis Cluster slot.
 * - **Atomic, skew-free**: every operation is one Lua script that reads the Redis server's
 *   `TIME`, so consumers on machines with different clocks agree on visibility timeouts.
 * - **Handles**: each delivery gets a new receipt handle `{id}:{random}`; once the message is
 *   redelivered, settled or purged, older handles throw `ReceiptHandleExpiredError`.
 * - **Reaper**: while a mailbox receives, a timer on its clock (every `reaperIntervalMs`) returns
 *   messages whose visibility ended to the tail of the queue and clears their handles.
 * - **Replies**: the reply address is stored as a *name*; the default resolver opens a send-only
 *   RedisMailbox of that name on the same client.
 * - **TTL**: every operation refreshes the keys' expiry (`ttlSeconds`, 3 days; 0 disables), so
 *   abandoned queues disappear.
 * - **Bodies** are JSON of at most `maxMessageBytes` (256 KiB by default, as SQS). An
 *   unserializable or oversized body fails `send` with `MailboxSerializationError`; a stored
 *   body that is not JSON or fails `bodySchema` is still delivered, with `message.bodyError` set.
 * - **Outages**: a command Redis does not answer within `responseTimeoutMs` (5 s) throws
 *   `MailboxConnectionError`; abort and `close()` end a long poll at once; `close()` lets a receive
 *   Redis is answering put back what it took, QUITs an owned connection, and drops the connections
 *   if that takes longer than `closeTimeoutMs` (2 s).
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { z } from "zod";
 * import { RedisMailbox } from "weakincentives/contrib/mailbox/redis";
 *
 * const client = new Redis("redis://127.0.0.1:6379/0");
 * const jobs = new RedisMailbox({ name: "jobs", client, bodySchema: z.object({ n: z.number() }) });
 * await jobs.send({ n: 2 }, { replyTo: "results" });
 *
 * for (const msg of await jobs.receive({ visibilityTimeout: 60, waitTimeSeconds: 20 })) {
 *   if (msg.bodyError) await msg.acknowledge(); // or dead-letter it
 *   else {
 *     await msg.reply({ squared: msg.body.n ** 2 }); // goes to the "results" queue
 *     await msg.acknowledge();
 *   }
 * }
 * await jobs.close(); // the client stays open: the mailbox did not create it
 *
 * // From configuration: the mailbox owns this client and closes it.
 * const reviews = await RedisMailbox.fromUrl("redis://redis:6379/0?queue=reviews");
 * ```
 */

export {
  DEFAULT_REDIS_PORT,
  parseRedisMailboxUrl,
  type RedisMailboxUrl,
  redactRedisUrl,
} from "../../../runtime/mailbox/urls/redis.js";
export { RedisMailbox } from "./mailbox.js";
export type { RedisMessage } from "./message.js";
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_RESPONSE_TIMEOUT_MS,
  DEFAULT_TTL_SECONDS,
  MAX_MESSAGE_BYTES_LIMIT,
  type RedisClient,
  type RedisMailboxOptions,
  type RedisMailboxUrlOptions,
} from "./options.js";
