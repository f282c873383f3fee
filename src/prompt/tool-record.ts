/**
 * The end of every tool call: its result rendered for the model and recorded in the session as
 * `ToolInvoked`, rolled back if the session's reducers reject it.
 */

import { isoNow, SYSTEM_CLOCK } from "../clock.js";
import { createWithFrozenFields, type DataOf } from "../data-type.js";
import { describeThrown } from "../errors.js";
import { ToolInvoked } from "../events/index.js";
import { eventId } from "../ids.js";
import { getLogger } from "../logging/index.js";
import type { ResourceContext } from "../resources/index.js";
import { deepFreeze } from "../schema.js";
import type { SessionCheckpoint } from "../session/session.js";
import type { ToolCall, ToolExecution, ToolExecutionContext } from "./executor.js";
import type { RenderedTool } from "./render.js";
import { ToolResult } from "./tool.js";

const log = getLogger("weakincentives.prompt.tools");

/** State captured before a tool runs, put back if the call fails. */
export interface Checkpoint {
  readonly session: SessionCheckpoint;
  readonly resources: ReturnType<ResourceContext["snapshotSingletons"]>;
}

/** Put the state captured before a call back, and say why at DEBUG. */
export function rollback(ctx: ToolExecutionContext, before: Checkpoint, tool: string, why: string): void {
  ctx.session.rollback(before.session);
  ctx.resources.restoreSingletons(before.resources);
  log.debug(`tool.${why}_restore`, "Rolled back state after a failed tool call.", { tool });
}

/** Publish ToolInvoked through the session; if its reducers fail, roll back and say so. */
export function finish(
  call: ToolCall,
  ctx: ToolExecutionContext,
  rendered: RenderedTool | undefined,
  params: Readonly<Record<string, unknown>> | undefined,
  initial: ToolResult,
  before?: Checkpoint,
  durationMs?: number,
): ToolExecution {
  let result = initial;
  // Rendered once: the event and the provider get the same text.
  const output = result.render();
  const dispatched = ctx.session.dispatch(
    createWithFrozenFields(ToolInvoked, toolInvoked(call, ctx, params, result, output, durationMs)),
  );
  if (dispatched.reducerErrors.length > 0 && before) {
    rollback(ctx, before, call.name, "dispatch_failure");
    const reasons = dispatched.reducerErrors
      .map((f) => `${f.handler}: ${describeThrown(f.error)}`)
      .join("; ");
    log.error("tool_event_dispatch_failed", "Session reducers failed on a tool result; state rolled back.", {
      tool: call.name,
      reasons,
    });
    result = new ToolResult({
      message: `Reducer errors prevented applying tool result: ${reasons}`,
      ...(result.value === undefined ? {} : { value: result.value }),
      success: result.success,
      excludeValueFromContext: result.excludeValueFromContext,
    });
  }
  if (log.isEnabled("debug")) {
    log.debug("tool.execution.complete", "Tool finished.", {
      tool: call.name,
      success: result.success,
      known: rendered !== undefined,
    });
  }
  ctx.beat?.();
  return { call, result, output: result === initial ? output : result.render(), params };
}

/**
 * The `ToolInvoked` fields, in one literal with the optional ones assigned after: a conditional
 * spread makes V8 build a slow dictionary-mode object, and this runs on every tool call.
 */
function toolInvoked(
  call: ToolCall,
  ctx: ToolExecutionContext,
  params: Readonly<Record<string, unknown>> | undefined,
  result: ToolResult,
  output: string,
  durationMs: number | undefined,
): DataOf<typeof ToolInvoked> {
  const event: { -readonly [K in keyof DataOf<typeof ToolInvoked>]: DataOf<typeof ToolInvoked>[K] } = {
    eventId: eventId(),
    createdAt: isoNow(ctx.clock ?? SYSTEM_CLOCK),
    adapter: ctx.adapter,
    promptName: ctx.rendered.name,
    sessionId: ctx.session.sessionId,
    name: call.name,
    params: params ?? call.arguments ?? {},
    result,
    success: result.success,
    isError: !result.success,
    message: result.message,
    renderedOutput: output,
  };
  if (ctx.runContext) event.runContext = deepFreeze(ctx.runContext);
  if (call.id) event.callId = call.id;
  if (durationMs !== undefined) event.durationMs = Math.round(durationMs * 1000) / 1000;
  // Its object fields frozen here, as `create` would: the rest are strings, numbers and the
  // frozen result. The event itself stays extensible until its type is stamped on it (a frozen
  // value's type goes to a WeakMap instead, at several times the cost).
  deepFreeze(event.params);
  return event;
}
