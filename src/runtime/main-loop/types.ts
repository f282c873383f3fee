/**
 * What travels through the queue: {@link MainLoopRequest} in, {@link MainLoopResult} back. Both
 * are plain JSON, so they cross Redis or SQS unchanged.
 */

import { z } from "zod";
import type { TokenUsage } from "../../budget.js";
import { type Experiment, ExperimentSchema } from "../../experiment.js";

/** Per-request limits, overriding the loop's defaults. */
export const RequestLimitsSchema = z.object({
  maxTotalTokens: z.number().int().positive().optional(),
  maxInputTokens: z.number().int().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  /** Most dollars this request may spend (priced from the adapter's price table). */
  maxUsd: z.number().positive().optional(),
});

/** The envelope schema for a request payload schema. */
export function mainLoopRequestSchema<Req extends z.ZodType>(request: Req) {
  return z.object({
    /** The payload the loop's `prepare` receives. */
    request,
    /** Stable across retries; when the sender gives none, the message id stands in for it. */
    requestId: z.string().min(1).optional(),
    /** ISO time the request was created. */
    createdAt: z.string().optional(),
    /** ISO time after which the request must stop (absolute; overrides the loop's default). */
    deadline: z.string().datetime({ offset: true }).optional(),
    /** Token limits for this request. */
    budget: RequestLimitsSchema.optional(),
    /** The variant to run (prompt-overrides tag, flags); `prepare` reads it from its context. */
    experiment: ExperimentSchema.optional(),
    /** Trace context to carry through. */
    runContext: z.object({ traceId: z.string().optional(), spanId: z.string().optional() }).optional(),
  });
}

/** A request as sent to a MainLoop's mailbox. */
export interface MainLoopRequest<Req> {
  readonly request: Req;
  /** Stable across retries; defaults to the message id. */
  readonly requestId?: string;
  readonly createdAt?: string;
  readonly deadline?: string;
  readonly budget?: z.infer<typeof RequestLimitsSchema>;
  readonly runContext?: { readonly traceId?: string; readonly spanId?: string };
  /** The variant to run; `prepare` gets it as `context.experiment`. */
  readonly experiment?: Experiment;
}

/** Why a request failed, in a form that survives JSON. */
export interface MainLoopError {
  /** Error class name, e.g. `BudgetExceededError`. */
  readonly type: string;
  /** WinkError code when there is one. */
  readonly code?: string;
  readonly message: string;
}

/** The reply for one request. */
export interface MainLoopResult<Out> {
  readonly requestId: string;
  readonly success: boolean;
  /** The typed output when `success`. */
  readonly output?: Out;
  /** Why it failed when not `success`. */
  readonly error?: MainLoopError;
  readonly sessionId?: string;
  readonly runId: string;
  readonly attempt: number;
  /** ISO time the result was produced. */
  readonly completedAt: string;
  /** Where the debug bundle for this request was written, when bundles are on. */
  readonly bundlePath?: string;
  /** Tokens the request used across its evaluations (failed requests too, when known). */
  readonly usage?: TokenUsage;
  /** Dollars the request spent, when the model's price is known. */
  readonly costUsd?: number;
}
