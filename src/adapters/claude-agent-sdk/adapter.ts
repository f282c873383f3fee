/**
 * The Claude Agent SDK adapter: evaluates a WINK prompt by running Claude Code (through
 * `@anthropic-ai/claude-agent-sdk`) as the agent harness. Claude Code runs its own tool loop;
 * WINK tools are offered to it as an in-process MCP server named `wink` (the model sees
 * `mcp__wink__<tool>`), and every call goes through the shared {@link executeToolCall}, so
 * validation, policies, transactions and `ToolInvoked` are the same as on the HTTP adapters.
 *
 * Limits: the deadline and the caller's signal abort the query; a `PreToolUse` hook denies tools
 * once the deadline passed or the token budget is spent; usage from the SDK goes to the budget
 * tracker. Structured output uses the SDK's JSON-schema output mode (`StructuredOutput` tool) and
 * is validated with the template's schema. Claude Code runs with an ephemeral `HOME` and `TMPDIR`
 * (removed after the evaluation) and an allowlisted environment; its commands see no credential,
 * and the agent reads only its workspace and the paths the isolation allows (see
 * {@link IsolationConfig} and {@link confinement}). Every credential in `env` is registered for
 * redaction, so it never reaches logs, sessions or debug bundles.
 *
 * @example
 * ```ts nocheck
 * import { ClaudeAgentSDKAdapter } from "weakincentives/adapters/claude-agent-sdk";
 *
 * const adapter = new ClaudeAgentSDKAdapter({ env: { ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY } });
 * const response = await adapter.evaluate(prompt, { session });
 * response.output; // typed by the template's output schema
 * ```
 */

import {
  type Options,
  query,
  type SDKMessage,
  type SDKResultMessage,
  type SDKResultSuccess,
} from "@anthropic-ai/claude-agent-sdk";
import { addUsage, type BudgetTracker, type TokenUsage } from "../../budget.js";
import { describeThrown, WinkError } from "../../errors.js";
import {
  type EvaluablePrompt,
  parseStructuredOutput,
  type RenderedPrompt,
  validateOutput,
} from "../../prompt/index.js";
import { isSecretKey, registerSecret } from "../../secrets/index.js";
import { WorkspaceKey } from "../../workspace/index.js";
import { defaultModelFor, resolveAnthropicBackend } from "../anthropic/backend.js";
import { PromptEvaluationError } from "../errors.js";
import { type EvaluationFrame, openEvaluation } from "../frame.js";
import type { EvaluateOptions, PromptResponse, ProviderAdapter } from "../types.js";
import { type HookGuidance, hookGuidance } from "./guidance.js";
import { nativeToolRecorder, toolHooks } from "./hooks.js";
import { buildChildEnv, IsolationConfig, SECRET_ENV } from "./isolation.js";
import { winkMcpServer } from "./mcp.js";
import { type ClaudeAgentSDKAdapterOptions, DEFAULT_MAX_TURNS, sdkOptions } from "./options.js";
import {
  denialReason,
  logModelTurn,
  type RunState,
  recordMessage,
  resultError,
  resultUsage,
} from "./results.js";
import { createEvaluationDirs, type EvaluationDirs } from "./workdirs.js";

export { MCP_SERVER_NAME, STRUCTURED_OUTPUT_TOOL } from "./hooks.js";
export type { ClaudeAgentSDKAdapterOptions } from "./options.js";

/** Evaluates prompts with Claude Code through the Claude Agent SDK. */
export class ClaudeAgentSDKAdapter implements ProviderAdapter {
  readonly name = "claude_agent_sdk";
  readonly model: string;
  private readonly isolation: IsolationConfig;
  private readonly bedrockRegion: string | undefined;

  constructor(private readonly options: ClaudeAgentSDKAdapterOptions = {}) {
    this.isolation = options.isolation ?? IsolationConfig.create();
    const backend = resolveAnthropicBackend(
      { ...process.env, ...(options.env ?? {}) },
      this.isolation.bedrock,
    );
    this.bedrockRegion = backend.kind === "bedrock" ? backend.region : undefined;
    this.model = options.model ?? defaultModelFor(backend);
    // Whatever a credential reaches (an error, a tool result, a transcript), redaction hides it.
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value && (isSecretKey(name) || SECRET_ENV.includes(name))) registerSecret(value);
    }
  }

  /**
   * The child environment for an ephemeral `home` and `tmpDir` (exposed for inspection and
   * tests). Without `tmpDir`, the host's `TMPDIR` is kept.
   */
  childEnv(home: string, tmpDir?: string): Record<string, string> {
    const env = buildChildEnv({
      isolation: this.isolation,
      home,
      ...(tmpDir === undefined ? {} : { tmpDir }),
      hostEnv: process.env,
      explicit: this.options.env ?? {},
      bedrockRegion: this.bedrockRegion,
    });
    // Bedrock credentials come from the host, not `env`: register them once they are passed on.
    for (const name of SECRET_ENV) {
      const value = env[name];
      if (value) registerSecret(value);
    }
    return env;
  }

  async evaluate<Output>(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
  ): Promise<PromptResponse<Output>> {
    await using frame = openEvaluation(prompt, options, {
      adapter: this.name,
      model: this.model,
      clock: this.options.clock,
      // Claude Code gets an AbortController, and a failing tool or budget aborts the run.
      abortable: true,
    });
    // A workspace bound for this prompt (WorkspaceSection) is where Claude Code works and reads.
    const workspace = frame.toolContext.resources.getOptional(WorkspaceKey);
    const dirs = await createEvaluationDirs(
      workspace?.root ?? this.options.cwd,
      workspace?.mounts.filter((m) => m.readOnly && m.mountPath !== "").map((m) => m.mountPath),
    );
    try {
      return await this.run(frame, options, dirs);
    } finally {
      await dirs.remove();
    }
  }

  /** One evaluation inside its ephemeral directories: configure, run Claude Code, answer. */
  private async run<Output>(
    frame: EvaluationFrame<Output>,
    evaluateOptions: EvaluateOptions,
    dirs: EvaluationDirs,
  ): Promise<PromptResponse<Output>> {
    const control = runControl(frame);
    const { tracker, evaluationId } = frame;
    const guidance = hookGuidance(
      frame as EvaluationFrame<unknown>,
      control.fail,
      () => denialReason(frame.deadline, tracker, evaluationId, control.usageSoFar()) !== undefined,
    );
    const options = this.queryOptions(frame, evaluateOptions, dirs, control, guidance);
    const messages = new MessageFollower(frame, control, this.options.stopOnStructuredOutput ?? true);
    try {
      for await (const message of query({ prompt: frame.rendered.text, options })) {
        if (messages.follow(message)) break;
      }
    } catch (error) {
      throw this.failure(error, control, frame, evaluateOptions.signal, messages.result);
    }
    const { result, usage, costUsd } = this.settle(frame, control, messages.result);
    const { text, value } = answer(frame.rendered, result, messages.lastText);
    // The hooks let an incomplete run end once its continuations are used up: fail it here.
    const completion = guidance?.completion;
    if (completion) await completion.verify(value, text);
    return frame.complete(
      { text, output: value as Output, usage, costUsd },
      completion
        ? { turns: result.num_turns, continuations: completion.continuations }
        : { turns: result.num_turns },
    );
  }

  /** The SDK options of one evaluation: Claude Code's settings, the `wink` MCP server, the hooks. */
  private queryOptions<Output>(
    frame: EvaluationFrame<Output>,
    evaluateOptions: EvaluateOptions,
    dirs: EvaluationDirs,
    control: RunControl,
    guidance: HookGuidance | undefined,
  ): Options {
    const { log, beat, tracker, rendered, evaluationId } = frame;
    return sdkOptions({
      options: this.options,
      model: this.model,
      isolation: this.isolation,
      dirs,
      env: this.childEnv(dirs.home, dirs.tmp),
      hostEnv: process.env,
      controller: frame.takeController() ?? new AbortController(),
      budgetUsdLeft: usdLeft(frame.tracker),
      rendered: rendered as RenderedPrompt<unknown>,
      mcp: winkMcpServer(rendered, frame.toolContext, control.fail),
      hooks: toolHooks({
        log,
        beat,
        deadline: frame.deadline,
        tracker,
        evaluationId,
        usageSoFar: control.usageSoFar,
        recordNative: nativeToolRecorder({
          adapter: this.name,
          promptName: rendered.name,
          options: evaluateOptions,
          clock: frame.clock,
        }),
        guidance,
      }),
    });
  }

  /**
   * The successful result of a finished run, with its usage and cost recorded in the budget; throws
   * the run's fatal error, a missing or failed result, or an exhausted budget.
   */
  private settle<Output>(
    frame: EvaluationFrame<Output>,
    control: RunControl,
    result: SDKResultMessage | undefined,
  ): Settled {
    const { tracker, rendered } = frame;
    if (control.state.fatal !== undefined) throw control.state.fatal;
    if (!result) {
      throw new PromptEvaluationError(`Claude Code ended without a result for prompt "${rendered.name}".`, {
        phase: "response",
        promptName: rendered.name,
      });
    }
    const { usage, costUsd } = recordResult(frame, control, result);
    if (result.subtype !== "success" || result.is_error)
      throw resultError(result, rendered.name, this.maxTurns, tracker);
    tracker?.check();
    return { result, usage, costUsd };
  }

  private get maxTurns(): number {
    return this.options.maxTurns ?? DEFAULT_MAX_TURNS;
  }

  private failure(
    error: unknown,
    control: RunControl,
    frame: EvaluationFrame<unknown>,
    callerSignal: AbortSignal | undefined,
    result: SDKResultMessage | undefined,
  ): unknown {
    if (control.state.fatal !== undefined) return control.state.fatal;
    if (callerSignal?.aborted) return callerSignal.reason;
    if (frame.signal.aborted) return frame.signal.reason ?? frame.deadline?.error("the evaluation");
    const name = frame.rendered.name;
    if (result && (result.subtype !== "success" || result.is_error)) {
      recordResult(frame, control, result);
      return resultError(result, name, this.maxTurns, frame.tracker, error);
    }
    if (error instanceof WinkError) return error;
    return new PromptEvaluationError(
      `Claude Code failed for prompt "${name}": ${describeThrown(error)}`,
      { phase: "request", promptName: name },
      { cause: error },
    );
  }
}

/** Record a result's usage and cost in the request's budget; returns them. */
function recordResult(
  frame: EvaluationFrame<unknown>,
  control: RunControl,
  result: SDKResultMessage,
): { usage: TokenUsage; costUsd: number | undefined } {
  const usage = resultUsage(result) ?? control.usageSoFar();
  // Claude Code prices its own run (it knows its models' rates and its cache writes).
  const costUsd = typeof result.total_cost_usd === "number" ? result.total_cost_usd : undefined;
  frame.tracker?.recordCumulative(frame.evaluationId, usage, costUsd);
  return { usage, costUsd };
}

/** What a request's dollar budget has left for this evaluation, when it has one. */
function usdLeft(tracker: BudgetTracker | undefined): number | undefined {
  const limit = tracker?.budget.maxUsd;
  if (limit === undefined || tracker === undefined) return undefined;
  return Math.max(0, limit - (tracker.consumedUsd ?? 0));
}

/**
 * What one run learns and how it ends early: the state Claude Code's messages fill in, and the
 * callbacks the hooks, the MCP server and the message loop share.
 */
interface RunControl {
  readonly state: RunState;
  /** The usage of every API message so far. */
  readonly usageSoFar: () => TokenUsage;
  /** Ends the run with `error` (the first error wins) and aborts the query. */
  readonly fail: (error: unknown) => void;
}

/** The {@link RunControl} of one evaluation, aborting `frame` on failure. */
function runControl<Output>(frame: EvaluationFrame<Output>): RunControl {
  const state: RunState = { fatal: undefined, usageByMessage: new Map() };
  const usageSoFar = (): TokenUsage => {
    let total: TokenUsage = {};
    for (const usage of state.usageByMessage.values()) total = addUsage(total, usage);
    return total;
  };
  const fail = (error: unknown): void => {
    state.fatal ??= error;
    frame.abort(error);
  };
  return { state, usageSoFar, fail };
}

/**
 * Follows Claude Code's messages for one run: the heartbeat, usage, DEBUG model turns, the budget
 * after every model response, the last assistant text and the result message.
 */
class MessageFollower<Output> {
  /** The result message, once one came. */
  result: SDKResultMessage | undefined = undefined;
  /** The last non-empty assistant text, or "". */
  lastText = "";
  /** When the run started or the previous model turn came (the latency of DEBUG model turns). */
  private since: number;

  constructor(
    private readonly frame: EvaluationFrame<Output>,
    private readonly control: RunControl,
    private readonly stopOnStructured: boolean,
  ) {
    this.since = frame.clock.monotonic();
  }

  /** Takes in one message; true when the run should stop (budget spent, or structured output in). */
  follow(message: SDKMessage): boolean {
    const { log, beat, tracker, evaluationId, clock } = this.frame;
    beat();
    this.lastText = recordMessage(message, this.control.state, this.lastText);
    if (message.type === "assistant" && log.isEnabled("debug")) {
      logModelTurn(log, message, clock.monotonic() - this.since);
      this.since = clock.monotonic();
    }
    if (message.type === "assistant" && tracker) {
      // Like the HTTP loop: record usage and check the budget after every model response.
      tracker.recordCumulative(evaluationId, this.control.usageSoFar());
      try {
        tracker.check();
      } catch (error) {
        this.control.fail(error);
        return true;
      }
    }
    if (message.type === "result") {
      this.result = message;
      return (
        this.stopOnStructured && message.subtype === "success" && message.structured_output !== undefined
      );
    }
    return false;
  }
}

/** A successful result with the usage and cost recorded for it. */
interface Settled {
  readonly result: SDKResultSuccess;
  readonly usage: TokenUsage;
  readonly costUsd: number | undefined;
}

/**
 * The answer of a successful run: its text (the result's, or else the last assistant text) and,
 * with an output schema, the validated structured output (or the text parsed by the schema).
 */
function answer(
  rendered: RenderedPrompt<unknown>,
  result: SDKResultSuccess,
  lastText: string,
): { readonly text: string | undefined; readonly value: unknown } {
  const text = result.result === "" ? (lastText === "" ? undefined : lastText) : result.result;
  const output = rendered.output;
  let value: unknown;
  if (output) {
    value =
      result.structured_output !== undefined
        ? validateOutput(result.structured_output, output)
        : parseStructuredOutput(text ?? "", output);
  }
  return { text, value };
}
