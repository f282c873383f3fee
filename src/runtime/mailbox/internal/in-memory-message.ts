/** One delivery of an in-memory message: the handle a consumer settles or replies through. */

import { MessageFinalizedError } from "../errors.js";
import type { Mailbox, Message } from "../types.js";
import { validateVisibilityTimeout } from "../validation.js";
import type { Entry } from "./entry-heap.js";

/** What a delivery needs from the queue that made it. */
export interface DeliveryQueue<Body, _ReplyBody> {
  readonly name: string;
  replyTarget(entry: Entry<Body>): Mailbox<unknown>;
  acknowledge(entry: Entry<Body>, handle: string): void;
  nack(entry: Entry<Body>, handle: string, visibilityMs: number): void;
  extend(entry: Entry<Body>, handle: string, visibilityMs: number): void;
}

type Settlement = "acknowledged" | "nacked";

/** One delivery of an entry. */
export class InMemoryMessage<Body, ReplyBody> implements Message<Body, ReplyBody> {
  readonly id: string;
  readonly body: Body;
  readonly receiptHandle: string;
  readonly deliveryCount: number;
  readonly replyTo: string | undefined;
  readonly #queue: DeliveryQueue<Body, ReplyBody>;
  readonly #entry: Entry<Body>;
  #settled: Settlement | undefined = undefined;

  constructor(queue: DeliveryQueue<Body, ReplyBody>, entry: Entry<Body>) {
    this.id = entry.id;
    this.body = entry.body;
    this.receiptHandle = entry.handle as string;
    this.deliveryCount = entry.deliveryCount;
    this.replyTo = entry.replyName;
    this.#queue = queue;
    this.#entry = entry;
  }

  get enqueuedAt(): Date {
    return new Date(this.#entry.enqueuedAtMs);
  }

  get finalized(): boolean {
    return this.#settled !== undefined;
  }

  async reply(body: ReplyBody): Promise<string> {
    this.#checkOpen("reply to");
    return this.#queue.replyTarget(this.#entry).send(body);
  }

  async acknowledge(): Promise<void> {
    this.#checkOpen("acknowledge");
    this.#queue.acknowledge(this.#entry, this.receiptHandle);
    this.#settled = "acknowledged";
  }

  async nack(visibilityTimeout = 0): Promise<void> {
    validateVisibilityTimeout(visibilityTimeout, "nack visibilityTimeout");
    this.#checkOpen("nack");
    this.#queue.nack(this.#entry, this.receiptHandle, visibilityTimeout * 1000);
    this.#settled = "nacked";
  }

  async extendVisibility(timeout: number): Promise<void> {
    validateVisibilityTimeout(timeout, "extendVisibility timeout");
    this.#checkOpen("extend the visibility of");
    this.#queue.extend(this.#entry, this.receiptHandle, timeout * 1000);
  }

  #checkOpen(action: string): void {
    if (this.#settled !== undefined) {
      throw new MessageFinalizedError(
        `Cannot ${action} message ${this.id} of mailbox "${this.#queue.name}": it was already ` +
          `${this.#settled}. Reply before settling, and settle each delivery exactly once.`,
        { details: { mailbox: this.#queue.name, messageId: this.id, settled: this.#settled } },
      );
    }
  }
}
