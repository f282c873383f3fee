/**
 * What one tool call holds while it runs, besides its context: its own cancellable signal and its
 * `execute_tool` span.
 */

import { type LinkedSignal, linkSignal } from "../deadline.js";
import { ATTR, GEN_AI_OPERATION, startSpan, type WinkSpan } from "../telemetry/index.js";
import type { ToolCall, ToolExecutionContext } from "./executor.js";

/**
 * The signal a tool call sees: its own child of the evaluation's signal, unlinked when the call
 * settles, so a handler that hands it to an SDK (which adds an abort listener per request) leaves
 * nothing behind on the evaluation's signal. Made on first read: most handlers never read it,
 * and an `AbortSignal` costs microseconds to create.
 */
export class CallSignal {
  private link: LinkedSignal | undefined;
  constructor(private readonly parent: AbortSignal | undefined) {}

  get signal(): AbortSignal {
    this.link ??= linkSignal(this.parent);
    return this.link.signal;
  }

  release(): void {
    this.link?.release();
  }
}

/** The `execute_tool` span of a call, under the evaluation's span (its run context), when tracing is on. */
export function toolSpan(call: ToolCall, ctx: ToolExecutionContext): WinkSpan | undefined {
  const run = ctx.runContext;
  return startSpan(`${GEN_AI_OPERATION.EXECUTE_TOOL} ${call.name}`, {
    parent: run?.traceId ? { traceId: run.traceId, spanId: run.spanId ?? "" } : undefined,
    attributes: {
      [ATTR.GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.EXECUTE_TOOL,
      [ATTR.GEN_AI_TOOL_NAME]: call.name,
      [ATTR.GEN_AI_TOOL_CALL_ID]: call.id,
    },
  });
}

/** What a tool span records when the call returned an error result (`error.type`: ToolCallFailed). */
export class ToolCallFailed extends Error {
  override readonly name = "ToolCallFailed";
}
