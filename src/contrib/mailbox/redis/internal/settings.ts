/**
 * Checking {@link RedisMailboxOptions} and opening the client of {@link RedisMailbox.fromUrl}.
 *
 * @internal
 */

import { Redis, type RedisOptions } from "ioredis";
import { type Clock, SYSTEM_CLOCK } from "../../../../clock.js";
import { WinkError } from "../../../../errors.js";
import { getLogger } from "../../../../logging/index.js";
import { WakeList } from "../../../../runtime/mailbox/internal/abort-fanout.js";
import type { RedisMailboxUrl } from "../../../../runtime/mailbox/urls/redis.js";
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_RESPONSE_TIMEOUT_MS,
  DEFAULT_TTL_SECONDS,
  MAX_MESSAGE_BYTES_LIMIT,
  type RedisMailboxOptions,
} from "../options.js";
import { connectionError } from "./codec.js";
import type { RedisClient } from "./scripts.js";

const log = getLogger("weakincentives.contrib.mailbox.redis");

/** The options of one mailbox after defaults and checks. */
export interface Settings {
  readonly name: string;
  readonly keyPrefix: string;
  /** pending, invisible, data, meta, wake — one hash tag. */
  readonly keys: readonly string[];
  /** Where the client points, for error messages (never with a password). */
  readonly address: string;
  /** 0: no limit. */
  readonly maxSize: number;
  readonly reaperIntervalMs: number;
  readonly pollIntervalMs: number;
  /** Empty receives block on the wake list (true) or poll every `pollIntervalMs` (false). */
  readonly blockingReceive: boolean;
  readonly ttlSeconds: number;
  readonly clock: Clock;
  /** Largest JSON body a send accepts, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Longest wait for Redis to answer one command; `Infinity`: no limit. */
  readonly responseTimeoutMs: number;
  /** Longest wait for QUIT when closing an owned client, before dropping the connection. */
  readonly closeTimeoutMs: number;
}

function invalid(name: string, option: string, value: unknown, rule: string): WinkError {
  return new WinkError(
    "invalid_argument",
    `${option} of Redis mailbox "${name}" must be ${rule}, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}.`,
    { details: { mailbox: name, [option]: value } },
  );
}

/** The options of one mailbox with their defaults applied, before any check. */
interface Defaulted {
  readonly name: string;
  readonly keyPrefix: string;
  /** `undefined`: no limit. */
  readonly maxSize: number | undefined;
  readonly reaperIntervalMs: number;
  readonly pollIntervalMs: number;
  readonly blockingReceive: boolean;
  readonly ttlSeconds: number;
  readonly maxMessageBytes: number;
  readonly responseTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

/** Apply the defaults and check every option; throws `WinkError` (`invalid_argument`). */
export function resolveSettings(options: RedisMailboxOptions<unknown>): Settings {
  const values = withDefaults(options);
  // Checked in this order so the first bad option named is always the same one.
  checkNaming(values);
  checkQueueing(values);
  checkLimits(values);
  const { name, keyPrefix } = values;
  return {
    name,
    keyPrefix,
    keys: keysOf(keyPrefix, name),
    address: describeClient(options.client),
    maxSize: values.maxSize ?? 0,
    reaperIntervalMs: values.reaperIntervalMs,
    pollIntervalMs: values.pollIntervalMs,
    blockingReceive: values.blockingReceive,
    ttlSeconds: values.ttlSeconds,
    clock: options.clock ?? SYSTEM_CLOCK,
    maxMessageBytes: values.maxMessageBytes,
    responseTimeoutMs: values.responseTimeoutMs,
    closeTimeoutMs: values.closeTimeoutMs,
  };
}

/** `options` with the default of every omitted option filled in; nothing is checked yet. */
function withDefaults(options: RedisMailboxOptions<unknown>): Defaulted {
  const { name, keyPrefix = "wink", maxSize, reaperIntervalMs = 1000, pollIntervalMs = 200 } = options;
  const { blockingReceive = true } = options;
  // `??`, not a destructuring default: an explicit `null` also gets the default.
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const {
    maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
    responseTimeoutMs = DEFAULT_RESPONSE_TIMEOUT_MS,
    closeTimeoutMs = DEFAULT_CLOSE_TIMEOUT_MS,
  } = options;
  return {
    name,
    keyPrefix,
    maxSize,
    reaperIntervalMs,
    pollIntervalMs,
    blockingReceive,
    ttlSeconds,
    maxMessageBytes,
    responseTimeoutMs,
    closeTimeoutMs,
  };
}

/** Check the mailbox name and key prefix, which make up every key. */
function checkNaming({ name, keyPrefix }: Defaulted): void {
  if (typeof name !== "string" || name === "") {
    throw new WinkError(
      "invalid_argument",
      `A Redis mailbox name must be a non-empty string, got ${JSON.stringify(name)}.`,
      { details: { name } },
    );
  }
  // Braces would break the `{prefix:name}` hash tag that keeps every key on one cluster slot.
  if (typeof keyPrefix !== "string" || keyPrefix === "" || /[{}]/.test(keyPrefix)) {
    throw invalid(name, "keyPrefix", keyPrefix, "a non-empty string without braces");
  }
}

/** Check the queue's size limit, reaper and receive timing, and key lifetime. */
function checkQueueing(values: Defaulted): void {
  const { name, maxSize, reaperIntervalMs, pollIntervalMs, blockingReceive, ttlSeconds } = values;
  if (maxSize !== undefined && !(Number.isInteger(maxSize) && maxSize > 0)) {
    throw invalid(name, "maxSize", maxSize, "a positive integer (omit it for no limit)");
  }
  if (!(Number.isFinite(reaperIntervalMs) && reaperIntervalMs >= 0)) {
    throw invalid(
      name,
      "reaperIntervalMs",
      reaperIntervalMs,
      "a finite number of ms >= 0 (0 turns the reaper off)",
    );
  }
  if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs > 0)) {
    throw invalid(name, "pollIntervalMs", pollIntervalMs, "a finite number of ms > 0");
  }
  if (typeof blockingReceive !== "boolean") {
    throw invalid(name, "blockingReceive", blockingReceive, "true or false");
  }
  if (!(Number.isInteger(ttlSeconds) && ttlSeconds >= 0)) {
    throw invalid(name, "ttlSeconds", ttlSeconds, "a whole number of seconds >= 0 (0 keeps keys forever)");
  }
}

/** Check the message size limit and the Redis command and close timeouts. */
function checkLimits({ name, maxMessageBytes, responseTimeoutMs, closeTimeoutMs }: Defaulted): void {
  if (
    !(Number.isInteger(maxMessageBytes) && maxMessageBytes >= 1 && maxMessageBytes <= MAX_MESSAGE_BYTES_LIMIT)
  ) {
    throw invalid(
      name,
      "maxMessageBytes",
      maxMessageBytes,
      `a whole number of bytes from 1 to ${MAX_MESSAGE_BYTES_LIMIT} (Redis's largest string)`,
    );
  }
  // Infinity is allowed (no limit); a numeric string from untyped code is not.
  if (!(typeof responseTimeoutMs === "number" && responseTimeoutMs > 0)) {
    throw invalid(name, "responseTimeoutMs", responseTimeoutMs, "a number of ms > 0 (Infinity for no limit)");
  }
  if (!(Number.isFinite(closeTimeoutMs) && closeTimeoutMs >= 0)) {
    throw invalid(name, "closeTimeoutMs", closeTimeoutMs, "a finite number of ms >= 0");
  }
}

/** The pending, invisible, data, meta and wake keys, under one hash tag. */
function keysOf(keyPrefix: string, name: string): readonly string[] {
  const tag = `{${keyPrefix}:${name}}`;
  return [`${tag}:pending`, `${tag}:invisible`, `${tag}:data`, `${tag}:meta`, `${tag}:wake`];
}

/** `redis://host:port/db` of a standalone client; never includes credentials. */
function describeClient(client: RedisClient): string {
  if (!(client instanceof Redis)) return "Redis Cluster";
  const { host, port, db, path } = client.options;
  return path ? `unix:${path}` : `redis://${host ?? "localhost"}:${port ?? 6379}/${db ?? 0}`;
}

/**
 * A connected client for `target`. Its errors go to the debug log (a client without an error
 * listener prints every reconnect failure to stderr). On failure it is disconnected and a
 * MailboxConnectionError names the redacted URL.
 */
export async function openClient(
  target: RedisMailboxUrl,
  name: string,
  extra: RedisOptions = {},
): Promise<Redis> {
  const client = new Redis({
    // close() drops the connection only after QUIT went unanswered (or while it is down), so
    // there is nothing left to wait for; ioredis' default keeps a 2 s timer alive after it, which
    // holds a stopping worker up even when the socket is long gone.
    disconnectTimeout: 100,
    ...extra,
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: { ...extra.tls } } : {}),
    lazyConnect: true,
  });
  let lastError: unknown;
  client.on("error", (error: unknown) => {
    lastError = error;
    log.debug("mailbox.connection_error", "Redis client error.", { mailbox: name, error });
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw connectionError(name, target.redacted, "connect", lastError ?? error);
  }
  return client;
}

const closures = new WeakMap<RedisClient, WakeList>();

/**
 * Woken when the mailbox that owns `client` has closed it. Every mailbox on the client (the reply
 * mailboxes its resolver opened too) stops waiting on it then: ioredis never settles commands
 * queued while it was reconnecting once it is disconnected, so without this they would wait out
 * `responseTimeoutMs` and hold a stopping worker up.
 */
export function clientClosure(client: RedisClient): WakeList {
  let list = closures.get(client);
  if (list === undefined) {
    list = new WakeList();
    closures.set(client, list);
  }
  return list;
}
