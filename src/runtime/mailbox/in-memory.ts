/**
 * {@link InMemoryMailbox}: the mailbox contract inside one process, with SQS semantics on an
 * injected {@link Clock} — for tests (drive it with a `FakeClock`) and single-process deployments.
 * Messages are lost when the process ends.
 *
 * A received message stays invisible for its visibility timeout; when the timeout ends before it
 * is acknowledged it goes back to the tail of the queue and is delivered again with a higher
 * `deliveryCount` and a new receipt handle. A reaper timer does this while messages are in
 * flight, and every `receive` does it first, so correctness never waits on the timer.
 *
 * @example
 * ```ts
 * import { InMemoryMailbox } from "weakincentives/runtime";
 *
 * const results = new InMemoryMailbox<string>({ name: "results" });
 * const requests = new InMemoryMailbox<{ n: number }, string>({ name: "requests" });
 * await requests.send({ n: 2 }, { replyTo: results });
 *
 * for (const msg of await requests.receive({ maxMessages: 10, visibilityTimeout: 60 })) {
 *   await msg.reply(`squared: ${msg.body.n ** 2}`);
 *   await msg.acknowledge();
 * }
 * ```
 */

import { type Clock, SYSTEM_CLOCK } from "../../clock.js";
import { WinkError } from "../../errors.js";
import { Queue } from "./in-memory-queue.js";
import { MailboxRegistry } from "./resolvers.js";
import type { Mailbox, MailboxResolver, Message, ReceiveOptions, SendOptions } from "./types.js";

/** Options of {@link InMemoryMailbox}. */
export interface InMemoryMailboxOptions {
  /** Used in errors, logs and as the reply address. Default `"default"`. */
  readonly name?: string;
  /** Most messages held (waiting + in flight); a send beyond it throws `MailboxFullError`. Default: no limit. */
  readonly maxSize?: number;
  /** Time source for visibility timeouts and long polls. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Turns a reply address given as a *name* into a mailbox. Default: an empty
   * {@link MailboxRegistry}, so only mailbox objects passed as `replyTo` can be replied to.
   */
  readonly resolver?: MailboxResolver;
  /** The reaper runs at most this often (ms), and only while messages are in flight. Default 100. */
  readonly reaperIntervalMs?: number;
}

/**
 * A mailbox held in process memory with SQS semantics (FIFO, visibility timeouts, new receipt
 * handle per delivery, long polls) timed by the injected clock. See the module example.
 */
export class InMemoryMailbox<Body, ReplyBody = unknown> implements Mailbox<Body, ReplyBody> {
  readonly name: string;
  readonly #queue: Queue<Body, ReplyBody>;

  constructor(options: InMemoryMailboxOptions = {}) {
    const name = options.name ?? "default";
    if (typeof name !== "string" || name === "") {
      throw new WinkError(
        "invalid_argument",
        `A mailbox name must be a non-empty string, got ${JSON.stringify(name)}.`,
        {
          details: { name },
        },
      );
    }
    const { maxSize, reaperIntervalMs = 100 } = options;
    if (maxSize !== undefined && !(Number.isInteger(maxSize) && maxSize > 0)) {
      throw new WinkError(
        "invalid_argument",
        `maxSize of mailbox "${name}" must be a positive integer, got ${String(maxSize)}. Omit it for no limit.`,
        { details: { mailbox: name, maxSize } },
      );
    }
    if (!(Number.isFinite(reaperIntervalMs) && reaperIntervalMs >= 0)) {
      throw new WinkError(
        "invalid_argument",
        `reaperIntervalMs of mailbox "${name}" must be a finite number of milliseconds >= 0, got ${String(reaperIntervalMs)}.`,
        { details: { mailbox: name, reaperIntervalMs } },
      );
    }
    this.name = name;
    this.#queue = new Queue(
      name,
      options.clock ?? SYSTEM_CLOCK,
      maxSize,
      options.resolver ?? new MailboxRegistry(),
      reaperIntervalMs,
    );
  }

  get closed(): boolean {
    return this.#queue.closed;
  }

  async send(body: Body, options?: SendOptions): Promise<string> {
    return this.#queue.send(body, options);
  }

  async receive(options?: ReceiveOptions): Promise<Message<Body, ReplyBody>[]> {
    return this.#queue.receive(options);
  }

  async purge(): Promise<number> {
    return this.#queue.purge();
  }

  async approximateCount(): Promise<number> {
    return this.#queue.size;
  }

  async close(): Promise<void> {
    this.#queue.close();
  }

  /**
   * Return every message whose visibility has ended to the tail of the queue now, without
   * waiting for the reaper timer; returns how many were returned. `receive` does this itself, so
   * call it only to observe the queue (tests, metrics).
   */
  reapExpired(): number {
    return this.#queue.reapExpired();
  }
}
