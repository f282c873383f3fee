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

import type { BudgetTracker } from "../budget.js";
import type { Clock } from "../clock.js";
import type { Deadline } from "../deadline.js";
import { describeThrown } from "../errors.js";
import { FilesystemKey } from "../filesystem/index.js";
import { getLogger } from "../logging/index.js";
import type { ResourceContext } from "../resources/index.js";
import type { RunContext } from "../run-context.js";
import { formatIssues, schemaIssues } from "../schema.js";
import type { Session } from "../session/index.js";
import { CallContext, CallSignal } from "./call-scope.js";
import type { RenderedPrompt, RenderedTool } from "./render.js";
import { ToolResult } from "./tool.js";
import { finish } from "./tool-record.js";
import { runCall } from "./tool-run.js";

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
  return runToolCall(call, ctx);
}

/**
 * {@link executeToolCall} without a promise when the call can finish synchronously (no policies,
 * nothing scoped to the call, a handler that returns its result): the shared loop runs every
 * tool call through here. Throws, synchronously or by rejecting, what `executeToolCall` rejects with.
 * @internal
 */
export function runToolCall(
  call: ToolCall,
  ctx: ToolExecutionContext,
): ToolExecution | Promise<ToolExecution> {
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
  ctx.signal?.throwIfAborted();
  // The label is built only when the deadline has passed: this runs on every tool call.
  if (ctx.deadline?.expired()) throw ctx.deadline.error(`tool "${call.name}"`);
  const callSignal = new CallSignal(ctx.signal);
  const toolContext = new CallContext(
    ctx,
    ctx.resources.getOptional(FilesystemKey),
    beat,
    callSignal,
    call.id || undefined,
  );
  return runCall(call, ctx, rendered, parsed.params, toolContext, callSignal);
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

const NOOP = (): void => {};
