/**
 * One pending wake-up at a time, resolved by a finished task or by abort. (Racing the in-flight
 * tasks against a never-settling abort promise would add a reaction per iteration and leak.)
 *
 * @internal
 */
export class Wakeup {
  private resolve: (() => void) | undefined;
  private readonly onAbort = (): void => this.wake();

  constructor(private readonly signal: AbortSignal | undefined) {
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Resolves at the next wake (at once when already aborted). */
  next(): Promise<void> {
    if (this.signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
    });
  }

  wake(): void {
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.();
  }

  dispose(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
    this.wake();
  }
}
