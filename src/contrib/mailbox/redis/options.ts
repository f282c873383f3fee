/** Options of {@link RedisMailbox} and {@link RedisMailbox.fromUrl}, with their defaults. */

import type { RedisOptions } from "ioredis";
import type { z } from "zod";
import type { Clock } from "../../../clock.js";
import type { MailboxResolver } from "../../../runtime/mailbox/types.js";
import type { RedisClient } from "./internal/scripts.js";

export type { RedisClient };

/** Seconds an idle queue's keys live: 3 days. */
export const DEFAULT_TTL_SECONDS = 259_200;

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
  /** How often a long poll asks Redis again, in ms. Default 200. */
  readonly pollIntervalMs?: number;
  /** Seconds the queue's keys live after its last operation; 0 keeps them forever. Default 259,200 (3 days). */
  readonly ttlSeconds?: number;
  /** Times the reaper and long polls (visibility itself is timed by the Redis server). Default: the system clock. */
  readonly clock?: Clock;
  /** First part of the keys' hash tag: keys are `{PREFIX:NAME}:pending` and so on. Default `"wink"`. */
  readonly keyPrefix?: string;
}

/** Options of {@link RedisMailbox.fromUrl}: those of the constructor, with the client made from the URL. */
export interface RedisMailboxUrlOptions<Body> extends Omit<RedisMailboxOptions<Body>, "client" | "name"> {
  /** The queue's name; default: the URL's `queue` parameter. */
  readonly name?: string;
  /** Extra ioredis options (retry strategy, timeouts…); the URL's host, port, db and credentials win. */
  readonly redisOptions?: RedisOptions;
}
