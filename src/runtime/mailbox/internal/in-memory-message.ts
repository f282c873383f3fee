/** One delivery of an in-memory message: the handle a consumer settles or replies through. */

import { SettlementGuard } from "../settlement.js";
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

/** One delivery of an entry. */
export class InMemoryMessage<Body, ReplyBody> implements Message<Body, ReplyBody> {
  readonly id: string;
  readonly body: Body;
  readonly receiptHandle: string;
  readonly deliveryCount: number;
  readonly replyTo: string | undefined;
  readonly #queue: DeliveryQueue<Body, ReplyBody>;
  readonly #entry: Entry<Body>;
  readonly #guard: SettlementGuard;

  constructor(queue: DeliveryQueue<Body, ReplyBody>, entry: Entry<Body>) {
    this.id = entry.id;
    this.body = entry.body;
    this.receiptHandle = entry.handle as string;
    this.deliveryCount = entry.deliveryCount;
    this.replyTo = entry.replyName;
    this.#queue = queue;
    this.#entry = entry;
    this.#guard = new SettlementGuard(queue.name, entry.id);
  }

  get enqueuedAt(): Date {
    return new Date(this.#entry.enqueuedAtMs);
  }

  get finalized(): boolean {
    return this.#guard.settled;
  }

  async reply(body: ReplyBody): Promise<string> {
    this.#guard.check("reply to");
    return this.#queue.replyTarget(this.#entry).send(body);
  }

  async acknowledge(): Promise<void> {
    await this.#guard.settle("acknowledged", "acknowledge", () =>
      this.#queue.acknowledge(this.#entry, this.receiptHandle),
    );
  }

  async nack(visibilityTimeout = 0): Promise<void> {
    validateVisibilityTimeout(visibilityTimeout, "nack visibilityTimeout");
    await this.#guard.settle("nacked", "nack", () =>
      this.#queue.nack(this.#entry, this.receiptHandle, visibilityTimeout * 1000),
    );
  }

  async extendVisibility(timeout: number): Promise<void> {
    validateVisibilityTimeout(timeout, "extendVisibility timeout");
    this.#guard.check("extend the visibility of");
    this.#queue.extend(this.#entry, this.receiptHandle, timeout * 1000);
  }
}
