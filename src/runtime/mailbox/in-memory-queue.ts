/**
 * The queue behind {@link InMemoryMailbox}: waiting entries in a FIFO array, in-flight entries in
 * a heap ordered by expiry, long-poll waiters, and the reaper timer that returns expired entries
 * to the tail. Kept apart from the mailbox class so the class stays a thin public surface over it.
 */

import { randomUUID } from "node:crypto";
import type { Clock, TimerHandle } from "../../clock.js";
import { getLogger } from "../../logging/index.js";
import {
  MailboxClosedError,
  MailboxFullError,
  ReceiptHandleExpiredError,
  ReplyNotAvailableError,
} from "./errors.js";
import { onAbort } from "./internal/abort-fanout.js";
import {
  DELETED,
  Entry,
  heapPush,
  heapRemove,
  heapUpdate,
  IN_FLIGHT,
  PENDING,
} from "./internal/entry-heap.js";
import { InMemoryMessage } from "./internal/in-memory-message.js";
import type { Mailbox, MailboxResolver, Message, ReceiveOptions, SendOptions } from "./types.js";
import { normalizeReceiveOptions } from "./validation.js";

const log = getLogger("weakincentives.runtime.mailbox");

/** A receive blocked in a long poll. */
class Waiter<Body, ReplyBody> {
  timer: TimerHandle | undefined = undefined;
  /** Stops listening to the caller's signal. */
  unlink: (() => void) | undefined = undefined;

  constructor(
    readonly maxMessages: number,
    readonly visibilityMs: number,
    readonly resolve: (messages: Message<Body, ReplyBody>[]) => void,
  ) {}
}

/** The state and rules behind one {@link InMemoryMailbox}; messages call back into it. */
export class Queue<Body, ReplyBody> {
  /** Waiting entries from `head` on; the slots before it are spent. */
  private pending: (Entry<Body> | undefined)[] = [];
  private head = 0;
  private heap: Entry<Body>[] = [];
  private readonly waiters = new Set<Waiter<Body, ReplyBody>>();
  private timer: TimerHandle | undefined = undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private order = 0;
  closed = false;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
    private readonly maxSize: number | undefined,
    private readonly resolver: MailboxResolver,
    private readonly reaperIntervalMs: number,
  ) {}

  get size(): number {
    return this.pending.length - this.head + this.heap.length;
  }

  send(body: Body, options: SendOptions | undefined): string {
    if (this.closed) {
      throw new MailboxClosedError(
        `Mailbox "${this.name}" is closed and accepts no more messages. Send to an open mailbox.`,
        { details: { mailbox: this.name } },
      );
    }
    if (this.maxSize !== undefined && this.size >= this.maxSize) {
      throw new MailboxFullError(
        `Mailbox "${this.name}" is full: it holds its maximum of ${this.maxSize} messages. ` +
          `Acknowledge or purge messages, or raise maxSize.`,
        { details: { mailbox: this.name, maxSize: this.maxSize } },
      );
    }
    const replyTo = options?.replyTo;
    const entry =
      replyTo === undefined
        ? new Entry(randomUUID(), body, this.clock.epochMs(), undefined, undefined)
        : typeof replyTo === "string"
          ? new Entry(randomUUID(), body, this.clock.epochMs(), replyTo, undefined)
          : new Entry(randomUUID(), body, this.clock.epochMs(), replyTo.name, replyTo);
    this.pending.push(entry);
    if (this.waiters.size > 0) this.dispatch();
    if (log.isEnabled("debug")) {
      log.debug("mailbox.send", "Message sent", {
        mailbox: this.name,
        messageId: entry.id,
        replyTo: entry.replyName,
      });
    }
    return entry.id;
  }

  receive(
    options: ReceiveOptions | undefined,
  ): Message<Body, ReplyBody>[] | Promise<Message<Body, ReplyBody>[]> {
    const { maxMessages, visibilityTimeout, waitTimeSeconds } = normalizeReceiveOptions(options);
    const signal = options?.signal;
    if (this.closed || signal?.aborted) return [];
    this.reapExpired();
    const visibilityMs = visibilityTimeout * 1000;
    if (this.head < this.pending.length || waitTimeSeconds === 0) {
      return this.take(maxMessages, visibilityMs);
    }
    return new Promise((resolve) => {
      const waiter = new Waiter(maxMessages, visibilityMs, resolve);
      this.waiters.add(waiter);
      if (Number.isFinite(waitTimeSeconds)) {
        waiter.timer = this.clock.setTimer(waitTimeSeconds * 1000, () => this.waitEnded(waiter));
      }
      // One listener per signal however many receives wait on it (no MaxListenersExceededWarning).
      if (signal !== undefined) waiter.unlink = onAbort(signal, () => this.release(waiter, []));
    });
  }

  /** Move every expired in-flight entry to the tail of the queue; returns how many moved. */
  reapExpired(): number {
    const heap = this.heap;
    if (heap.length === 0) return 0;
    const now = this.clock.monotonic();
    let moved = 0;
    for (let top = heap[0]; top !== undefined && top.expiresAt <= now; top = heap[0]) {
      heapRemove(heap, top);
      top.state = PENDING;
      top.handle = undefined;
      this.pending.push(top);
      moved++;
    }
    if (moved > 0 && this.waiters.size > 0) this.dispatch();
    return moved;
  }

  acknowledge(entry: Entry<Body>, handle: string): void {
    this.checkHandle(entry, handle);
    heapRemove(this.heap, entry);
    entry.state = DELETED;
    entry.handle = undefined;
    if (log.isEnabled("debug")) {
      log.debug("mailbox.acknowledge", "Message acknowledged", {
        mailbox: this.name,
        messageId: entry.id,
        deliveryCount: entry.deliveryCount,
      });
    }
  }

  nack(entry: Entry<Body>, handle: string, visibilityMs: number): void {
    this.checkHandle(entry, handle);
    if (visibilityMs === 0) {
      heapRemove(this.heap, entry);
      entry.state = PENDING;
      entry.handle = undefined;
      this.pending.push(entry);
      if (this.waiters.size > 0) this.dispatch();
      return;
    }
    // Still in flight, but no outstanding handle can settle it: the next delivery gets a new one.
    entry.handle = undefined;
    this.setExpiry(entry, visibilityMs);
  }

  extend(entry: Entry<Body>, handle: string, visibilityMs: number): void {
    this.checkHandle(entry, handle);
    this.setExpiry(entry, visibilityMs);
  }

  replyTarget(entry: Entry<Body>): Mailbox<unknown> {
    if (entry.replyMailbox !== undefined) return entry.replyMailbox;
    if (entry.replyName === undefined) {
      throw new ReplyNotAvailableError(
        `Message ${entry.id} of mailbox "${this.name}" has no reply address, so reply() has nowhere to ` +
          `send. Pass { replyTo } to send() when the sender expects an answer.`,
        { details: { mailbox: this.name, messageId: entry.id } },
      );
    }
    return this.resolver.resolve(entry.replyName);
  }

  purge(): number {
    const count = this.size;
    for (let i = this.head; i < this.pending.length; i++) (this.pending[i] as Entry<Body>).state = DELETED;
    for (const entry of this.heap) {
      entry.state = DELETED;
      entry.handle = undefined;
      entry.heapIndex = -1;
    }
    this.pending = [];
    this.head = 0;
    this.heap = [];
    return count;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    for (const waiter of this.waiters) this.release(waiter, []);
  }

  /** Deliver up to `max` waiting entries, each invisible for `visibilityMs`. */
  private take(max: number, visibilityMs: number): Message<Body, ReplyBody>[] {
    const out: Message<Body, ReplyBody>[] = [];
    const pending = this.pending;
    if (this.head === pending.length) return out;
    const now = this.clock.monotonic();
    const expiresAt = now + visibilityMs;
    while (out.length < max && this.head < pending.length) {
      const entry = pending[this.head] as Entry<Body>;
      pending[this.head++] = undefined;
      entry.deliveryCount++;
      entry.state = IN_FLIGHT;
      entry.handle = `${entry.id}:${entry.deliveryCount}`;
      entry.expiresAt = expiresAt;
      entry.order = ++this.order;
      heapPush(this.heap, entry);
      out.push(new InMemoryMessage(this, entry));
    }
    this.compact();
    this.scheduleReaper(now);
    if (log.isEnabled("debug")) {
      log.debug("mailbox.receive", "Messages received", {
        mailbox: this.name,
        count: out.length,
        messageIds: out.map((m) => m.id),
      });
    }
    return out;
  }

  /** Drop spent slots: at once when the queue is empty, otherwise once they are most of the array. */
  private compact(): void {
    if (this.head === this.pending.length) {
      this.pending.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** Hand waiting entries to blocked receivers, oldest receiver first. */
  private dispatch(): void {
    for (const waiter of this.waiters) {
      if (this.head === this.pending.length) return;
      this.release(waiter, this.take(waiter.maxMessages, waiter.visibilityMs));
    }
  }

  private release(waiter: Waiter<Body, ReplyBody>, messages: Message<Body, ReplyBody>[]): void {
    this.waiters.delete(waiter);
    waiter.timer?.cancel();
    waiter.unlink?.();
    waiter.resolve(messages);
  }

  private waitEnded(waiter: Waiter<Body, ReplyBody>): void {
    waiter.timer = undefined;
    // Expired messages the reaper has not moved yet still count as available at the deadline.
    this.reapExpired();
    if (this.waiters.has(waiter)) {
      this.release(waiter, this.take(waiter.maxMessages, waiter.visibilityMs));
    }
  }

  private setExpiry(entry: Entry<Body>, visibilityMs: number): void {
    const now = this.clock.monotonic();
    entry.expiresAt = now + visibilityMs;
    entry.order = ++this.order;
    heapUpdate(this.heap, entry);
    this.scheduleReaper(now);
  }

  private checkHandle(entry: Entry<Body>, handle: string): void {
    if (entry.state !== IN_FLIGHT || entry.handle !== handle) {
      throw new ReceiptHandleExpiredError(
        `The receipt handle "${handle}" of message ${entry.id} in mailbox "${this.name}" is no longer ` +
          `valid: the message was delivered again, settled, or purged. Receive the message again for a ` +
          `current handle, and keep processing shorter than the visibility timeout (or extend it).`,
        { details: { mailbox: this.name, messageId: entry.id, receiptHandle: handle } },
      );
    }
  }

  /**
   * Keep one timer for the earliest expiry, never closer than the reaper interval, so a burst of
   * receives does not reschedule it per message.
   */
  private scheduleReaper(now: number): void {
    const top = this.heap[0];
    if (top === undefined || this.closed) return;
    const at = Math.max(top.expiresAt, now + this.reaperIntervalMs);
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return;
      this.timer.cancel();
    }
    this.timerAt = at;
    this.timer = this.clock.setTimer(at - now, this.onReaperTimer);
  }

  private readonly onReaperTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.reapExpired();
    this.scheduleReaper(this.clock.monotonic());
  };
}
