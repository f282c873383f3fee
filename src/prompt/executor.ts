/**
 * Tool execution, shared by every adapter. One call goes: look up → parse arguments → validate
 * against the params schema → deadline → policies → handler inside a transaction → result check
 * → policy bookkeeping → `ToolInvoked`. Mistakes a model can fix (unknown tool, bad JSON, invalid
 * fields, a denied policy, a throwing handler) come back as error results it can read, never as
 * crashes; a failed call leaves no trace in session state or snapshotable resources.
 * Cancellation, deadlines and {@link VisibilityExpansionRequired} propagate to the caller.
 *
 * @example
 * ```ts nocheck
 * const execution = await executeToolCall({ name: "lookup", arguments: '{"id":"42"}' }, context);
 * messages.push({ role: "tool", content: execution.output });
 * ```
 */

import { randomUUID } from "node:crypto";
import type { BudgetTracker } from "../budget.js";
import { type Clock, isoNow, SYSTEM_CLOCK } from "../clock.js";
import type { DataOf } from "../data-type.js";
import type { Deadline } from "../deadline.js";
import { DeadlineExceededError, describeThrown, VisibilityExpansionRequired, WinkError } from "../errors.js";
import { ToolInvoked } from "../events/index.js";
import { FilesystemKey } from "../filesystem/index.js";
import { getLogger } from "../logging/index.js";
import type { ResourceContext } from "../resources/index.js";
import type { RunContext } from "../run-context.js";
import { formatIssues, schemaIssues } from "../schema.js";
import { redactText } from "../secrets/index.js";
import type { Session } from "../session/index.js";
import { CallContext, CallSignal, ToolCallFailed, toolSpan } from "./call-scope.js";
import type { ToolPolicy } from "./policies.js";
import type { RenderedPrompt, RenderedTool } from "./render.js";
import { type ToolContext, ToolResult } from "./tool.js";

const log = getLogger("weakincentives.prompt.tools");

/** A tool call as a provider reports it. */
export interface ToolCall {
  /** Provider id of the call, echoed back with the result. */
  readonly id?: string;
  readonly name: string;
  /** JSON text (as most providers send it) or an already-decoded object. */
  readonly arguments: string | Readonly<Record<string, unknown>> | undefined;
}

/** Everything the executor needs from the evaluation around it. */
export interface ToolExecutionContext {
  readonly session: Session;
  readonly resources: ResourceContext;
  readonly rendered: RenderedPrompt<unknown>;
  /** The bound prompt (passed through to handlers). */
  readonly prompt: unknown;
  readonly adapter: string;
  readonly signal?: AbortSignal;
  readonly deadline?: Deadline;
  readonly budgetTracker?: BudgetTracker;
  readonly runContext?: RunContext;
  readonly clock?: Clock;
  /** Called before and after every tool so the watchdog sees progress. */
  readonly beat?: () => void;
}

/** The outcome of one tool call. */
export interface ToolExecution {
  readonly call: ToolCall;
  readonly result: ToolResult;
  /** The text to send back to the model for this call. */
  readonly output: string;
  /** Parsed params (undefined when validation failed). */
  readonly params: Readonly<Record<string, unknown>> | undefined;
}

/** Execute one tool call. See the module doc for the guarantees. */
export async function executeToolCall(call: ToolCall, ctx: ToolExecutionContext): Promise<ToolExecution> {
  const beat = ctx.beat ?? NOOP;
  beat();
  const rendered = ctx.rendered.toolsByName.get(call.name);
  if (!rendered) {
    const available = ctx.rendered.tools.map((t) => t.name).join(", ") || "none";
    return finish(
      call,
      ctx,
      undefined,
      undefined,
      ToolResult.error(`Unknown tool "${call.name}". Available tools: ${available}.`),
    );
  }
  const parsed = parseArguments(rendered, call.arguments);
  if (!parsed.ok) {
    log.info("tool_validation_failed", "A model sent invalid tool arguments.", {
      tool: call.name,
      error: parsed.message,
    });
    return finish(call, ctx, rendered, undefined, ToolResult.error(parsed.message));
  }
  const params = parsed.params;
  ctx.signal?.throwIfAborted();
  // The label is built only when the deadline has passed: this runs on every tool call.
  if (ctx.deadline?.expired()) throw ctx.deadline.error(`tool "${call.name}"`);
  // try/finally rather than `using`: the down-levelled `using` costs a disposal stack per call.
  const callSignal = new CallSignal(ctx.signal);
  try {
    return await runCall(call, ctx, rendered, params, makeToolContext(call, ctx, beat, callSignal));
  } finally {
    callSignal.release();
  }
}

/** State captured before a tool runs, put back if the call fails. */
interface Checkpoint {
  readonly session: ReturnType<Session["snapshot"]>;
  readonly resources: ReturnType<ResourceContext["snapshotSingletons"]>;
}

function rollback(ctx: ToolExecutionContext, before: Checkpoint, tool: string, why: string): void {
  ctx.session.restore(before.session);
  ctx.resources.restoreSingletons(before.resources);
  log.debug(`tool.${why}_restore`, "Rolled back state after a failed tool call.", { tool });
}

/** Policies, the handler and the result bookkeeping, rolled back on failure. */
async function runCall(
  call: ToolCall,
  ctx: ToolExecutionContext,
  rendered: RenderedTool,
  params: Readonly<Record<string, unknown>>,
  toolContext: ToolContext,
): Promise<ToolExecution> {
  const policies = rendered.policies;
  if (log.isEnabled("debug")) {
    log.debug("tool.execution.start", "Executing tool.", { tool: call.name, callId: call.id });
  }
  const before: Checkpoint = {
    session: ctx.session.snapshot(),
    resources: ctx.resources.snapshotSingletons(),
  };
  let outcome: Guarded;
  const clock = ctx.clock ?? SYSTEM_CLOCK;
  const started = clock.monotonic();
  const span = toolSpan(call, ctx);
  try {
    outcome = await runGuarded(rendered, params, policies, toolContext, ctx);
  } catch (error) {
    span?.end(error);
    rollback(ctx, before, call.name, "exception");
    throw error;
  }
  // A result the model can act on is not an exception, but the span says the call failed.
  span?.end(outcome.result.success ? undefined : new ToolCallFailed(outcome.result.message));
  let { result } = outcome;
  if (!result.success) rollback(ctx, before, call.name, outcome.denied ? "policy_denied" : "tool_failure");
  else {
    try {
      for (const policy of policies) policy.onResult?.(rendered.tool, params, result, toolContext);
    } catch (error) {
      rollback(ctx, before, call.name, "policy_failure");
      log.error(
        "policy_on_result_failed",
        "A policy failed while recording a tool result; the call was rolled back.",
        {
          tool: call.name,
          error,
        },
      );
      result = ToolResult.error(
        redactText(`Tool "${call.name}" succeeded but a policy failed afterwards: ${describeThrown(error)}`),
      );
    }
  }
  return finish(call, ctx, rendered, params, result, before, clock.monotonic() - started);
}

interface Guarded {
  readonly result: ToolResult;
  /** True when a policy refused the call before the handler ran. */
  readonly denied: boolean;
}

/** Policies, then the handler; returns a result for every failure the model can act on. */
async function runGuarded(
  rendered: RenderedTool,
  params: Readonly<Record<string, unknown>>,
  policies: readonly ToolPolicy[],
  toolContext: ToolContext,
  ctx: ToolExecutionContext,
): Promise<Guarded> {
  const tool = rendered.tool;
  for (const policy of policies) {
    const decision = await policy.check(tool, params, toolContext);
    if (!decision.allowed) {
      log.info("policy_denied", "A tool policy denied a call.", {
        tool: tool.name,
        policy: policy.name,
        reason: decision.reason,
      });
      return {
        result: ToolResult.error(decision.reason ?? `Policy "${policy.name}" denied this call.`),
        denied: true,
      };
    }
  }
  try {
    const result = await ctx.resources.toolScope(() => tool.invoke(params as never, toolContext));
    return { result: checkResult(rendered, result), denied: false };
  } catch (error) {
    if (error instanceof VisibilityExpansionRequired || error instanceof DeadlineExceededError) throw error;
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? error;
    if (error instanceof WinkError && error.code === "tool_validation") {
      return { result: ToolResult.error(`Tool validation failed: ${error.message}`), denied: false };
    }
    log.error("tool_handler_exception", "A tool handler threw; the model gets an error result.", {
      tool: tool.name,
      error,
    });
    return {
      // The message reaches the provider and ToolInvoked (and so snapshots): redact it.
      result: ToolResult.error(redactText(`Tool "${tool.name}" failed: ${describeThrown(error)}`)),
      denied: false,
    };
  }
}

function checkResult(rendered: RenderedTool, result: unknown): ToolResult {
  const name = rendered.name;
  if (!(result instanceof ToolResult)) {
    return ToolResult.error(
      `Tool "${name}" returned ${describeThrown(result)} instead of a ToolResult; this is a bug in the tool.`,
    );
  }
  const schema = rendered.tool.result;
  if (result.success && schema && result.value !== undefined) {
    const checked = schema.safeParse(result.value);
    if (!checked.success) {
      log.error("tool_result_invalid", "A tool returned a value that does not match its result schema.", {
        tool: name,
      });
      return ToolResult.error(
        `Tool "${name}" returned a value that does not match its result schema:\n${formatIssues(schemaIssues(checked.error))}`,
      );
    }
  }
  return result;
}

type Parsed = { ok: true; params: Readonly<Record<string, unknown>> } | { ok: false; message: string };

function parseArguments(rendered: RenderedTool, raw: ToolCall["arguments"]): Parsed {
  let value: unknown = raw ?? {};
  if (typeof raw === "string") {
    if (raw.trim() === "") value = {};
    else {
      try {
        value = JSON.parse(raw) as unknown;
      } catch (err) {
        return {
          ok: false,
          message: `Arguments for tool "${rendered.name}" are not valid JSON (${describeThrown(err)}). Send a JSON object matching its parameters.`,
        };
      }
    }
  }
  const result = rendered.tool.params.safeParse(value);
  if (result.success) return { ok: true, params: result.data as Record<string, unknown> };
  return {
    ok: false,
    message: `Invalid arguments for tool "${rendered.name}":\n${formatIssues(schemaIssues(result.error))}\nFix these fields and call the tool again.`,
  };
}

function makeToolContext(
  call: ToolCall,
  ctx: ToolExecutionContext,
  beat: () => void,
  callSignal: CallSignal,
): ToolContext {
  return new CallContext(
    ctx,
    ctx.resources.getOptional(FilesystemKey),
    beat,
    callSignal,
    call.id || undefined,
  );
}

/** Publish ToolInvoked through the session; if its reducers fail, roll back and say so. */
function finish(
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
    ToolInvoked.create(toolInvoked(call, ctx, params, result, output, durationMs)),
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
    eventId: randomUUID(),
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
  if (ctx.runContext) event.runContext = ctx.runContext;
  if (call.id) event.callId = call.id;
  if (durationMs !== undefined) event.durationMs = Math.round(durationMs * 1000) / 1000;
  return event;
}

const NOOP = (): void => {};
