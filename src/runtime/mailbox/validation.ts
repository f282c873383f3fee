/**
 * Argument checks every mailbox backend shares, so an out-of-range visibility or wait fails the
 * same way on the in-memory, Redis and SQS mailboxes.
 *
 * @example
 * ```ts
 * import { normalizeReceiveOptions } from "weakincentives/runtime";
 *
 * const { maxMessages, visibilityTimeout, waitTimeSeconds } = normalizeReceiveOptions({ maxMessages: 50 });
 * // maxMessages === 10, visibilityTimeout === 30, waitTimeSeconds === 0
 * ```
 */

import { InvalidParameterError } from "./errors.js";
import { MAX_RECEIVE_MESSAGES, MAX_VISIBILITY_TIMEOUT, type ReceiveOptions } from "./types.js";

/** Visibility timeout of a receive that does not name one, in seconds. */
export const DEFAULT_VISIBILITY_TIMEOUT = 30;

/**
 * `value` when it is a visibility timeout in 0–43,200 seconds (fractions allowed); otherwise an
 * {@link InvalidParameterError} naming `parameter`, the value and the range.
 */
export function validateVisibilityTimeout(value: number, parameter = "visibilityTimeout"): number {
  if (typeof value !== "number" || !(value >= 0 && value <= MAX_VISIBILITY_TIMEOUT)) {
    throw new InvalidParameterError(
      `${parameter} must be between 0 and ${MAX_VISIBILITY_TIMEOUT} seconds, got ${String(value)}. ` +
        `Pass a number of seconds in that range (the longest allowed is 12 hours).`,
      { details: { parameter, value, min: 0, max: MAX_VISIBILITY_TIMEOUT } },
    );
  }
  return value;
}

/**
 * `value` when it is a long-poll wait of at least 0 seconds (`Infinity` waits until a message,
 * an abort or `close()`); otherwise an {@link InvalidParameterError}.
 */
export function validateWaitTime(value: number, parameter = "waitTimeSeconds"): number {
  if (typeof value !== "number" || !(value >= 0)) {
    throw new InvalidParameterError(
      `${parameter} must be a number of seconds >= 0, got ${String(value)}. Pass 0 for no long poll.`,
      { details: { parameter, value, min: 0 } },
    );
  }
  return value;
}

/** `value` rounded down and clamped to 1–10; 1 when absent or not a number. */
export function clampMaxMessages(value: number | undefined): number {
  if (value === undefined || Number.isNaN(value)) return 1;
  return Math.min(MAX_RECEIVE_MESSAGES, Math.max(1, Math.floor(value)));
}

/** The receive arguments with defaults applied, after validation. */
export interface NormalizedReceiveOptions {
  readonly maxMessages: number;
  readonly visibilityTimeout: number;
  readonly waitTimeSeconds: number;
}

/**
 * Apply the receive defaults (1 message, 30 s visibility, no wait), clamp `maxMessages` and
 * validate the durations. Throws {@link InvalidParameterError}.
 */
export function normalizeReceiveOptions(options: ReceiveOptions = {}): NormalizedReceiveOptions {
  return {
    maxMessages: clampMaxMessages(options.maxMessages),
    visibilityTimeout: validateVisibilityTimeout(options.visibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT),
    waitTimeSeconds: validateWaitTime(options.waitTimeSeconds ?? 0),
  };
}
