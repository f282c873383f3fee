/**
 * {@link RedisMessage}: one delivery of a message from a {@link RedisMailbox}. Settling runs a
 * Lua script that checks the delivery's receipt handle against the one Redis holds, so a handle
 * left over from an earlier delivery can no longer settle the message.
 *
 * @internal The class is exported as a type only; mailboxes create its instances.
 */

import type { MailboxSerializationError } from "../../../runtime/mailbox/errors.js";
import { SettlementGuard } from "../../../runtime/mailbox/settlement.js";
import type { Message } from "../../../runtime/mailbox/types.js";
import { validateVisibilityTimeout } from "../../../runtime/mailbox/validation.js";

/** What a delivery asks of its mailbox; each call throws the mailbox's errors. */
export interface DeliveryOps<ReplyBody> {
  readonly name: string;
  acknowledge(id: string, handle: string): Promise<void>;
  nack(id: string, handle: string, visibilityMs: number): Promise<void>;
  extend(id: string, handle: string, visibilityMs: number): Promise<void>;
  reply(id: string, replyTo: string | undefined, body: ReplyBody): Promise<string>;
}

/** One delivery as the receive script returned it, body already decoded. */
export interface Delivery<Body> {
  readonly id: string;
  readonly body: Body;
  readonly bodyError: MailboxSerializationError | undefined;
  /** The random part of the receipt handle, as stored in Redis. */
  readonly suffix: string;
  readonly deliveryCount: number;
  readonly enqueuedMs: number;
  readonly replyTo: string | undefined;
}

/**
 * A message received from a {@link RedisMailbox}.
 *
 * When the mailbox has a `bodySchema` and the stored body does not match it (or is not JSON at
 * all), the message is still delivered — so it is never lost and can be dead-lettered or
 * acknowledged — with `body` holding the raw decoded JSON (or the raw string) and
 * {@link RedisMessage.bodyError} saying what is wrong. Check `bodyError` before trusting `body`.
 */
export class RedisMessage<Body, ReplyBody = unknown> implements Message<Body, ReplyBody> {
  readonly id: string;
  /** The decoded body; the raw value when {@link RedisMessage.bodyError} is set. */
  readonly body: Body;
  /**
   * Set when the stored body is not JSON or does not match the mailbox's `bodySchema`; it names
   * the message id. Undefined for every well-formed body.
   */
  readonly bodyError: MailboxSerializationError | undefined;
  /** `{id}:{random}`; new for every delivery. */
  readonly receiptHandle: string;
  readonly deliveryCount: number;
  /** When the message was first sent, by the Redis server's clock. */
  readonly enqueuedAt: Date;
  readonly replyTo: string | undefined;
  readonly #ops: DeliveryOps<ReplyBody>;
  readonly #suffix: string;
  readonly #guard: SettlementGuard;

  constructor(ops: DeliveryOps<ReplyBody>, delivery: Delivery<Body>) {
    this.id = delivery.id;
    this.body = delivery.body;
    this.bodyError = delivery.bodyError;
    this.receiptHandle = `${delivery.id}:${delivery.suffix}`;
    this.deliveryCount = delivery.deliveryCount;
    this.enqueuedAt = new Date(delivery.enqueuedMs);
    this.replyTo = delivery.replyTo;
    this.#ops = ops;
    this.#suffix = delivery.suffix;
    this.#guard = new SettlementGuard(this.#ops.name, delivery.id);
  }

  get finalized(): boolean {
    return this.#guard.settled;
  }

  async reply(body: ReplyBody): Promise<string> {
    this.#guard.check("reply to");
    return this.#ops.reply(this.id, this.replyTo, body);
  }

  async acknowledge(): Promise<void> {
    await this.#guard.settle("acknowledged", "acknowledge", () =>
      this.#ops.acknowledge(this.id, this.#suffix),
    );
  }

  async nack(visibilityTimeout = 0): Promise<void> {
    validateVisibilityTimeout(visibilityTimeout, "nack visibilityTimeout");
    await this.#guard.settle("nacked", "nack", () =>
      this.#ops.nack(this.id, this.#suffix, Math.round(visibilityTimeout * 1000)),
    );
  }

  async extendVisibility(timeout: number): Promise<void> {
    validateVisibilityTimeout(timeout, "extendVisibility timeout");
    this.#guard.check("extend the visibility of");
    await this.#ops.extend(this.id, this.#suffix, Math.round(timeout * 1000));
  }
}
