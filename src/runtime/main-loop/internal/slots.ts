/**
 * The requests a {@link MainLoop} runs at once. A request holds its slot until it has settled
 * (replied, acknowledged, nacked or dead-lettered), but once only settling is left the slot may
 * already receive its next message: the receive then travels with the acknowledgement instead of
 * one round trip after it, and the message starts when the slot frees.
 *
 * @internal
 */

/** Runs one request; calls `onSettling` when only its settlement is left. */
export type SlotWork = (onSettling: () => void) => Promise<void>;

export class Slots {
  readonly #tasks = new Set<Promise<void>>();
  #settling = 0;

  /** `onChange` runs when a request starts settling and when one ends. */
  constructor(
    readonly concurrency: number,
    private readonly onChange: () => void,
  ) {}

  /** Requests running or settling. */
  get size(): number {
    return this.#tasks.size;
  }

  /** True when no request can start now. */
  get full(): boolean {
    return this.#tasks.size >= this.concurrency;
  }

  /** How many messages to receive for: free slots plus those whose request only settles. */
  get receivable(): number {
    return this.concurrency - (this.#tasks.size - this.#settling);
  }

  /** Start `work` in a free slot (check {@link Slots.full} first). */
  start(work: SlotWork): void {
    let settles = false;
    const onSettling = (): void => {
      if (settles) return;
      settles = true;
      this.#settling++;
      this.onChange();
    };
    const task: Promise<void> = work(onSettling).finally(() => {
      if (settles) this.#settling--;
      this.#tasks.delete(task);
      this.onChange();
    });
    this.#tasks.add(task);
  }

  /** Resolves when every started request has settled. */
  async drain(): Promise<void> {
    await Promise.all(this.#tasks);
  }
}
