/**
 * Commands issued together, sent as one script call: a worker that finishes a batch acknowledges
 * each message in turn, and a producer sends bursts; one `EVALSHA` for all of them costs the
 * server and the client a fraction of one per message (on a small VM, a socket write and a wake-up
 * of the event loop cost more than the script). Batching never delays anything: items are
 * collected until the current tick's promise jobs have run (`process.nextTick`), then sent.
 *
 * @internal
 */

/** Most items in one script call. */
export const BATCH_MAX = 100;

/** Sends `items` in one call; resolves with one result per item, in order. */
export type BatchRunner<Item, Result> = (items: readonly Item[]) => Promise<readonly Result[]>;

interface Pending<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/** Collects the items of one tick and runs them in batches of at most {@link BATCH_MAX}. */
export class TickBatcher<Item, Result> {
  readonly #run: BatchRunner<Item, Result>;
  #queue: Pending<Item, Result>[] = [];

  constructor(run: BatchRunner<Item, Result>) {
    this.#run = run;
  }

  /** Resolves with this item's result, or rejects with the batch's error. */
  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      if (this.#queue.length === 0) process.nextTick(() => this.#flush());
      this.#queue.push({ item, resolve, reject });
    });
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    for (let start = 0; start < queue.length; start += BATCH_MAX) {
      void this.#send(queue.slice(start, start + BATCH_MAX));
    }
  }

  async #send(batch: readonly Pending<Item, Result>[]): Promise<void> {
    let results: readonly Result[];
    try {
      results = await this.#run(batch.map((pending) => pending.item));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (const [index, pending] of batch.entries()) pending.resolve(results[index] as Result);
  }
}

/** "message X" or "messages X, Y, Z and N more", for error messages about a batch. */
export function describeIds(ids: readonly string[]): string {
  const shown = ids.length > 3 ? `${ids.slice(0, 3).join(", ")} and ${ids.length - 3} more` : ids.join(", ");
  return `message${ids.length === 1 ? "" : "s"} ${shown}`;
}

/** Per-item results of a batch script: true where it answered 1. */
export function settled(reply: unknown): boolean[] {
  return Array.isArray(reply) ? reply.map((result) => result === 1) : [];
}
