/**
 * Waiting for a networked backend without letting it hold the caller hostage: the wait ends when
 * the work settles, when the caller's signal aborts or the mailbox closes, or when the backend has
 * not answered within a time limit — whichever comes first. The work itself is not cancelled (a
 * Redis command cannot be): the caller gets it back to deal with whatever it does later.
 *
 * @internal
 */

import type { Clock } from "../../../clock.js";
import { onAbort, type WakeList } from "./abort-fanout.js";

/** How an {@link interruptible} wait ended. */
export type WaitOutcome<T> =
  | { readonly kind: "done"; readonly value: T }
  | { readonly kind: "stopped" }
  | { readonly kind: "timed_out" };

/** What ends an {@link interruptible} wait early. */
export interface WaitLimits {
  readonly clock: Clock;
  /** Give up after this many ms; `Infinity` never does. */
  readonly timeoutMs: number;
  /** The caller's signal: aborting it stops the wait. */
  readonly signal?: AbortSignal | undefined;
  /** The mailbox's close (and its client's): waking any of them stops the wait. */
  readonly closing?: readonly WakeList[] | undefined;
}

/**
 * Wait for `work`, at most until `limits` say stop. Rejects only when `work` rejects first. A
 * rejection of `work` after the wait ended is absorbed here, so it is never unhandled.
 */
export function interruptible<T>(work: Promise<T>, limits: WaitLimits): Promise<WaitOutcome<T>> {
  return new Promise<WaitOutcome<T>>((resolve, reject) => {
    let settled = false;
    const cleanups: (() => void)[] = [];
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      settle();
    };
    const stop = (): void => finish(() => resolve({ kind: "stopped" }));
    // A stop registered after the wait ended (an already aborted signal) is undone at once.
    const register = (cleanup: () => void): void => {
      if (settled) cleanup();
      else cleanups.push(cleanup);
    };
    work.then(
      (value) => finish(() => resolve({ kind: "done", value })),
      (error: unknown) => finish(() => reject(error)),
    );
    if (limits.signal !== undefined) register(onAbort(limits.signal, stop));
    for (const list of limits.closing ?? []) if (!settled) register(list.add(stop));
    if (!settled && Number.isFinite(limits.timeoutMs)) {
      const timer = limits.clock.setTimer(Math.max(0, limits.timeoutMs), () =>
        finish(() => resolve({ kind: "timed_out" })),
      );
      register(() => timer.cancel());
    }
  });
}
