/**
 * Execution metadata carried on events and log records for correlation and tracing.
 *
 * `runId` is fresh for every execution attempt; `requestId` is stable across retries of the same
 * request; `attempt` is the message's delivery count; `traceId`/`spanId` pass through unchanged
 * from the caller (for OpenTelemetry).
 *
 * @example
 * ```ts
 * import { createRunContext } from "weakincentives";
 *
 * const ctx = createRunContext({ workerId: "worker-1", attempt: 2 });
 * ctx.runId; // a fresh UUID
 * ```
 */

import { randomUUID } from "node:crypto";
import { z } from "zod";
import { parseWith } from "./schema.js";

/** Schema of {@link RunContext}; used to read it from queue messages. */
export const RunContextSchema = z.object({
  runId: z.string().min(1),
  requestId: z.string().min(1),
  sessionId: z.string().min(1).optional(),
  attempt: z.number().int().positive(),
  workerId: z.string(),
  traceId: z.string().min(1).optional(),
  spanId: z.string().min(1).optional(),
});

/** Immutable execution metadata. */
export type RunContext = Readonly<z.infer<typeof RunContextSchema>>;

/** Build a frozen {@link RunContext}; ids not given are fresh UUIDs, `attempt` defaults to 1. */
export function createRunContext(fields: Partial<RunContext> = {}): RunContext {
  const candidate = {
    runId: fields.runId ?? randomUUID(),
    requestId: fields.requestId ?? randomUUID(),
    attempt: fields.attempt ?? 1,
    workerId: fields.workerId ?? "",
    ...(fields.sessionId === undefined ? {} : { sessionId: fields.sessionId }),
    ...(fields.traceId === undefined ? {} : { traceId: fields.traceId }),
    ...(fields.spanId === undefined ? {} : { spanId: fields.spanId }),
  };
  // Built once per request on the hot path: check the common shape by hand and let the schema
  // produce the path-annotated error only when something is off.
  const plainlyValid =
    isId(candidate.runId) &&
    isId(candidate.requestId) &&
    Number.isInteger(candidate.attempt) &&
    candidate.attempt > 0 &&
    typeof candidate.workerId === "string" &&
    (candidate.sessionId === undefined || isId(candidate.sessionId)) &&
    (candidate.traceId === undefined || isId(candidate.traceId)) &&
    (candidate.spanId === undefined || isId(candidate.spanId));
  const ctx = plainlyValid
    ? candidate
    : parseWith(RunContextSchema, candidate, "run context", "invalid_argument");
  return Object.freeze(ctx);
}

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** The fields to bind on a logger: every field that is set. */
export function runContextLogFields(ctx: RunContext): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(ctx)) if (value !== undefined) out[key] = value;
  return out;
}
