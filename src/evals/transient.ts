/**
 * Trials that fail for the provider's reasons rather than the agent's. A `ThrottleError` means the
 * adapter kept meeting rate limits, server errors, timeouts or dropped connections through all of
 * its own retries. Scoring such a trial as a failure would measure the outage, not the agent, and
 * a ten-minute outage in a two-hour run would sink a variant's pass rate. So the trial is run
 * again after a pause (longer each time, at least the provider's `Retry-After`), while the trial's
 * deadline allows. Only when every attempt failed does it count, as a failing result with its
 * error and the number of attempts. An exhausted quota is not transient: it fails at once.
 */

import { ThrottleError } from "../adapters/errors.js";
import type { Clock } from "../clock.js";
import { type Deadline, linkSignal } from "../deadline.js";
import { WinkError } from "../errors.js";
import { getLogger } from "../logging/index.js";
import { RequestInterruptedError } from "../runtime/main-loop/interrupted.js";

const log = getLogger("weakincentives.evals");

/** How often, and after what pauses, a trial that failed transiently runs again. */
export interface TransientRetry {
  /** Runs of the agent in all, the first included (default 3; 1 turns retries off). */
  readonly attempts?: number;
  /** The pause before the second run, in seconds; each later pause doubles it (default 30). */
  readonly delaySeconds?: number;
}

/** The defaults: 3 runs, pauses of 30 s then 60 s. */
export const DEFAULT_TRANSIENT_RETRY: Required<TransientRetry> = Object.freeze({
  attempts: 3,
  delaySeconds: 30,
});

/** `retry` with defaults filled in, each value checked; a `WinkError` names a wrong one. */
export function transientRetry(retry: TransientRetry | undefined): Required<TransientRetry> {
  const { attempts, delaySeconds } = { ...DEFAULT_TRANSIENT_RETRY, ...retry };
  if (!(Number.isInteger(attempts) && attempts >= 1)) {
    throw new WinkError(
      "evaluation_invalid",
      `transientRetry.attempts must be a whole number >= 1 (1 turns retries off), got ${String(attempts)}.`,
      { details: { attempts } },
    );
  }
  if (!(Number.isFinite(delaySeconds) && delaySeconds >= 0)) {
    throw new WinkError(
      "evaluation_invalid",
      `transientRetry.delaySeconds must be a number of seconds >= 0, got ${String(delaySeconds)}.`,
      { details: { delaySeconds } },
    );
  }
  return { attempts, delaySeconds };
}

/** The provider's transient failure behind `error` (in it or its causes), if any. */
export function transientCause(error: unknown): ThrottleError | undefined {
  for (let at = error, depth = 0; at instanceof Error && depth < 8; at = at.cause, depth++) {
    if (at instanceof ThrottleError) return at.kind === "quota_exhausted" ? undefined : at;
  }
  return undefined;
}

/** A run needs at least this much of the trial's deadline left after a pause, or it is not tried. */
const MIN_RUN_MS = 10_000;

/** The longest stretch of a pause without a heartbeat (a worker's lease follows its beats). */
const BEAT_EVERY_MS = 5_000;

/** Where a trial's runs stop: its deadline, a caller's signal, and the worker shutting down. */
export interface RetryLimits {
  readonly clock: Clock;
  readonly deadline?: Deadline | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Aborts when the worker starts shutting down: a pause it ends (or a retry that would start
   * one) throws {@link RequestInterruptedError} instead of failing the trial, so the request runs
   * again on another worker rather than waiting here for the pause.
   */
  readonly stopping?: AbortSignal | undefined;
  /** Called during pauses, so a worker's message lease is extended and its watchdog sees life. */
  readonly heartbeat?: (() => void) | undefined;
  /** False when another run cannot start (the request's budget is spent). */
  readonly mayRunAgain?: (() => boolean) | undefined;
  /** For the log line of each retry. */
  readonly sampleId: string;
  readonly trial: number;
}

/** How a trial's runs went: the number of runs, and when the last one started (monotonic ms). */
export interface Runs {
  readonly attempts: number;
  readonly lastStartedMs: number;
}

/**
 * Run `run`, again after a pause each time it fails transiently, up to `retry.attempts` runs in
 * all. Resolves with the value and how the runs went; rejects with a {@link TrialFailure} (the
 * last error) when the error is not transient, the attempts are used up, too little of the
 * deadline would be left after the pause, another run may not start, or the signal aborts;
 * rejects with a {@link RequestInterruptedError} when `stopping` aborts before or during a pause.
 */
export async function runRetryingTransient<T>(
  run: () => Promise<T>,
  retry: Required<TransientRetry>,
  limits: RetryLimits,
): Promise<{ value: T } & Runs> {
  const { clock, deadline, signal } = limits;
  for (let attempt = 1; ; attempt++) {
    const lastStartedMs = clock.monotonic();
    try {
      return { value: await run(), attempts: attempt, lastStartedMs };
    } catch (error) {
      const cause = transientCause(error);
      const delayMs = Math.max(retry.delaySeconds * 1000 * 2 ** (attempt - 1), cause?.retryAfterMs ?? 0);
      const tooLate = deadline !== undefined && delayMs + MIN_RUN_MS > deadline.remaining();
      const stop =
        attempt >= retry.attempts || tooLate || signal?.aborted || limits.mayRunAgain?.() === false;
      if (cause === undefined || stop) throw new TrialFailure(error, { attempts: attempt, lastStartedMs });
      if (limits.stopping?.aborted) throw interrupted(limits, error);
      log.warning(
        "evals.trial_retry",
        "A trial failed for the provider's reasons; it runs again after a pause.",
        {
          sampleId: limits.sampleId,
          trial: limits.trial,
          attempt,
          delaySeconds: delayMs / 1000,
          error,
        },
      );
      const paused = await pause(delayMs, limits);
      if (paused === "stopping") throw interrupted(limits, error);
      if (paused === "aborted") throw new TrialFailure(error, { attempts: attempt, lastStartedMs });
    }
  }
}

/**
 * Sleep `ms`, beating the heartbeat every few seconds: "slept", or what ended it early — the
 * signal ("aborted") or the worker shutting down ("stopping").
 */
async function pause(ms: number, limits: RetryLimits): Promise<"slept" | "aborted" | "stopping"> {
  const { clock, signal, stopping, heartbeat } = limits;
  // One link for the whole pause: `stopping` lives as long as the worker.
  using link = linkSignal(signal, stopping);
  for (let left = ms; left > 0; left -= BEAT_EVERY_MS) {
    heartbeat?.();
    const slept = await clock.sleep(Math.min(left, BEAT_EVERY_MS), link.signal).then(
      () => true,
      () => false,
    );
    if (!slept) return !signal?.aborted && stopping?.aborted ? "stopping" : "aborted";
  }
  heartbeat?.();
  return "slept";
}

/** The trial gives up its retry for shutdown; `error` is the transient failure it would have retried. */
function interrupted(limits: RetryLimits, error: unknown): RequestInterruptedError {
  return new RequestInterruptedError(
    `Trial ${limits.trial} of sample "${limits.sampleId}" was waiting to run again after a transient provider failure when the worker began to shut down; it goes back to the queue for another worker.`,
    { cause: error, details: { sampleId: limits.sampleId, trial: limits.trial } },
  );
}

/** The last error of a trial's runs, and how the runs went. */
export class TrialFailure {
  constructor(
    readonly error: unknown,
    readonly runs: Runs,
  ) {}
}
