/**
 * Adapter errors. Provider failures are wrapped once, here at the adapter boundary, keeping the
 * SDK error as `cause` and the provider's HTTP status and message — never a credential.
 */

import { WinkError, type WinkErrorOptions } from "../errors.js";
import { redactText } from "../secrets/index.js";

/** Where in an evaluation a failure happened. */
export type EvaluationPhase = "request" | "response" | "tool" | "budget";

/** An evaluation failed for a reason other than a deadline, a budget or an output parse error. */
export class PromptEvaluationError extends WinkError {
  readonly phase: EvaluationPhase;
  readonly promptName: string;
  /** HTTP status from the provider, when there was one. */
  readonly status: number | undefined;

  constructor(
    message: string,
    fields: { phase: EvaluationPhase; promptName: string; status?: number | undefined },
    options: WinkErrorOptions = {},
  ) {
    super("prompt_evaluation", redactText(message), {
      ...options,
      details: {
        phase: fields.phase,
        promptName: fields.promptName,
        status: fields.status,
        ...(options.details ?? {}),
      },
    });
    this.phase = fields.phase;
    this.promptName = fields.promptName;
    this.status = fields.status;
  }
}

/** What kind of transient failure a provider reported. */
export type ThrottleKind = "rate_limit" | "server_error" | "timeout" | "connection" | "quota_exhausted";

/** A provider kept refusing or failing transiently after every allowed retry. */
export class ThrottleError extends WinkError {
  readonly kind: ThrottleKind;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    message: string,
    fields: {
      kind: ThrottleKind;
      attempts: number;
      retryAfterMs?: number | undefined;
      status?: number | undefined;
    },
    options: WinkErrorOptions = {},
  ) {
    super("throttled", redactText(message), {
      ...options,
      details: {
        kind: fields.kind,
        attempts: fields.attempts,
        retryAfterMs: fields.retryAfterMs,
        status: fields.status,
      },
    });
    this.kind = fields.kind;
    this.attempts = fields.attempts;
    this.retryAfterMs = fields.retryAfterMs;
    this.status = fields.status;
  }
}
