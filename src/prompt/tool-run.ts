/**
 * One tool call from its checkpoint to its result: policies, the handler in its tool scope, the
 * result check, policy bookkeeping, and the rollback when any of it fails.
 *
 * A call finishes synchronously when it can — no policies, nothing scoped to the call, and a
 * handler that returns its result rather than a promise — and only otherwise goes through
 * promises: the shared loop runs every tool call of every evaluation through here, and each
 * async frame costs a promise, a microtask turn and their garbage.
 */

import { SYSTEM_CLOCK } from "../clock.js";
import { DeadlineExceededError, describeThrown, VisibilityExpansionRequired, WinkError } from "../errors.js";
import { getLogger } from "../logging/index.js";
import { isThenable } from "../resources/internal/lifecycle.js";
import { formatIssues, schemaIssues } from "../schema.js";
import { redactText } from "../secrets/index.js";
import type { CallContext, CallSignal } from "./call-scope.js";
import { ToolCallFailed, toolSpan } from "./call-scope.js";
import type { ToolCall, ToolExecution, ToolExecutionContext } from "./executor.js";
import type { ToolPolicy } from "./policies.js";
import type { RenderedTool } from "./render.js";
import { ToolResult } from "./tool.js";
import { type Checkpoint, finish, rollback } from "./tool-record.js";

const log = getLogger("weakincentives.prompt.tools");

/** What the policies and the handler decided. */
interface Guarded {
  readonly result: ToolResult;
  /** True when a policy refused the call before the handler ran. */
  readonly denied: boolean;
}

/**
 * Run a call whose arguments parsed, with its context and signal; releases the signal when the
 * call settles. Returns the execution, or a promise of it when something on the way is async.
 */
export function runCall(
  call: ToolCall,
  ctx: ToolExecutionContext,
  rendered: RenderedTool,
  params: Readonly<Record<string, unknown>>,
  toolContext: CallContext,
  callSignal: CallSignal,
): ToolExecution | Promise<ToolExecution> {
  let execution: ToolExecution | Promise<ToolExecution>;
  try {
    execution = new ToolRun(call, ctx, rendered, params, toolContext).start();
  } catch (error) {
    callSignal.release();
    throw error;
  }
  if (!(execution instanceof Promise)) {
    callSignal.release();
    return execution;
  }
  return execution.finally(() => callSignal.release());
}

/** The state of one call between its checkpoint and its result. */
class ToolRun {
  private readonly before: Checkpoint;
  private readonly started: number;
  private readonly span: ReturnType<typeof toolSpan>;

  constructor(
    private readonly call: ToolCall,
    private readonly ctx: ToolExecutionContext,
    private readonly rendered: RenderedTool,
    private readonly params: Readonly<Record<string, unknown>>,
    private readonly toolContext: CallContext,
  ) {
    if (log.isEnabled("debug")) {
      log.debug("tool.execution.start", "Executing tool.", { tool: call.name, callId: call.id });
    }
    this.before = { session: ctx.session.checkpoint(), resources: ctx.resources.snapshotSingletons() };
    this.started = (ctx.clock ?? SYSTEM_CLOCK).monotonic();
    this.span = toolSpan(call, ctx);
  }

  start(): ToolExecution | Promise<ToolExecution> {
    let guarded: Guarded | Promise<Guarded>;
    try {
      guarded = this.guard();
    } catch (error) {
      this.abandon(error);
    }
    if (!(guarded instanceof Promise)) return this.settle(guarded);
    return guarded.then(
      (outcome) => this.settle(outcome),
      (error: unknown) => this.abandon(error),
    );
  }

  /** Policies, then the handler; a result for every failure the model can act on. */
  private guard(): Guarded | Promise<Guarded> {
    const policies = this.rendered.policies;
    return policies.length === 0 ? this.invoke() : this.checkPolicies(policies);
  }

  private async checkPolicies(policies: readonly ToolPolicy[]): Promise<Guarded> {
    const tool = this.rendered.tool;
    for (const policy of policies) {
      const decision = await policy.check(tool, this.params, this.toolContext);
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
    return this.invoke();
  }

  /** The handler in its tool scope, its result checked against the tool's result schema. */
  private invoke(): Guarded | Promise<Guarded> {
    const { tool } = this.rendered;
    let returned: unknown;
    try {
      returned = this.ctx.resources.inToolScope(() => tool.invoke(this.params as never, this.toolContext));
    } catch (error) {
      return this.handlerFailed(error);
    }
    if (!isThenable(returned)) return { result: checkResult(this.rendered, returned), denied: false };
    return Promise.resolve(returned).then(
      (result) => ({ result: checkResult(this.rendered, result), denied: false }),
      (error: unknown) => this.handlerFailed(error),
    );
  }

  /** What a throwing handler becomes; cancellation, deadlines and visibility requests propagate. */
  private handlerFailed(error: unknown): Guarded {
    const { ctx } = this;
    const name = this.rendered.tool.name;
    if (error instanceof VisibilityExpansionRequired || error instanceof DeadlineExceededError) throw error;
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? error;
    if (error instanceof WinkError && error.code === "tool_validation") {
      return { result: ToolResult.error(`Tool validation failed: ${error.message}`), denied: false };
    }
    log.error("tool_handler_exception", "A tool handler threw; the model gets an error result.", {
      tool: name,
      error,
    });
    return {
      // The message reaches the provider and ToolInvoked (and so snapshots): redact it.
      result: ToolResult.error(redactText(`Tool "${name}" failed: ${describeThrown(error)}`)),
      denied: false,
    };
  }

  /** The call threw past its guards: end the span, roll back and rethrow. */
  private abandon(error: unknown): never {
    this.span?.end(error);
    rollback(this.ctx, this.before, this.call.name, "exception");
    throw error;
  }

  /** Policy bookkeeping, the rollback of a failure, and the recorded result. */
  private settle(outcome: Guarded): ToolExecution {
    const { call, ctx, rendered, params, before } = this;
    // A result the model can act on is not an exception, but the span says the call failed.
    this.span?.end(outcome.result.success ? undefined : new ToolCallFailed(outcome.result.message));
    let { result } = outcome;
    if (!result.success) rollback(ctx, before, call.name, outcome.denied ? "policy_denied" : "tool_failure");
    else {
      try {
        for (const policy of rendered.policies)
          policy.onResult?.(rendered.tool, params, result, this.toolContext);
      } catch (error) {
        rollback(ctx, before, call.name, "policy_failure");
        log.error(
          "policy_on_result_failed",
          "A policy failed while recording a tool result; the call was rolled back.",
          { tool: call.name, error },
        );
        result = ToolResult.error(
          redactText(
            `Tool "${call.name}" succeeded but a policy failed afterwards: ${describeThrown(error)}`,
          ),
        );
      }
    }
    const durationMs = (ctx.clock ?? SYSTEM_CLOCK).monotonic() - this.started;
    return finish(call, ctx, rendered, params, result, before, durationMs);
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
