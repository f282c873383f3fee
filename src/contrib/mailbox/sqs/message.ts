/**
 * {@link SQSMessage}: one SQS delivery seen through the mailbox contract. Settling maps to SQS
 * calls on the delivery's receipt handle — `acknowledge` to DeleteMessage, `nack(t)` and
 * `extendVisibility(t)` to ChangeMessageVisibility — and the message remembers that it was
 * settled, so a second settle or a late reply fails with `MessageFinalizedError` without a call.
 */

import { type MailboxSerializationError, ReplyNotAvailableError } from "../../../runtime/mailbox/errors.js";
import { SettlementGuard } from "../../../runtime/mailbox/settlement.js";
import type { Mailbox, Message } from "../../../runtime/mailbox/types.js";
import { validateVisibilityTimeout } from "../../../runtime/mailbox/validation.js";

/** What a message needs from the mailbox that received it. */
export interface SQSMessageHost {
  readonly name: string;
  /** Delete the delivery (after checking the handle is current, when the mailbox verifies). */
  deleteDelivery(messageId: string, receiptHandle: string): Promise<void>;
  /** Set the delivery's visibility to `seconds` from now. */
  changeVisibility(messageId: string, receiptHandle: string, seconds: number, action: string): Promise<void>;
  /** The mailbox replies to `replyTo` go to. */
  replyTarget(replyTo: string): Mailbox<unknown>;
}

/** The fields of one delivery, read from SQS's answer. */
export interface SQSDelivery<Body> {
  readonly id: string;
  readonly body: Body;
  readonly bodyError?: MailboxSerializationError | undefined;
  readonly receiptHandle: string;
  readonly deliveryCount: number;
  readonly enqueuedAt: Date;
  readonly replyTo: string | undefined;
}

/**
 * One delivery of an SQS message. `deliveryCount` is SQS's `ApproximateReceiveCount`,
 * `enqueuedAt` its `SentTimestamp`, and `replyTo` the `wink-reply-to` attribute.
 *
 * A body that is not JSON, or does not match the mailbox's `bodySchema`, is still delivered — so
 * it can be dead-lettered or acknowledged instead of cycling through the queue — with `body`
 * holding the raw text (or the parsed JSON) and {@link SQSMessage.bodyError} saying what is wrong.
 */
export class SQSMessage<Body, ReplyBody = unknown> implements Message<Body, ReplyBody> {
  readonly id: string;
  /** The decoded body; the raw value when {@link SQSMessage.bodyError} is set. */
  readonly body: Body;
  /** Set when the body is not JSON or fails the `bodySchema`; undefined for every well-formed body. */
  readonly bodyError: MailboxSerializationError | undefined;
  readonly receiptHandle: string;
  readonly deliveryCount: number;
  readonly replyTo: string | undefined;
  readonly #enqueuedAt: Date;
  readonly #host: SQSMessageHost;
  readonly #guard: SettlementGuard;

  /** Built by `SQSMailbox.receive`; not meant to be constructed by users. */
  constructor(host: SQSMessageHost, delivery: SQSDelivery<Body>) {
    this.id = delivery.id;
    this.body = delivery.body;
    this.bodyError = delivery.bodyError;
    this.receiptHandle = delivery.receiptHandle;
    this.deliveryCount = delivery.deliveryCount;
    this.replyTo = delivery.replyTo;
    this.#enqueuedAt = delivery.enqueuedAt;
    this.#host = host;
    this.#guard = new SettlementGuard(this.#host.name, delivery.id);
  }

  /** When SQS accepted the message (its `SentTimestamp`). */
  get enqueuedAt(): Date {
    return new Date(this.#enqueuedAt.getTime());
  }

  /** True once acknowledged or nacked through this delivery (or while that call is in flight). */
  get finalized(): boolean {
    return this.#guard.settled;
  }

  /** Send `body` to the reply queue, resolved by name through the mailbox's resolver. */
  async reply(body: ReplyBody): Promise<string> {
    this.#guard.check("reply to");
    if (this.replyTo === undefined) {
      throw new ReplyNotAvailableError(
        `Message ${this.id} of mailbox "${this.#host.name}" has no reply address, so reply() has nowhere to ` +
          `send. Pass { replyTo } to send() when the sender expects an answer.`,
        { details: { mailbox: this.#host.name, messageId: this.id } },
      );
    }
    return this.#host.replyTarget(this.replyTo).send(body);
  }

  /** Delete the message from the queue (DeleteMessage). */
  async acknowledge(): Promise<void> {
    await this.#guard.settle("acknowledged", "acknowledge", () =>
      this.#host.deleteDelivery(this.id, this.receiptHandle),
    );
  }

  /** Make the message visible again after `visibilityTimeout` seconds (default 0: at once). */
  async nack(visibilityTimeout = 0): Promise<void> {
    validateVisibilityTimeout(visibilityTimeout, "nack visibilityTimeout");
    await this.#guard.settle("nacked", "nack", () =>
      this.#host.changeVisibility(this.id, this.receiptHandle, visibilityTimeout, "nack"),
    );
  }

  /** Keep the message invisible for `timeout` seconds from now (ChangeMessageVisibility). */
  async extendVisibility(timeout: number): Promise<void> {
    validateVisibilityTimeout(timeout, "extendVisibility timeout");
    this.#guard.check("extend the visibility of");
    await this.#host.changeVisibility(this.id, this.receiptHandle, timeout, "extendVisibility");
  }
}
