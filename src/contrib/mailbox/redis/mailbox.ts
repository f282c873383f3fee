/**
 * {@link RedisMailbox}: the mailbox contract on Redis, for workers in several processes or hosts.
 * Each state change is one Lua script timed by the Redis server's clock (see `internal/scripts.ts`);
 * this class adds argument checks, JSON bodies, long polls, the reaper and reply resolution.
 */

import { randomBytes, randomUUID } from "node:crypto";
import type { z } from "zod";
import type { TimerHandle } from "../../../clock.js";
import { WinkError } from "../../../errors.js";
import { getLogger } from "../../../runtime/logging/index.js";
import {
  InvalidParameterError,
  MailboxClosedError,
  MailboxFullError,
  ReceiptHandleExpiredError,
  ReplyNotAvailableError,
} from "../../../runtime/mailbox/errors.js";
import type {
  Mailbox,
  MailboxResolver,
  ReceiveOptions,
  SendOptions,
} from "../../../runtime/mailbox/types.js";
import { normalizeReceiveOptions } from "../../../runtime/mailbox/validation.js";
import { connectionError, decodeDeliveries, encodeBody } from "./internal/codec.js";
import { type LuaScript, REAP_BATCH, type RedisClient, SCRIPTS } from "./internal/scripts.js";
import { openClient, resolveSettings, type Settings } from "./internal/settings.js";
import { type DeliveryOps, RedisMessage } from "./message.js";
import type { RedisMailboxOptions, RedisMailboxUrlOptions } from "./options.js";
import { parseRedisMailboxUrl } from "./url.js";

const log = getLogger("weakincentives.contrib.mailbox.redis");

/**
 * A mailbox kept in Redis, with the semantics of the mailbox contract: FIFO, visibility timeouts
 * timed by the Redis server, a new receipt handle (`{id}:{random}`) per delivery, delivery counts
 * that survive redelivery, long polls, and replies to mailboxes named in the message.
 *
 * The reaper starts with the first `receive`, so mailboxes that only send (such as the reply
 * mailboxes the default resolver opens) never poll Redis. `receive` also returns expired messages
 * to the queue itself, so correctness never waits on the reaper.
 */
export class RedisMailbox<Body, ReplyBody = unknown> implements Mailbox<Body, ReplyBody> {
  readonly name: string;
  readonly #client: RedisClient;
  readonly #settings: Settings;
  readonly #schema: z.ZodType<Body> | undefined;
  readonly #resolver: MailboxResolver;
  readonly #closing = new AbortController();
  readonly #ops: DeliveryOps<ReplyBody>;
  #ownsClient = false;
  #reaper: TimerHandle | undefined = undefined;
  #reaperStarted = false;
  #reaperFailing = false;

  constructor(options: RedisMailboxOptions<Body>) {
    const settings = resolveSettings(options);
    const { name, keyPrefix, ttlSeconds, clock } = settings;
    this.name = name;
    this.#client = options.client;
    this.#settings = settings;
    this.#schema = options.bodySchema;
    this.#resolver = options.resolver ?? {
      resolve: (replyName) =>
        new RedisMailbox({ name: replyName, client: options.client, keyPrefix, ttlSeconds, clock }),
    };
    this.#ops = {
      name,
      acknowledge: (id, handle) => this.#settle(SCRIPTS.acknowledge, "acknowledge", id, handle, []),
      nack: (id, handle, ms) => this.#settle(SCRIPTS.nack, "nack", id, handle, [ms]),
      extend: (id, handle, ms) => this.#settle(SCRIPTS.extend, "extend the visibility of", id, handle, [ms]),
      reply: (id, replyTo, body) => this.#reply(id, replyTo, body),
    };
  }

  /**
   * A mailbox on a new client made from `url` (`redis://[user:password@]host[:port][/db][?queue=NAME]`,
   * `rediss://` for TLS). Connects before resolving, so a wrong URL fails here with a
   * `MailboxConnectionError` naming it (password redacted). The mailbox owns the client and
   * closes it in `close()`.
   */
  static async fromUrl<Body, ReplyBody = unknown>(
    url: string,
    options: RedisMailboxUrlOptions<Body> = {},
  ): Promise<RedisMailbox<Body, ReplyBody>> {
    const target = parseRedisMailboxUrl(url);
    const { name = target.queue, redisOptions, ...rest } = options;
    if (name === undefined) {
      throw new WinkError(
        "invalid_config",
        `The Redis mailbox URL "${target.redacted}" names no queue. Add ?queue=NAME to the URL or pass { name }.`,
        { details: { url: target.redacted } },
      );
    }
    const client = await openClient(target, name, redisOptions);
    try {
      const mailbox = new RedisMailbox<Body, ReplyBody>({ ...rest, name, client });
      mailbox.#ownsClient = true;
      return mailbox;
    } catch (error) {
      client.disconnect();
      throw error;
    }
  }

  /** The Redis keys of this queue, all in one hash tag: pending, invisible, data, meta. */
  get keys(): readonly string[] {
    return this.#settings.keys;
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  async send(body: Body, options?: SendOptions): Promise<string> {
    if (this.closed) {
      throw new MailboxClosedError(
        `Mailbox "${this.name}" is closed and accepts no more messages. Send to an open mailbox.`,
        { details: { mailbox: this.name } },
      );
    }
    const replyTo = options?.replyTo;
    const replyName = typeof replyTo === "object" ? replyTo.name : replyTo;
    if (replyName === "") {
      throw new InvalidParameterError(
        `replyTo of a message for Redis mailbox "${this.name}" is an empty name. Pass the name of the reply mailbox.`,
        { details: { mailbox: this.name } },
      );
    }
    const id = randomUUID();
    const text = encodeBody(this.name, id, body);
    const stored = await this.#run(SCRIPTS.send, "send a message", [
      id,
      text,
      replyName ?? "",
      this.#settings.maxSize,
      this.#settings.ttlSeconds,
    ]);
    if (stored === 0) {
      throw new MailboxFullError(
        `Mailbox "${this.name}" is full: it holds its maximum of ${this.#settings.maxSize} messages. ` +
          `Acknowledge or purge messages, or raise maxSize.`,
        { details: { mailbox: this.name, maxSize: this.#settings.maxSize } },
      );
    }
    if (log.isEnabled("debug")) {
      log.debug("mailbox.send", "Message sent", { mailbox: this.name, messageId: id, replyTo: replyName });
    }
    return id;
  }

  /**
   * Take up to `maxMessages` messages. With `waitTimeSeconds`, asks Redis again every
   * `pollIntervalMs` until a message arrives, the wait ends, `signal` aborts or the mailbox closes.
   */
  async receive(options?: ReceiveOptions): Promise<RedisMessage<Body, ReplyBody>[]> {
    const { maxMessages, visibilityTimeout, waitTimeSeconds } = normalizeReceiveOptions(options);
    const signal = options?.signal;
    if (this.closed || signal?.aborted) return [];
    this.#startReaper();
    const visibilityMs = Math.round(visibilityTimeout * 1000);
    const deadline = this.#settings.clock.monotonic() + waitTimeSeconds * 1000;
    for (;;) {
      const got = await this.#receiveOnce(maxMessages, visibilityMs);
      if (got.length > 0 || this.closed || signal?.aborted) return got;
      const remaining = deadline - this.#settings.clock.monotonic();
      if (remaining <= 0) return got;
      await this.#pause(Math.min(this.#settings.pollIntervalMs, remaining), signal);
      if (this.closed || signal?.aborted) return [];
    }
  }

  async purge(): Promise<number> {
    return Number(await this.#run(SCRIPTS.purge, "purge", []));
  }

  async approximateCount(): Promise<number> {
    return Number(await this.#run(SCRIPTS.count, "count messages", []));
  }

  /**
   * Return up to 100 messages whose visibility has ended to the tail of the queue now, clearing
   * their receipt handles; resolves with how many moved. The reaper and every receive do this, so
   * call it only to observe the queue (tests, metrics).
   */
  async reapExpired(): Promise<number> {
    return Number(
      await this.#run(SCRIPTS.reap, "return expired messages", [REAP_BATCH, this.#settings.ttlSeconds]),
    );
  }

  /**
   * Stop: later receives return nothing and sends throw; waiting receivers wake with nothing; the
   * reaper stops. Closes the client only when {@link RedisMailbox.fromUrl} made it. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.#closing.abort();
    this.#reaper?.cancel();
    this.#reaper = undefined;
    if (this.#ownsClient) {
      try {
        await this.#client.quit();
      } catch {
        this.#client.disconnect();
      }
    }
  }

  async #receiveOnce(max: number, visibilityMs: number): Promise<RedisMessage<Body, ReplyBody>[]> {
    const suffixes = Array.from({ length: max }, () => randomBytes(12).toString("hex"));
    const reply = await this.#run(SCRIPTS.receive, "receive messages", [
      visibilityMs,
      this.#settings.ttlSeconds,
      ...suffixes,
    ]);
    const messages = decodeDeliveries(this.name, reply, this.#schema).map(
      (d) => new RedisMessage(this.#ops, d),
    );
    if (messages.length > 0 && log.isEnabled("debug")) {
      log.debug("mailbox.receive", "Messages received", {
        mailbox: this.name,
        count: messages.length,
        messageIds: messages.map((m) => m.id),
      });
    }
    return messages;
  }

  /** Sleep on the clock; wakes early (without throwing) on `signal` or close. */
  async #pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const wake = new AbortController();
    const onAbort = (): void => wake.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#closing.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#settings.clock.sleep(ms, wake.signal);
    } catch {
      // Woken by an abort or close: the caller checks which.
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#closing.signal.removeEventListener("abort", onAbort);
    }
  }

  async #run(script: LuaScript, action: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await script.run(this.#client, this.#settings.keys, args);
    } catch (error) {
      throw connectionError(this.name, this.#settings.address, action, error);
    }
  }

  async #settle(
    script: LuaScript,
    action: string,
    id: string,
    suffix: string,
    args: readonly number[],
  ): Promise<void> {
    const done = await this.#run(script, `${action} message ${id}`, [
      id,
      suffix,
      ...args,
      this.#settings.ttlSeconds,
    ]);
    if (done === 0) {
      const receiptHandle = `${id}:${suffix}`;
      throw new ReceiptHandleExpiredError(
        `The receipt handle "${receiptHandle}" of message ${id} in Redis mailbox "${this.name}" is no longer ` +
          `valid: the message was delivered again, settled, or purged. Receive the message again for a ` +
          `current handle, and keep processing shorter than the visibility timeout (or extend it).`,
        { details: { mailbox: this.name, messageId: id, receiptHandle } },
      );
    }
    if (script === SCRIPTS.acknowledge && log.isEnabled("debug")) {
      log.debug("mailbox.acknowledge", "Message acknowledged", { mailbox: this.name, messageId: id });
    }
  }

  async #reply(id: string, replyTo: string | undefined, body: ReplyBody): Promise<string> {
    if (replyTo === undefined) {
      throw new ReplyNotAvailableError(
        `Message ${id} of mailbox "${this.name}" has no reply address, so reply() has nowhere to ` +
          `send. Pass { replyTo } to send() when the sender expects an answer.`,
        { details: { mailbox: this.name, messageId: id } },
      );
    }
    return this.#resolver.resolve(replyTo).send(body);
  }

  #startReaper(): void {
    if (this.#reaperStarted || this.#settings.reaperIntervalMs === 0) return;
    this.#reaperStarted = true;
    this.#scheduleReaper();
  }

  #scheduleReaper(): void {
    if (this.closed) return;
    this.#reaper = this.#settings.clock.setTimer(
      this.#settings.reaperIntervalMs,
      () => void this.#reapTick(),
    );
  }

  /** One reaper run; the next is scheduled only after this one ends, so runs never overlap. */
  async #reapTick(): Promise<void> {
    this.#reaper = undefined;
    try {
      let moved = REAP_BATCH;
      while (moved === REAP_BATCH && !this.closed) moved = await this.reapExpired();
      if (this.#reaperFailing)
        log.info("mailbox.reaper_recovered", "The reaper reaches Redis again.", { mailbox: this.name });
      this.#reaperFailing = false;
    } catch (error) {
      // One warning per outage, not one per tick.
      if (!this.#reaperFailing) {
        log.warning("mailbox.reaper_failed", "The reaper could not reach Redis; it keeps trying.", {
          mailbox: this.name,
          error,
        });
      }
      this.#reaperFailing = true;
    }
    this.#scheduleReaper();
  }
}
