/** Options of {@link RedisMailbox} and {@link RedisMailbox.fromUrl}, with their defaults. */

import type { RedisOptions } from "ioredis";
import type { z } from "zod";
import type { Clock } from "../../../clock.js";
import type { MailboxResolver } from "../../../runtime/mailbox/types.js";
import type { RedisClient } from "./internal/scripts.js";

export type { RedisClient };

/** Seconds an idle queue's keys live: 3 days. */
export const DEFAULT_TTL_SECONDS = 259_200;

/**
 * Largest JSON body a Redis mailbox accepts by default, in bytes: 256 KiB, SQS's default limit,
 * so a request that fits one backend fits the other and a queue cannot be filled with huge bodies.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 262_144;

/** The highest `maxMessageBytes` allowed: 512 MiB, the largest value Redis stores. */
export const MAX_MESSAGE_BYTES_LIMIT = 536_870_912;

/** How long one command may wait for Redis to answer by default: 5 s. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 5_000;

/** How long `close()` waits for QUIT on a client it owns by default, before dropping the connection: 2 s. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;

/** Options of {@link RedisMailbox}. */
export interface RedisMailboxOptions<Body> {
  /** The queue's name: used in its keys, in errors and logs, and as a reply address. */
  readonly name: string;
  /** An ioredis connection or cluster. The mailbox never closes a client it was given. */
  readonly client: RedisClient;
  /**
   * Validates bodies on receive. Optional: without it bodies are trusted JSON (MainLoop checks its
   * envelopes itself). A body that fails is still delivered, with `bodyError` set — see
   * {@link RedisMessage}.
   */
  readonly bodySchema?: z.ZodType<Body>;
  /** Most messages held (waiting + in flight); a send beyond it throws `MailboxFullError`. Default: no limit. */
  readonly maxSize?: number;
  /**
   * Turns a reply address (stored as a name) into a mailbox. Default: opens a send-only
   * RedisMailbox of that name on the same client, key prefix and TTL.
   */
  readonly resolver?: MailboxResolver;
  /** How often the reaper returns expired messages to the queue, in ms; 0 turns it off. Default 1000. */
  readonly reaperIntervalMs?: number;
  /**
   * How often a waiting receive asks Redis again, in ms, when it does not block (`blockingReceive:
   * false`) or while its blocking connection fails. Default 200.
   */
  readonly pollIntervalMs?: number;
  /**
   * Whether a receive that finds the queue empty blocks on the server until a message arrives
   * (`BLPOP` on the queue's `…:wake` list, on a second connection the mailbox opens on first wait
   * and closes with itself) — a request is taken within a round trip of its arrival. `false` polls
   * every `pollIntervalMs` instead: for proxies that refuse blocking commands. Default `true`.
   */
  readonly blockingReceive?: boolean;
  /** Seconds the queue's keys live after its last operation; 0 keeps them forever. Default 259,200 (3 days). */
  readonly ttlSeconds?: number;
  /** Times the reaper and long polls (visibility itself is timed by the Redis server). Default: the system clock. */
  readonly clock?: Clock;
  /** First part of the keys' hash tag: keys are `{PREFIX:NAME}:pending` and so on. Default `"wink"`. */
  readonly keyPrefix?: string;
  /**
   * Largest body `send` accepts, counted as UTF-8 bytes of its JSON; a larger one throws
   * `MailboxSerializationError` naming its size and this limit, and nothing is stored. Default
   * 262,144 (256 KiB, as SQS); at most 536,870,912.
   */
  readonly maxMessageBytes?: number;
  /**
   * Longest wait for Redis to answer one command, in ms. Past it the call throws
   * `MailboxConnectionError` instead of hanging while the server is unreachable, so a `receive`
   * ends by `waitTimeSeconds` + this at the latest (and at once on abort or `close()`). A receive
   * Redis answers after the caller gave up has its messages put back at the head of the queue.
   * Default 5,000; `Infinity` waits as long as the client does.
   */
  readonly responseTimeoutMs?: number;
  /**
   * How long `close()` may take, in ms: it lets a receive Redis is answering finish (what it took
   * goes back to the queue), then QUITs a client the mailbox owns (see `fromUrl`); past this the
   * connections are dropped, so `close()` returns in time even when Redis is unreachable.
   * Default 2,000.
   */
  readonly closeTimeoutMs?: number;
}

/** Options of {@link RedisMailbox.fromUrl}: those of the constructor, with the client made from the URL. */
export interface RedisMailboxUrlOptions<Body> extends Omit<RedisMailboxOptions<Body>, "client" | "name"> {
  /** The queue's name; default: the URL's `queue` parameter. */
  readonly name?: string;
  /** Extra ioredis options (retry strategy, timeouts…); the URL's host, port, db and credentials win. */
  readonly redisOptions?: RedisOptions;
}
