/**
 * Retries for transient provider failures: 429, 5xx, timeouts and dropped connections, with
 * jittered exponential backoff that honours `Retry-After`, bounded by attempts, by total delay
 * and by the deadline. Anything else surfaces at once.
 *
 * @example
 * ```ts nocheck
 * const turn = await withThrottle(() => client.call(request), {
 *   classify: classifyHttpError,
 *   policy: { maxAttempts: 5 },
 *   clock, deadline, signal, describe: "openai chat.completions",
 * });
 * ```
 */

import { type Clock, SYSTEM_CLOCK } from "../clock.js";
import type { Deadline } from "../deadline.js";
import { describeThrown, WinkError } from "../errors.js";
import { getLogger } from "../logging/index.js";
import { ThrottleError, type ThrottleKind } from "./errors.js";

const log = getLogger("weakincentives.adapters.throttle");

/** Limits on retrying. */
export interface ThrottlePolicy {
  /** Total attempts including the first (default 5). */
  readonly maxAttempts: number;
  /** First backoff step in ms (default 500). */
  readonly baseDelayMs: number;
  /** Largest single backoff in ms, unless Retry-After asks for more (default 8,000). */
  readonly maxDelayMs: number;
  /** Total time spent waiting across retries, in ms (default 30,000). */
  readonly maxTotalDelayMs: number;
}

/** The defaults: 5 attempts, 500 ms base, 8 s cap, 30 s in total. */
export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxTotalDelayMs: 30_000,
});

const validated = new WeakSet<object>([DEFAULT_THROTTLE_POLICY]);

/** Build a policy from partial options, validating each value (a policy it built passes through). */
export function throttlePolicy(options?: Partial<ThrottlePolicy>): ThrottlePolicy {
  if (options === undefined) return DEFAULT_THROTTLE_POLICY;
  if (validated.has(options)) return options as ThrottlePolicy;
  const policy = { ...DEFAULT_THROTTLE_POLICY, ...options };
  for (const [key, value] of Object.entries(policy)) {
    const min = key === "maxAttempts" ? 1 : 0;
    if (!Number.isFinite(value) || value < min || (key === "maxAttempts" && !Number.isInteger(value))) {
      throw new WinkError(
        "invalid_argument",
        `Throttle policy ${key} must be ${key === "maxAttempts" ? "an integer >= 1" : "a number >= 0"}, got ${String(value)}.`,
        {
          details: { [key]: value },
        },
      );
    }
  }
  const frozen = Object.freeze(policy);
  validated.add(frozen);
  return frozen;
}

/** How a failure should be treated. */
export type ErrorClass =
  | {
      readonly retry: true;
      readonly kind: ThrottleKind;
      readonly status?: number | undefined;
      readonly retryAfterMs?: number | undefined;
    }
  | { readonly retry: false };

/** Options for {@link withThrottle}. */
export interface ThrottleOptions {
  readonly classify: (error: unknown) => ErrorClass;
  readonly policy?: Partial<ThrottlePolicy>;
  readonly clock?: Clock;
  readonly deadline?: Deadline | undefined;
  readonly signal?: AbortSignal | undefined;
  /** What is being called, for logs and errors. */
  readonly describe: string;
  /** Random source in [0, 1) for jitter (tests pass a fixed one). */
  readonly random?: () => number;
  /** Called before each backoff, with why the attempt failed and how long the wait is. */
  readonly onRetry?: (retry: ThrottleRetry) => void;
}

/** One transient failure about to be retried. */
export interface ThrottleRetry {
  readonly kind: ThrottleKind;
  readonly status?: number | undefined;
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  readonly delayMs: number;
}

/**
 * The delay before retry number `attempt` (1-based): up to `base·2^(attempt-1)` capped at
 * `maxDelayMs`, jittered, never below `baseDelayMs` nor below the provider's Retry-After.
 */
export function backoffDelay(
  policy: ThrottlePolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const ceiling = Math.max(capped, retryAfterMs ?? 0);
  const jittered = random() * ceiling;
  return Math.max(jittered, policy.baseDelayMs, retryAfterMs ?? 0);
}

/** Run `fn`, retrying transient failures according to the policy. */
export async function withThrottle<T>(fn: () => Promise<T>, options: ThrottleOptions): Promise<T> {
  throttlePolicy(options.policy); // a bad policy fails at once, not at the first failure
  try {
    return await fn();
  } catch (error) {
    return retryThrottled(fn, options, error);
  }
}

/**
 * The retries of {@link withThrottle} after its first attempt failed with `error`. Callers on a
 * hot path make the first attempt themselves and come here only on failure, which saves an
 * async frame per call.
 */
export async function retryThrottled<T>(
  fn: () => Promise<T>,
  options: ThrottleOptions,
  error: unknown,
): Promise<T> {
  const policy = throttlePolicy(options.policy);
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  let waited = 0;
  let failure = error;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw options.signal.reason ?? failure;
    const verdict = options.classify(failure);
    if (!verdict.retry) throw failure;
    const cause = failure;
    const fail = (why: string): ThrottleError =>
      new ThrottleError(
        `${options.describe} failed (${verdict.kind}${verdict.status ? ` ${verdict.status}` : ""}: ${describeThrown(cause)}) and ${why}. ` +
          "Retry later, lower the request rate, or raise the throttle policy's maxAttempts/maxTotalDelayMs (or the deadline).",
        {
          kind: verdict.kind,
          attempts: attempt,
          retryAfterMs: verdict.retryAfterMs,
          status: verdict.status,
        },
        { cause },
      );
    if (attempt >= policy.maxAttempts)
      throw fail(`the retry budget of ${policy.maxAttempts} attempts is exhausted`);
    const delay = backoffDelay(policy, attempt, verdict.retryAfterMs, random);
    if (waited + delay > policy.maxTotalDelayMs) {
      throw fail(
        `waiting ${Math.round(delay)} ms more would exceed the retry window of ${policy.maxTotalDelayMs} ms`,
      );
    }
    const remaining = options.deadline?.remaining();
    if (remaining !== undefined && remaining <= delay) {
      throw fail(
        `the deadline leaves ${Math.max(0, Math.round(remaining))} ms, less than the ${Math.round(delay)} ms backoff`,
      );
    }
    log.warning("provider.throttle_detected", "Provider call failed transiently; retrying.", {
      call: options.describe,
      kind: verdict.kind,
      status: verdict.status,
      attempt,
      delayMs: Math.round(delay),
    });
    options.onRetry?.({ kind: verdict.kind, status: verdict.status, attempt, delayMs: delay });
    waited += delay;
    await clock.sleep(delay, options.signal);
    try {
      return await fn();
    } catch (next) {
      failure = next;
    }
  }
}

/** Parse a Retry-After header (seconds or an HTTP date) into ms; `now` is epoch ms. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Classify an error carrying an HTTP `status` (and optionally `headers`), as the OpenAI and
 * Anthropic SDKs throw them: 408/409/429/5xx and connection failures are transient.
 */
export function classifyHttpError(error: unknown, now: number): ErrorClass {
  if (typeof error !== "object" || error === null) return { retry: false };
  const status = (error as { status?: unknown }).status;
  // SDK error classes keep name "Error"; their constructor names are what identify them.
  const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof status !== "number") {
    if (name === "APIConnectionError" || name === "APIConnectionTimeoutError") {
      return { retry: true, kind: name === "APIConnectionTimeoutError" ? "timeout" : "connection" };
    }
    const code = (error as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET"].includes(code)
    ) {
      return { retry: true, kind: "connection" };
    }
    return { retry: false };
  }
  const retryAfterMs = parseRetryAfter(headerValue(error, "retry-after"), now);
  if (status === 429) {
    const body = JSON.stringify((error as { error?: unknown }).error ?? "");
    const kind = body.includes("insufficient_quota") ? "quota_exhausted" : "rate_limit";
    if (kind === "quota_exhausted") return { retry: false };
    return { retry: true, kind, status, retryAfterMs };
  }
  if (status === 408) return { retry: true, kind: "timeout", status, retryAfterMs };
  if (status === 409 || status >= 500) return { retry: true, kind: "server_error", status, retryAfterMs };
  return { retry: false };
}

function headerValue(error: object, name: string): string | undefined {
  const headers = (error as { headers?: unknown }).headers;
  if (!headers || typeof headers !== "object") return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}
