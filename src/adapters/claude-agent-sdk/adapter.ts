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

import { query, type SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
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
import { hookGuidance } from "./guidance.js";
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

  private async run<Output>(
    frame: EvaluationFrame<Output>,
    evaluateOptions: EvaluateOptions,
    dirs: EvaluationDirs,
  ): Promise<PromptResponse<Output>> {
    const { log, beat, tracker, rendered, evaluationId } = frame;
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
    const guidance = hookGuidance(
      frame as EvaluationFrame<unknown>,
      fail,
      () => denialReason(frame.deadline, tracker, evaluationId, usageSoFar()) !== undefined,
    );
    const options = sdkOptions({
      options: this.options,
      model: this.model,
      isolation: this.isolation,
      dirs,
      env: this.childEnv(dirs.home, dirs.tmp),
      hostEnv: process.env,
      controller: frame.controller ?? new AbortController(),
      budgetUsdLeft: usdLeft(frame.tracker),
      rendered: rendered as RenderedPrompt<unknown>,
      mcp: winkMcpServer(rendered, frame.toolContext, fail),
      hooks: toolHooks({
        log,
        beat,
        deadline: frame.deadline,
        tracker,
        evaluationId,
        usageSoFar,
        recordNative: nativeToolRecorder({
          adapter: this.name,
          promptName: rendered.name,
          options: evaluateOptions,
          clock: frame.clock,
        }),
        guidance,
      }),
    });

    let result: SDKResultMessage | undefined;
    let lastText = "";
    const stopOnStructured = this.options.stopOnStructuredOutput ?? true;
    try {
      let since = frame.clock.monotonic();
      for await (const message of query({ prompt: rendered.text, options })) {
        beat();
        lastText = recordMessage(message, state, lastText);
        if (message.type === "assistant" && log.isEnabled("debug")) {
          logModelTurn(log, message, frame.clock.monotonic() - since);
          since = frame.clock.monotonic();
        }
        if (message.type === "assistant" && tracker) {
          // Like the HTTP loop: record usage and check the budget after every model response.
          tracker.recordCumulative(evaluationId, usageSoFar());
          try {
            tracker.check();
          } catch (error) {
            fail(error);
            break;
          }
        }
        if (message.type === "result") {
          result = message;
          if (stopOnStructured && message.subtype === "success" && message.structured_output !== undefined)
            break;
        }
      }
    } catch (error) {
      throw this.failure(error, state, frame, evaluateOptions.signal, result);
    }
    if (state.fatal !== undefined) throw state.fatal;
    if (!result) {
      throw new PromptEvaluationError(`Claude Code ended without a result for prompt "${rendered.name}".`, {
        phase: "response",
        promptName: rendered.name,
      });
    }
    const usage = resultUsage(result) ?? usageSoFar();
    // Claude Code prices its own run (it knows its models' rates and its cache writes).
    const costUsd = typeof result.total_cost_usd === "number" ? result.total_cost_usd : undefined;
    tracker?.recordCumulative(evaluationId, usage, costUsd);
    if (result.subtype !== "success" || result.is_error)
      throw resultError(result, rendered.name, this.maxTurns);
    tracker?.check();

    const text = result.result === "" ? (lastText === "" ? undefined : lastText) : result.result;
    const output = rendered.output;
    let value: unknown;
    if (output) {
      value =
        result.structured_output !== undefined
          ? validateOutput(result.structured_output, output)
          : parseStructuredOutput(text ?? "", output);
    }
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

  private get maxTurns(): number {
    return this.options.maxTurns ?? DEFAULT_MAX_TURNS;
  }

  private failure(
    error: unknown,
    state: RunState,
    frame: EvaluationFrame<unknown>,
    callerSignal: AbortSignal | undefined,
    result: SDKResultMessage | undefined,
  ): unknown {
    if (state.fatal !== undefined) return state.fatal;
    if (callerSignal?.aborted) return callerSignal.reason;
    if (frame.signal.aborted) return frame.signal.reason ?? frame.deadline?.error("the evaluation");
    const name = frame.rendered.name;
    if (result && (result.subtype !== "success" || result.is_error)) {
      return resultError(result, name, this.maxTurns, error);
    }
    if (error instanceof WinkError) return error;
    return new PromptEvaluationError(
      `Claude Code failed for prompt "${name}": ${describeThrown(error)}`,
      { phase: "request", promptName: name },
      { cause: error },
    );
  }
}

/** What a request's dollar budget has left for this evaluation, when it has one. */
function usdLeft(tracker: BudgetTracker | undefined): number | undefined {
  const limit = tracker?.budget.maxUsd;
  if (limit === undefined || tracker === undefined) return undefined;
  return Math.max(0, limit - (tracker.consumedUsd ?? 0));
}
