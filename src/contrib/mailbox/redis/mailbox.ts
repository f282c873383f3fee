/**
 * {@link RedisMailbox}: the mailbox contract on Redis, for workers in several processes or hosts.
 * Each state change is one Lua script timed by the Redis server's clock (see `internal/scripts.ts`);
 * this class adds argument checks, JSON bodies, long polls, the reaper and reply resolution.
 */

import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { WinkError } from "../../../errors.js";
import { getLogger } from "../../../logging/index.js";
import {
  InvalidParameterError,
  MailboxClosedError,
  MailboxFullError,
} from "../../../runtime/mailbox/errors.js";
import { WakeList } from "../../../runtime/mailbox/internal/abort-fanout.js";
import { interruptible, type WaitOutcome } from "../../../runtime/mailbox/internal/interruptible.js";
import type {
  Mailbox,
  MailboxResolver,
  ReceiveOptions,
  SendOptions,
} from "../../../runtime/mailbox/types.js";
import { parseRedisMailboxUrl } from "../../../runtime/mailbox/urls/redis.js";
import { normalizeReceiveOptions } from "../../../runtime/mailbox/validation.js";
import { describeIds, settled, TickBatcher } from "./internal/batch.js";
import {
  closedClientError,
  connectionError,
  decodeDeliveries,
  encodeBody,
  noAnswerError,
  noReplyAddressError,
  staleHandleError,
} from "./internal/codec.js";
import { type PollTarget, pause, pollOnce, receiveArgs } from "./internal/poll.js";
import { LateReleases, Reaper } from "./internal/reaper.js";
import { type LuaScript, REAP_BATCH, type RedisClient, SCRIPTS } from "./internal/scripts.js";
import { clientClosure, openClient, resolveSettings, type Settings } from "./internal/settings.js";
import { Wakeups } from "./internal/wakeups.js";
import { type DeliveryOps, RedisMessage } from "./message.js";
import type { RedisMailboxOptions, RedisMailboxUrlOptions } from "./options.js";

const log = getLogger("weakincentives.contrib.mailbox.redis");

/** `nextDueMs` of a receive that has not asked Redis yet (the script answers -1 or more). */
const UNKNOWN_DUE = -2;

/**
 * A mailbox kept in Redis, with the semantics of the mailbox contract: FIFO, visibility timeouts
 * timed by the Redis server, a new receipt handle (`{id}:{random}`) per delivery, delivery counts
 * that survive redelivery, long polls, and replies to mailboxes named in the message.
 *
 * A receive that finds the queue empty blocks on the server (a `BLPOP` on the queue's wake list, on
 * a second connection the mailbox opens and closes itself) until a send, nack or expired lease
 * makes a message available, so an idle worker takes a request within a round trip of its
 * arrival; with `blockingReceive: false` it asks again every `pollIntervalMs` instead.
 *
 * The reaper starts with the first `receive`, so mailboxes that only send (such as the reply
 * mailboxes the default resolver opens) never poll Redis. `receive` also returns expired messages
 * to the queue itself, so correctness never waits on the reaper.
 *
 * No call waits on an unreachable server for long: each command gives up after
 * `responseTimeoutMs` (a `MailboxConnectionError`), a receive ends at once on abort or close, and
 * `close()` drops an owned connection that does not take QUIT within `closeTimeoutMs`.
 */
export class RedisMailbox<Body, ReplyBody = unknown> implements Mailbox<Body, ReplyBody> {
  readonly name: string;
  readonly #client: RedisClient;
  readonly #settings: Settings;
  readonly #schema: z.ZodType<Body> | undefined;
  readonly #resolver: MailboxResolver;
  /** Woken by close(): one callback per waiting receive, never one listener per receive. */
  readonly #closing = new WakeList();
  /** Woken once the client is closed by the mailbox that owns it (this one or another). */
  readonly #clientClosed: WakeList;
  readonly #ops: DeliveryOps<ReplyBody>;
  /** Acknowledgements and sends of one tick go to Redis as one script call each. */
  readonly #acks: TickBatcher<readonly [id: string, suffix: string], boolean>;
  readonly #sends: TickBatcher<readonly [id: string, text: string, replyTo: string], boolean>;
  readonly #reaper: Reaper;
  readonly #poll: PollTarget;
  /** Blocking waits of this mailbox's receives; undefined with `blockingReceive: false`. */
  readonly #wakeups: Wakeups | undefined;
  #ownsClient = false;
  /** The last receive came back full: the next one asks directly before blocking. */
  #backlog = false;
  /** When (monotonic ms) the first lease in flight ends, as last seen; Infinity: none known. */
  #nextDueAt = Number.POSITIVE_INFINITY;
  #closed: Promise<void> | undefined = undefined;

  constructor(options: RedisMailboxOptions<Body>) {
    const settings = resolveSettings(options);
    const { name, keyPrefix, ttlSeconds, clock, maxMessageBytes, responseTimeoutMs } = settings;
    this.name = name;
    this.#client = options.client;
    this.#clientClosed = clientClosure(options.client);
    this.#settings = settings;
    this.#schema = options.bodySchema;
    this.#resolver = options.resolver ?? {
      resolve: (replyName) =>
        new RedisMailbox({
          name: replyName,
          client: options.client,
          keyPrefix,
          ttlSeconds,
          clock,
          maxMessageBytes,
          responseTimeoutMs,
        }),
    };
    this.#acks = new TickBatcher(async (items) => {
      const action = `acknowledge ${describeIds(items.map(([id]) => id))}`;
      return settled(await this.#run(SCRIPTS.acknowledge, action, [ttlSeconds, ...items.flat()]));
    });
    this.#sends = new TickBatcher(async (items) => {
      const action = `send ${describeIds(items.map(([id]) => id))}`;
      const args = [settings.maxSize, ttlSeconds, ...items.flat()];
      return settled(await this.#run(SCRIPTS.send, action, args));
    });
    this.#ops = {
      name,
      acknowledge: (id, handle) => this.#acknowledge(id, handle),
      nack: (id, handle, ms) => this.#settle(SCRIPTS.nack, "nack", id, handle, [ms]),
      extend: (id, handle, ms) => this.#settle(SCRIPTS.extend, "extend the visibility of", id, handle, [ms]),
      reply: (id, replyTo, body) => this.#reply(id, replyTo, body),
    };
    const closing = [this.#closing, this.#clientClosed];
    this.#poll = { client: options.client, settings, closing, late: new LateReleases() };
    this.#reaper = new Reaper({
      name,
      clock,
      intervalMs: settings.reaperIntervalMs,
      reapExpired: () => this.reapExpired(),
    });
    this.#wakeups = settings.blockingReceive ? new Wakeups(this.#poll, this.#clientClosed) : undefined;
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

  /** The Redis keys of this queue, all in one hash tag: pending, invisible, data, meta, wake. */
  get keys(): readonly string[] {
    return this.#settings.keys;
  }

  get closed(): boolean {
    return this.#closing.woken;
  }

  /**
   * Enqueue `body` as JSON; resolves with the message id. Throws `MailboxSerializationError`
   * before storing anything when the body has no JSON form or its JSON is over `maxMessageBytes`.
   */
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
    const text = encodeBody(this.name, id, body, this.#settings.maxMessageBytes);
    if (!(await this.#sends.add([id, text, replyName ?? ""]))) {
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
   * Take up to `maxMessages` messages. With `waitTimeSeconds`, an empty queue blocks the receive
   * until a message becomes available (sent, nacked, or its lease expired), the wait ends, `signal`
   * aborts or the mailbox closes; the last two end it at once with `[]`, even while Redis is not
   * answering. A poll Redis does not answer within `responseTimeoutMs` throws
   * `MailboxConnectionError`.
   */
  async receive(options?: ReceiveOptions): Promise<RedisMessage<Body, ReplyBody>[]> {
    const { maxMessages, visibilityTimeout, waitTimeSeconds } = normalizeReceiveOptions(options);
    const signal = options?.signal;
    if (this.closed || signal?.aborted) return [];
    this.#reaper.start();
    const visibilityMs = Math.round(visibilityTimeout * 1000);
    const { clock, pollIntervalMs } = this.#settings;
    const deadline = clock.monotonic() + waitTimeSeconds * 1000;
    // A long poll that blocks goes straight to the wake list (a BLPOP returns at once while
    // messages wait, and the receive behind it takes them) — unless the last receive came back
    // full, a sign of a backlog, where a plain receive on the command connection is as good and
    // runs alongside other receives instead of queueing for the pump.
    const direct = this.#wakeups === undefined || waitTimeSeconds === 0 || this.#backlog;
    let got = direct
      ? await this.#receiveOnce(maxMessages, visibilityMs, signal)
      : { messages: [], nextDueMs: UNKNOWN_DUE };
    for (;;) {
      if (got === undefined) return [];
      if (got.messages.length > 0) {
        this.#backlog = got.messages.length === maxMessages;
        return got.messages;
      }
      this.#backlog = false;
      // Remember when the first lease in flight ends (+1 ms: the server's clock must pass it), to
      // look again then.
      if (got.nextDueMs !== UNKNOWN_DUE) {
        this.#nextDueAt =
          got.nextDueMs >= 0 ? clock.monotonic() + got.nextDueMs + 1 : Number.POSITIVE_INFINITY;
      }
      const remaining = deadline - clock.monotonic();
      if (remaining <= 0) return [];
      if (this.#wakeups === undefined) {
        if (!(await pause(this.#poll, Math.min(pollIntervalMs, remaining), signal))) return [];
        got = await this.#receiveOnce(maxMessages, visibilityMs, signal);
        continue;
      }
      const due = Math.max(0, this.#nextDueAt - clock.monotonic());
      const args = receiveArgs(maxMessages, visibilityMs, this.#settings.ttlSeconds);
      const woken = await this.#wakeups.wait(Math.min(remaining, due), signal, args);
      if (woken.kind === "stopped") return [];
      got =
        woken.kind === "reply"
          ? this.#decode(woken.reply)
          : await this.#receiveOnce(maxMessages, visibilityMs, signal);
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
   * Stop: later receives return nothing and sends throw; waiting receivers wake at once with
   * nothing; the reaper stops. A receive Redis is answering as the mailbox closes is let finish
   * (a blocking wait is cut short with CLIENT UNBLOCK, on Redis >= 5 without Cluster; otherwise it
   * blocks up to 2 s) and what it took goes back to the queue: otherwise a message
   * sent during a shutdown could stay hidden for its visibility timeout. Then the blocking
   * connection is dropped, and the client closed only when {@link RedisMailbox.fromUrl} made it:
   * QUIT when connected, dropped when Redis is unreachable. All of it within `closeTimeoutMs`:
   * past it the connections are dropped, whatever the server does. Idempotent: later calls return
   * the first call's promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing.wakeAll();
    this.#reaper.stop();
    const client = this.#client;
    const { clock, closeTimeoutMs } = this.#settings;
    const deadline = clock.monotonic() + closeTimeoutMs;
    if (client.status === "ready") {
      const late = (async () => {
        await this.#wakeups?.stop();
        await this.#poll.late.settled();
      })();
      await interruptible(late, { clock, timeoutMs: closeTimeoutMs });
    }
    this.#wakeups?.drop();
    if (!this.#ownsClient) return;
    // While the connection is down, QUIT would wait in the client's offline queue: drop it instead.
    if (client.status === "ready") {
      const quit = client.quit().then(
        () => true,
        () => false,
      );
      const outcome = await interruptible(quit, { clock, timeoutMs: deadline - clock.monotonic() });
      if (outcome.kind !== "done" || !outcome.value) client.disconnect();
    } else {
      client.disconnect();
    }
    this.#clientClosed.wakeAll();
  }

  /** One poll; `undefined` when the signal or close() ended the wait first. */
  async #receiveOnce(max: number, visibilityMs: number, signal: AbortSignal | undefined) {
    const args = receiveArgs(max, visibilityMs, this.#settings.ttlSeconds);
    const reply = await pollOnce(this.#poll, args, signal);
    return reply === undefined ? undefined : this.#decode(reply);
  }

  /** Messages (and the next lease expiry) from a receive script reply. */
  #decode(reply: unknown): { messages: RedisMessage<Body, ReplyBody>[]; nextDueMs: number } {
    const { deliveries, nextDueMs } = decodeDeliveries(this.name, reply, this.#schema);
    const messages = deliveries.map((d) => new RedisMessage(this.#ops, d));
    if (messages.length > 0 && log.isEnabled("debug")) {
      log.debug("mailbox.receive", "Messages received", {
        mailbox: this.name,
        count: messages.length,
        messageIds: messages.map((m) => m.id),
      });
    }
    return { messages, nextDueMs };
  }

  /** Run `script`; a failure or no answer within `responseTimeoutMs` becomes `MailboxConnectionError`. */
  async #run(script: LuaScript, action: string, args: readonly (string | number)[]): Promise<unknown> {
    const { clock, responseTimeoutMs, address } = this.#settings;
    let outcome: WaitOutcome<unknown>;
    try {
      outcome = await interruptible(script.run(this.#client, this.#settings.keys, args), {
        clock,
        timeoutMs: responseTimeoutMs,
        closing: [this.#clientClosed],
      });
    } catch (error) {
      throw connectionError(this.name, address, action, error);
    }
    if (outcome.kind === "stopped") throw closedClientError(this.name, address, action);
    if (outcome.kind === "timed_out") throw noAnswerError(this.name, address, action, responseTimeoutMs);
    return outcome.value;
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
    if (done === 0) throw staleHandleError(this.name, id, suffix);
  }

  async #acknowledge(id: string, suffix: string): Promise<void> {
    if (!(await this.#acks.add([id, suffix]))) throw staleHandleError(this.name, id, suffix);
    if (log.isEnabled("debug")) {
      log.debug("mailbox.acknowledge", "Message acknowledged", { mailbox: this.name, messageId: id });
    }
  }

  async #reply(id: string, replyTo: string | undefined, body: ReplyBody): Promise<string> {
    if (replyTo === undefined) throw noReplyAddressError(this.name, id);
    return this.#resolver.resolve(replyTo).send(body);
  }
}
