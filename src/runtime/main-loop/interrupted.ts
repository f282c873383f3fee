/**
 * Giving a request back: work that stops because its worker is shutting down, and that another
 * worker can do again in full, throws {@link RequestInterruptedError}.
 */

import { WinkError, type WinkErrorOptions } from "../../errors.js";

/**
 * The request was not finished because the worker is shutting down, and nothing of it needs
 * keeping: MainLoop puts its message back on the queue at once (no error reply, no backoff) for
 * another worker. Thrown by an `EvalLoop` trial that was pausing before a retry; a custom loop's
 * `execute` may throw it too, for work that watches {@link ExecuteOptions.stopping}.
 */
export class RequestInterruptedError extends WinkError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("interrupted", message, options);
  }
}
