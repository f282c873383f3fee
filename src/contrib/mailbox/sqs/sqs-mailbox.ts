/**
 * {@link SQSMailbox}: the mailbox contract on Amazon SQS (AWS SDK v3). Receive is ReceiveMessage
 * (long polls of at most 20 s, ended early by an `AbortSignal` or `close()`), acknowledge is
 * DeleteMessage, nack and extendVisibility are ChangeMessageVisibility; bodies travel as JSON and
 * the reply address as the `wink-reply-to` message attribute holding a queue *name*, which the
 * receiving side resolves with GetQueueUrl on its own client.
 *
 * SQS differs from the in-memory mailbox in a few documented ways: durations are whole seconds
 * (fractions are rounded up), counts are approximate, a standard queue orders messages only
 * roughly (use a `.fifo` queue for strict order), PurgeQueue is allowed once a minute, and a
 * receive whose caller stops waiting (an aborted signal, `close()`) resolves at once, but its
 * long poll stays open until SQS answers and the messages it brings are made visible again at once
 * (SQS would otherwise hand them to the closed connection and hide them for the visibility timeout).
 *
 * @example
 * ```ts
 * import { SQSMailbox } from "weakincentives/contrib/mailbox/sqs";
 *
 * const requests = SQSMailbox.fromUrl<{ job: string }>(
 *   "https://sqs.eu-west-1.amazonaws.com/123456789012/reviews",
 * );
 * await requests.send({ job: "review #42" }, { replyTo: "review-results" });
 * for (const msg of await requests.receive({ visibilityTimeout: 1800, waitTimeSeconds: 20 })) {
 *   await msg.reply({ ok: true });
 *   await msg.acknowledge();
 * }
 * ```
 */

import { randomUUID } from "node:crypto";
import {
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  PurgeQueueCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { z } from "zod";
import { type Clock, SYSTEM_CLOCK } from "../../../clock.js";
import { WinkError } from "../../../errors.js";
import { MailboxClosedError, MailboxResolutionError } from "../../../runtime/mailbox/errors.js";
import { onAbort } from "../../../runtime/mailbox/internal/abort-fanout.js";
import { interruptible } from "../../../runtime/mailbox/internal/interruptible.js";
import type {
  Mailbox,
  MailboxResolver,
  ReceiveOptions,
  SendOptions,
} from "../../../runtime/mailbox/types.js";
import { isSqsQueueName, parseSqsMailboxUrl } from "../../../runtime/mailbox/urls/sqs.js";
import { normalizeReceiveOptions } from "../../../runtime/mailbox/validation.js";
import { toMailboxError } from "./internal/aws-errors.js";
import { checkOptions } from "./internal/check-options.js";
import { checkSize, encodeBody, messageBytes, validateOutgoing } from "./internal/codec.js";
import { Polls } from "./internal/polls.js";
import { log, noAnswer, REPLY_TO_ATTRIBUTE, SqsQueue } from "./internal/queue.js";
import type { SQSMessage } from "./message.js";
import type { SQSMailboxOptions, SQSMailboxUrlOptions } from "./options.js";

export { REPLY_TO_ATTRIBUTE };

/** The longest long poll SQS allows, in seconds; longer waits are clamped to it. */
export const MAX_WAIT_TIME_SECONDS = 20;

/** A mailbox on one SQS queue. See the module doc. */
export class SQSMailbox<Body, ReplyBody = unknown> implements Mailbox<Body, ReplyBody> {
  readonly name: string;
  /** The SQS client every call goes through. */
  readonly client: SQSClient;
  readonly #queueName: string;
  readonly #queue: SqsQueue;
  readonly #clock: Clock;
  readonly #bodySchema: z.ZodType<Body> | undefined;
  readonly #maxMessageBytes: number;
  readonly #messageGroupId: string | ((body: Body) => string);
  readonly #responseTimeoutMs: number;
  readonly #receives = new Set<AbortController>();
  readonly #polls: Polls;
  #closed = false;
  #waitClampLogged = false;

  /**
   * A mailbox for a queue named by URL: `https://sqs.<region>.amazonaws.com/<account>/<queue>`,
   * or `sqs://<host>:<port>/<account>/<queue>?region=<region>` for a local SQS-compatible server
   * (see {@link parseSqsMailboxUrl}). The URL sets the client's region and, for `sqs://`, its
   * endpoint; `options.clientConfig` overrides both, and a given `options.client` is used as is.
   */
  static fromUrl<Body, ReplyBody = unknown>(
    url: string,
    options: SQSMailboxUrlOptions<Body> = {},
  ): SQSMailbox<Body, ReplyBody> {
    const parsed = parseSqsMailboxUrl(url);
    const clientConfig =
      options.client === undefined
        ? {
            region: parsed.region,
            ...(parsed.endpoint && { endpoint: parsed.endpoint }),
            ...options.clientConfig,
          }
        : undefined;
    return new SQSMailbox<Body, ReplyBody>({ ...options, queueUrl: parsed.queueUrl, clientConfig });
  }

  constructor(options: SQSMailboxOptions<Body>) {
    const { queueUrl, queueName, name, maxMessageBytes, responseTimeoutMs, region } = checkOptions(options);
    this.#queueName = queueName;
    this.name = name;
    this.client = options.client ?? new SQSClient({ ...(region && { region }), ...options.clientConfig });
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#maxMessageBytes = maxMessageBytes;
    this.#bodySchema = options.bodySchema;
    this.#messageGroupId = options.messageGroupId ?? "default";
    this.#responseTimeoutMs = responseTimeoutMs;
    const resolver =
      options.resolver ??
      new SQSMailboxResolver({ client: this.client, clock: this.#clock, maxMessageBytes, responseTimeoutMs });
    this.#queue = new SqsQueue({
      client: this.client,
      mailbox: this.name,
      queueName: this.#queueName,
      queueUrl,
      clock: this.#clock,
      resolver,
      verifyAcknowledge: options.verifyAcknowledge ?? true,
      responseTimeoutMs,
    });
    this.#polls = new Polls({
      client: this.client,
      mailbox: this.name,
      clock: this.#clock,
      responseTimeoutMs,
    });
  }

  /** True after {@link SQSMailbox.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The queue URL, once known (a mailbox opened by name learns it on its first call). */
  get queueUrl(): string | undefined {
    return this.#queue.queueUrl;
  }

  /**
   * SendMessage with the body as JSON and the reply address's name as the `wink-reply-to`
   * attribute; returns SQS's MessageId. Throws `MailboxSerializationError` before sending when the
   * body is not JSON data, fails the bodySchema, or is larger than `maxMessageBytes`.
   */
  async send(body: Body, options?: SendOptions): Promise<string> {
    if (this.#closed) {
      throw new MailboxClosedError(
        `Mailbox "${this.name}" is closed and accepts no more messages. Send through an open mailbox.`,
        { details: { mailbox: this.name } },
      );
    }
    validateOutgoing(this.#bodySchema, body, this.name);
    const messageBody = encodeBody(body, this.name);
    const replyTo = options?.replyTo;
    const replyName = typeof replyTo === "string" ? replyTo : replyTo?.name;
    if (replyName === "") {
      throw new WinkError(
        "invalid_argument",
        `The replyTo of a message sent to mailbox "${this.name}" is empty. Pass a queue name, or omit replyTo.`,
        { details: { mailbox: this.name } },
      );
    }
    const attributes: Record<string, MessageAttributeValue> =
      replyName === undefined ? {} : { [REPLY_TO_ATTRIBUTE]: { DataType: "String", StringValue: replyName } };
    checkSize(messageBytes(messageBody, attributes), this.#maxMessageBytes, this.name);
    const group = this.#messageGroupId;
    const fifo = this.#queueName.endsWith(".fifo")
      ? {
          MessageGroupId: typeof group === "string" ? group : group(body),
          MessageDeduplicationId: randomUUID(),
        }
      : {};
    const out = await this.#queue.call("SendMessage", (QueueUrl, abortSignal) =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: messageBody,
          MessageAttributes: replyName === undefined ? undefined : attributes,
          ...fifo,
        }),
        { abortSignal },
      ),
    );
    const id = out.MessageId ?? "";
    if (log.isEnabled("debug")) {
      log.debug("mailbox.send", "Message sent", { mailbox: this.name, messageId: id, replyTo: replyName });
    }
    return id;
  }

  /**
   * ReceiveMessage. `visibilityTimeout` and `waitTimeSeconds` are rounded up to whole seconds; a
   * wait over 20 s is clamped to 20 (logged once per mailbox as `mailbox.sqs.wait_clamped`). An
   * aborted `signal` or `close()` resolves the receive with `[]` at once, whatever the endpoint
   * does; its long poll stays open until SQS answers, and any messages in that answer are made
   * visible again (see {@link SQSMailbox.close}). SQS must answer within the long poll plus
   * `responseTimeoutMs`, or the receive throws `MailboxConnectionError`.
   */
  async receive(options?: ReceiveOptions): Promise<SQSMessage<Body, ReplyBody>[]> {
    const { maxMessages, visibilityTimeout, waitTimeSeconds } = normalizeReceiveOptions(options);
    const signal = options?.signal;
    if (this.#closed || signal?.aborted) return [];
    // Stopped by close() or the caller's signal; one listener per signal however many receives wait.
    const stop = new AbortController();
    const unlink = signal === undefined ? undefined : onAbort(signal, () => stop.abort());
    this.#receives.add(stop);
    const started = this.#clock.monotonic();
    const waitSeconds = this.#waitSeconds(waitTimeSeconds);
    let queueUrl: string | undefined;
    try {
      const url = await interruptible(this.#queue.url(), {
        clock: this.#clock,
        timeoutMs: Infinity,
        signal: stop.signal,
      });
      // Stopped while the lookup's answer was on its way: start no poll close() would not wait for.
      if (url.kind !== "done" || stop.signal.aborted) return [];
      queueUrl = url.value;
      const request = { queueUrl, maxMessages, visibilityTimeout: Math.ceil(visibilityTimeout), waitSeconds };
      const poll = this.#polls.start(request, stop.signal);
      const waited = await interruptible(poll.outcome, {
        clock: this.#clock,
        timeoutMs: Infinity,
        signal: stop.signal,
      });
      // No time limit here (the poll has its own): the wait ends with the poll, or stopped.
      if (waited.kind !== "done") return [];
      const outcome = waited.value;
      if (outcome.kind !== "done") {
        throw toMailboxError(noAnswer(waitSeconds * 1000 + this.#responseTimeoutMs), {
          mailbox: this.name,
          queueUrl,
          operation: "ReceiveMessage",
        });
      }
      const messages = this.#queue.messages<Body, ReplyBody>(outcome.value.Messages ?? [], this.#bodySchema);
      if (log.isEnabled("debug")) {
        log.debug("mailbox.receive", "Messages received", {
          mailbox: this.name,
          count: messages.length,
          messageIds: messages.map((m) => m.id),
          elapsedMs: Math.round(this.#clock.monotonic() - started),
        });
      }
      return messages;
    } catch (error) {
      if (error instanceof WinkError) throw error;
      throw toMailboxError(error, { mailbox: this.name, queueUrl, operation: "ReceiveMessage" });
    } finally {
      unlink?.();
      this.#receives.delete(stop);
    }
  }

  /**
   * PurgeQueue; returns the approximate number of messages the queue held just before. SQS allows
   * one purge per queue every 60 seconds (a second one fails with `PurgeQueueInProgress`) and may
   * take up to a minute to delete everything.
   */
  async purge(): Promise<number> {
    const count = await this.approximateCount();
    await this.#queue.call("PurgeQueue", (QueueUrl, abortSignal) =>
      this.client.send(new PurgeQueueCommand({ QueueUrl }), { abortSignal }),
    );
    return count;
  }

  /** Waiting + in-flight + delayed messages (`ApproximateNumberOf*` queue attributes). */
  async approximateCount(): Promise<number> {
    const names = [
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
    ] as const;
    const out = await this.#queue.call("GetQueueAttributes", (QueueUrl, abortSignal) =>
      this.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...names] }), {
        abortSignal,
      }),
    );
    return names.reduce((sum, key) => sum + (Number(out.Attributes?.[key] ?? 0) || 0), 0);
  }

  /**
   * Stop receiving: in-flight receives resolve with `[]` at once, later receives return `[]` at
   * once and `send` throws `MailboxClosedError`. Messages already received can still be settled.
   * Resolves once the long polls those receives started have ended: SQS keeps a poll open after
   * its client hangs up and would hand it the next message, so each poll stays open until SQS
   * answers (at most its wait, 20 s, plus `responseTimeoutMs`) and what it brings is made visible
   * again (logged as `mailbox.receive_released`; that call may take another `responseTimeoutMs`). The client is left open (it may be shared);
   * `client.destroy()` releases its sockets.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const stop of this.#receives) stop.abort();
    this.#receives.clear();
    await this.#polls.settled();
  }

  #waitSeconds(requested: number): number {
    if (requested <= MAX_WAIT_TIME_SECONDS) return Math.ceil(requested);
    if (!this.#waitClampLogged) {
      this.#waitClampLogged = true;
      log.warning(
        "mailbox.sqs.wait_clamped",
        `waitTimeSeconds ${requested} is over SQS's long-poll limit of ${MAX_WAIT_TIME_SECONDS} s, so mailbox ` +
          `"${this.name}" waits ${MAX_WAIT_TIME_SECONDS} s per receive. Pass waitTimeSeconds <= ${MAX_WAIT_TIME_SECONDS} ` +
          `for SQS (and size the watchdog threshold for it). Logged once per mailbox.`,
        {
          mailbox: this.name,
          requestedWaitTimeSeconds: requested,
          appliedWaitTimeSeconds: MAX_WAIT_TIME_SECONDS,
        },
      );
    }
    return MAX_WAIT_TIME_SECONDS;
  }
}

/** Options of {@link SQSMailboxResolver}. */
export interface SQSMailboxResolverOptions {
  /** The client reply mailboxes send through (same account and region as the queues named). */
  readonly client: SQSClient;
  /** Passed to the mailboxes it opens. Default: the system clock. */
  readonly clock?: Clock;
  /** Passed to the mailboxes it opens. Default 262,144. */
  readonly maxMessageBytes?: number;
  /** Passed to the mailboxes it opens. Default 10,000. */
  readonly responseTimeoutMs?: number;
  /** Most mailboxes kept; the oldest is dropped beyond it. Default 1,000. */
  readonly cacheSize?: number;
}

/**
 * Resolves reply addresses to SQS mailboxes on one client: a queue name opens a mailbox whose URL
 * is looked up with GetQueueUrl on first use, a full `http(s)://` queue URL opens that queue
 * directly. Mailboxes are cached by address. A name SQS cannot hold throws
 * `MailboxResolutionError` at once, so a `CompositeResolver` can try another backend.
 *
 * @example
 * ```ts
 * import { SQSClient } from "@aws-sdk/client-sqs";
 * import { CompositeResolver, InMemoryMailbox, MailboxRegistry } from "weakincentives/runtime";
 * import { SQSMailbox, SQSMailboxResolver } from "weakincentives/contrib/mailbox/sqs";
 *
 * const client = new SQSClient({ region: "us-east-1" });
 * const audit = new InMemoryMailbox({ name: "audit" });
 * const resolver = new CompositeResolver([new MailboxRegistry([audit]), new SQSMailboxResolver({ client })]);
 * const requests = new SQSMailbox({ queueName: "requests", client, resolver });
 * ```
 */
export class SQSMailboxResolver implements MailboxResolver {
  readonly #options: SQSMailboxResolverOptions;
  readonly #mailboxes = new Map<string, SQSMailbox<unknown>>();

  constructor(options: SQSMailboxResolverOptions) {
    this.#options = options;
  }

  /** The mailbox for the queue `address` names (a queue name or a queue URL). */
  resolve(address: string): Mailbox<unknown> {
    const cached = this.#mailboxes.get(address);
    if (cached !== undefined) return cached;
    const isUrl = /^https?:\/\//.test(address);
    if (!isUrl && !isSqsQueueName(address)) {
      throw new MailboxResolutionError(
        `"${address}" is not an SQS queue name or queue URL, so no SQS mailbox can be opened for it. Reply ` +
          `addresses for SQS are queue names (1–80 letters, digits, "-" or "_", optionally ".fifo") or queue URLs.`,
        { details: { address } },
      );
    }
    const { client, clock, maxMessageBytes, responseTimeoutMs } = this.#options;
    const location = isUrl ? { queueUrl: address } : { queueName: address };
    const mailbox = new SQSMailbox<unknown>({
      ...location,
      client,
      clock,
      maxMessageBytes,
      responseTimeoutMs,
      resolver: this,
    });
    if (this.#mailboxes.size >= (this.#options.cacheSize ?? 1000)) {
      const oldest = this.#mailboxes.keys().next();
      if (!oldest.done) this.#mailboxes.delete(oldest.value);
    }
    this.#mailboxes.set(address, mailbox);
    return mailbox;
  }
}
