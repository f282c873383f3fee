/**
 * Measurement events: what metrics need that sessions do not keep. They go to the dispatcher
 * only — never into a session's slices — and are built only when some subscriber wants them
 * ({@link wants}), so an evaluation nobody measures pays nothing for them.
 */

import { z } from "zod";
import { TokenUsageSchema } from "../budget.js";
import { type DataType, defineType } from "../data-type.js";
import type { Dispatcher } from "./dispatcher.js";

/** One request to a model provider ended (after its retries). */
export const ModelCalled = defineType(
  "ModelCalled",
  z.object({
    /** Adapter name (`openai`, `anthropic`…). */
    adapter: z.string(),
    /** Model id as the adapter sent it. */
    model: z.string(),
    promptName: z.string(),
    /** Wall time of the call, retries and their backoff included (ms). */
    durationMs: z.number().nonnegative(),
    /** `ok`, `error` (the provider failed, retries included) or `aborted` (deadline or cancellation). */
    outcome: z.enum(["ok", "error", "aborted"]),
    /** Class name of the error, when the call failed. */
    errorType: z.string().optional(),
    /** Usage of this call alone, when the provider reported it. */
    usage: TokenUsageSchema.optional(),
    /** What this call cost in US dollars, when the model's price is known. */
    costUsd: z.number().nonnegative().optional(),
  }),
);

/** A provider call failed transiently and is retried after a backoff. */
export const ModelRetried = defineType(
  "ModelRetried",
  z.object({
    adapter: z.string(),
    model: z.string(),
    /** What went wrong: `rate_limit`, `server_error`, `timeout`, `connection`… */
    kind: z.string(),
    /** HTTP status, when there was one. */
    status: z.number().int().optional(),
    /** The attempt that failed (1 for the first). */
    attempt: z.number().int().positive(),
    delayMs: z.number().nonnegative(),
  }),
);

/** A MainLoop wrote (or failed to write) a request's debug bundle. */
export const BundleWritten = defineType(
  "BundleWritten",
  z.object({
    loop: z.string(),
    durationMs: z.number().nonnegative(),
    outcome: z.enum(["ok", "error"]),
  }),
);

/**
 * Whether `dispatcher` has a subscriber for events of `type` (or for every event). Dispatchers
 * that cannot tell are assumed to want everything.
 */
export function wants(dispatcher: Dispatcher, type: DataType): boolean {
  return dispatcher.wants ? dispatcher.wants(type) : true;
}
