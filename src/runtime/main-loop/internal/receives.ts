/**
 * The receives a `MainLoop` has in flight. While the queue has a backlog (the last receive brought
 * as many as one receive may take) and the loop long-polls, it keeps a second one going when it has room for its
 * messages, so the next batch is on the wire while the previous one is decoded and started: one
 * receive at a time left the loop waiting a round trip per batch (on Redis at concurrency 64,
 * 48,000 messages/s with one against 80,000–88,000 with two). Without a backlog one is enough,
 * and a second would only add round trips (and latency) at a steady trickle.
 *
 * @internal
 */

import type { Clock } from "../../../clock.js";
import { getLogger } from "../../../logging/index.js";
import type { Mailbox, Message, ReceiveOptions } from "../../mailbox/types.js";

const log = getLogger("weakincentives.runtime.main_loop");

/** The most messages one receive takes (SQS's limit, kept on every backend). */
export const MAX_RECEIVE = 10;

/**
 * One receive of the loop: its messages, or none after a failure, which is logged and followed by
 * a one-second pause (cut short by the signal) so a broken broker is not hammered.
 */
export async function receiveOrPause<Body, Reply>(
  requests: Mailbox<Body, Reply>,
  clock: Clock,
  options: ReceiveOptions,
): Promise<Message<Body, Reply>[]> {
  try {
    return await requests.receive(options);
  } catch (error) {
    log.error("main_loop.receive_failed", "Receiving from the requests mailbox failed; retrying in 1 s.", {
      mailbox: requests.name,
      error,
    });
    await clock.sleep(1_000, options.signal).catch(() => {});
    return [];
  }
}

/** The receives in flight, and how many messages they may still bring. */
export class Receives {
  readonly #tasks = new Set<Promise<void>>();
  #asked = 0;
  #backlog = false;

  /** `pipelined`: a second receive may run while there is a backlog. `onDone` runs when one ends. */
  constructor(
    private readonly pipelined: boolean,
    private readonly onDone: () => void,
  ) {}

  /** Receives in flight. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Messages the receives in flight may still bring. */
  get asked(): number {
    return this.#asked;
  }

  /** True when no other receive may start. */
  get full(): boolean {
    return this.#tasks.size >= (this.pipelined && this.#backlog ? 2 : 1);
  }

  /**
   * Start `receive`, which may bring up to `want` messages and resolves with how many it brought.
   * Mailbox failures are its own to handle (see {@link receiveOrPause}); anything else it throws is
   * logged here, since nobody awaits the receive until shutdown.
   */
  start(want: number, receive: () => Promise<number>): void {
    this.#asked += want;
    const task: Promise<void> = receive()
      .then(
        (brought) => {
          this.#backlog = brought >= MAX_RECEIVE;
        },
        (error: unknown) => {
          log.error("main_loop.receive_failed", "Taking in received messages failed.", { error });
        },
      )
      .finally(() => {
        this.#asked -= want;
        this.#tasks.delete(task);
        this.onDone();
      });
    this.#tasks.add(task);
  }

  /** Resolves when every receive in flight has ended. */
  async settled(): Promise<void> {
    await Promise.all(this.#tasks);
  }
}
