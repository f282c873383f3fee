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
 * is validated with the template's schema. Claude Code runs with an ephemeral `HOME` and an
 * allowlisted environment (see {@link IsolationConfig}).
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

import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createSdkMcpServer,
  type HookCallback,
  type Options,
  query,
  type SDKMessage,
  type SDKResultMessage,
  tool,
} from "@anthropic-ai/claude-agent-sdk";
import type { z } from "zod";
import { addUsage, BudgetTracker, type TokenUsage } from "../../budget.js";
import { type Clock, SYSTEM_CLOCK } from "../../clock.js";
import { anySignal, type Deadline } from "../../deadline.js";
import { describeThrown, WinkError } from "../../errors.js";
import {
  type EvaluablePrompt,
  executeToolCall,
  parseStructuredOutput,
  type RenderedPrompt,
  validateOutput,
} from "../../prompt/index.js";
import { runContextLogFields } from "../../run-context.js";
import { ToolInvoked } from "../../runtime/events/index.js";
import { getLogger } from "../../runtime/logging/index.js";
import { redactText } from "../../secrets/index.js";
import { defaultModelFor, resolveAnthropicBackend } from "../anthropic/backend.js";
import { inputSchema, wrapArraySchema } from "../anthropic/conversation.js";
import { PromptEvaluationError } from "../errors.js";
import {
  dispatchPromptExecuted,
  dispatchPromptRendered,
  evaluationResources,
  toolExecutionContext,
} from "../evaluation.js";
import type { EvaluateOptions, PromptResponse, ProviderAdapter } from "../types.js";
import { buildChildEnv, IsolationConfig } from "./isolation.js";

const baseLog = getLogger("weakincentives.adapters");

/** Name of the in-process MCP server holding the prompt's tools. */
export const MCP_SERVER_NAME = "wink";
/** The tool Claude Code offers for JSON-schema output. */
export const STRUCTURED_OUTPUT_TOOL = "StructuredOutput";
const MCP_PREFIX = `mcp__${MCP_SERVER_NAME}__`;
const NATIVE_OUTPUT_LIMIT = 4000;

/** Options of {@link ClaudeAgentSDKAdapter}. */
export interface ClaudeAgentSDKAdapterOptions {
  /** Model id. Default: the backend's default (Anthropic API or Bedrock). */
  model?: string;
  /** Most agent turns (default 25). */
  maxTurns?: number;
  /** Stop when the SDK's cost estimate passes this many US dollars. */
  maxBudgetUsd?: number;
  /** End the run as soon as the structured output arrives (default true). */
  stopOnStructuredOutput?: boolean;
  /** Sandbox, network and environment isolation (default {@link IsolationConfig.create}). */
  isolation?: IsolationConfig;
  /** Claude Code's built-in tools to enable and allow, e.g. `["Read", "Bash"]` (default none). */
  nativeTools?: readonly string[];
  /** Working directory of Claude Code (default: an empty temporary directory). */
  cwd?: string;
  /** Explicit variables for the child: credentials, `ANTHROPIC_BASE_URL`… They win over everything. */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  /** Path of the Claude Code executable (default: the SDK's bundled binary). */
  pathToClaudeCodeExecutable?: string;
  /** Receives the child's stderr (debugging). */
  stderr?: (data: string) => void;
}

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
  }

  /** The child environment for an ephemeral `home` (exposed for inspection and tests). */
  childEnv(home: string): Record<string, string> {
    return buildChildEnv({
      isolation: this.isolation,
      home,
      hostEnv: process.env,
      explicit: this.options.env ?? {},
      bedrockRegion: this.bedrockRegion,
    });
  }

  async evaluate<Output>(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
  ): Promise<PromptResponse<Output>> {
    const clock = this.options.clock ?? options.session.clock ?? SYSTEM_CLOCK;
    const deadline = options.deadline ?? options.budget?.deadline;
    const controller = new AbortController();
    const onCallerAbort = (): void => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) throw options.signal.reason;
    options.signal?.addEventListener("abort", onCallerAbort, { once: true });
    let timer: { cancel(): void } | undefined;
    if (deadline) {
      const remaining = deadline.remaining();
      if (remaining <= 0) throw deadline.error("the evaluation");
      timer = clock.setTimer(remaining, () => controller.abort(deadline.error("the evaluation")));
    }
    const home = await mkdtemp(join(tmpdir(), "wink-claude-"));
    try {
      return await this.run(prompt, options, clock, deadline, controller, home);
    } finally {
      timer?.cancel();
      options.signal?.removeEventListener("abort", onCallerAbort);
      await rm(home, { recursive: true, force: true });
    }
  }

  private async run<Output>(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
    clock: Clock,
    deadline: Deadline | undefined,
    controller: AbortController,
    home: string,
  ): Promise<PromptResponse<Output>> {
    const log = baseLog.bind({
      prompt: prompt.name,
      adapter: this.name,
      sessionId: options.session.sessionId,
      ...(options.runContext ? runContextLogFields(options.runContext) : {}),
    });
    const beat = options.heartbeat ?? (() => {});
    const tracker = options.budgetTracker ?? (options.budget ? new BudgetTracker(options.budget) : undefined);
    const signal = anySignal(controller.signal);
    beat();

    const rendered = prompt.render({ session: options.session });
    dispatchPromptRendered(this.name, prompt, rendered, options, clock);

    await using resources = evaluationResources(prompt, options).open();
    resources.start();
    const toolContext = toolExecutionContext({
      adapter: this.name,
      prompt,
      rendered,
      options,
      resources,
      signal,
      clock,
      beat,
      deadline,
      tracker,
    });

    const evaluationId = randomUUID();
    const state: RunState = { fatal: undefined, callIds: new Map(), usageByMessage: new Map() };
    const usageSoFar = (): TokenUsage => {
      let total: TokenUsage = {};
      for (const usage of state.usageByMessage.values()) total = addUsage(total, usage);
      return total;
    };
    const fail = (error: unknown): void => {
      state.fatal ??= error;
      controller.abort(error);
    };

    const winkServer = createSdkMcpServer({
      name: MCP_SERVER_NAME,
      version: "1.0.0",
      alwaysLoad: true,
      tools: rendered.tools.map((rt) =>
        tool(rt.name, rt.description, rt.tool.params.shape as z.ZodRawShape, async (args) => {
          const id = state.callIds.get(rt.name)?.shift();
          try {
            const execution = await executeToolCall(
              { ...(id ? { id } : {}), name: rt.name, arguments: args as Record<string, unknown> },
              toolContext,
            );
            return {
              content: [{ type: "text" as const, text: execution.output }],
              isError: !execution.result.success,
            };
          } catch (error) {
            fail(error);
            return { content: [{ type: "text" as const, text: describeThrown(error) }], isError: true };
          }
        }),
      ),
    });

    const preToolUse: HookCallback = async (input) => {
      beat();
      if (input.hook_event_name !== "PreToolUse") return {};
      if (input.tool_name.startsWith(MCP_PREFIX)) {
        const name = input.tool_name.slice(MCP_PREFIX.length);
        const queue = state.callIds.get(name) ?? [];
        queue.push(input.tool_use_id);
        state.callIds.set(name, queue);
      }
      const reason = denialReason(deadline, tracker, evaluationId, usageSoFar());
      if (reason === undefined) {
        if (log.isEnabled("debug")) {
          log.debug("hook.pre_tool_use", "Claude Code is about to use a tool.", {
            tool: input.tool_name,
            callId: input.tool_use_id,
          });
        }
        return {};
      }
      // The deployment guide routes SDK hook activity by `hook.*`.
      log.info("hook.pre_tool_use.denied", "Denied a tool call: a limit was reached.", {
        tool: input.tool_name,
        callId: input.tool_use_id,
        reason,
      });
      return {
        hookSpecificOutput: {
          hookEventName: "PreToolUse",
          permissionDecision: "deny",
          permissionDecisionReason: reason,
        },
      };
    };
    // Claude Code's own tools (Bash, Read…) reach WINK only through these hooks; record each use
    // as ToolInvoked so metrics and the session ledger see them like WINK tools.
    const recordNative = (
      call: { name: string; input: unknown; id: string },
      result: unknown,
      success: boolean,
    ): void => {
      const text = truncate(redactText(typeof result === "string" ? result : safeJson(result)));
      options.session.dispatch(
        ToolInvoked.create({
          eventId: randomUUID(),
          createdAt: clock.now().toISOString(),
          adapter: this.name,
          sessionId: options.session.sessionId,
          ...(options.runContext ? { runContext: options.runContext } : {}),
          promptName: rendered.name,
          name: call.name,
          params: call.input,
          result,
          success,
          isError: !success,
          message: text,
          renderedOutput: text,
          callId: call.id,
        }),
      );
    };
    const isNative = (tool: string): boolean =>
      !tool.startsWith(MCP_PREFIX) && tool !== STRUCTURED_OUTPUT_TOOL;
    const postToolUse: HookCallback = async (input) => {
      beat();
      if (input.hook_event_name !== "PostToolUse") return {};
      if (log.isEnabled("debug")) {
        log.debug("hook.post_tool_use", "Claude Code used a tool.", {
          tool: input.tool_name,
          callId: input.tool_use_id,
        });
      }
      if (isNative(input.tool_name)) {
        recordNative(
          { name: input.tool_name, input: input.tool_input, id: input.tool_use_id },
          input.tool_response,
          true,
        );
      }
      return {};
    };
    const postToolUseFailure: HookCallback = async (input) => {
      beat();
      if (input.hook_event_name !== "PostToolUseFailure") return {};
      log.info("hook.post_tool_use_failure", "A Claude Code tool failed.", {
        tool: input.tool_name,
        callId: input.tool_use_id,
      });
      if (isNative(input.tool_name)) {
        recordNative(
          { name: input.tool_name, input: input.tool_input, id: input.tool_use_id },
          input.error,
          false,
        );
      }
      return {};
    };

    const nativeTools = [...(this.options.nativeTools ?? [])];
    const output = rendered.output;
    const cwd = this.options.cwd ?? join(home, "work");
    await mkdir(cwd, { recursive: true });
    const sdkOptions: Options = {
      abortController: controller,
      cwd,
      env: this.childEnv(home),
      model: this.model,
      maxTurns: this.options.maxTurns ?? 25,
      ...(this.options.maxBudgetUsd === undefined ? {} : { maxBudgetUsd: this.options.maxBudgetUsd }),
      settingSources: [],
      persistSession: false,
      permissionMode: "default",
      tools: nativeTools,
      allowedTools: [...rendered.tools.map((t) => `${MCP_PREFIX}${t.name}`), ...nativeTools],
      mcpServers: { [MCP_SERVER_NAME]: winkServer },
      strictMcpConfig: true,
      sandbox: this.isolation.sandboxSettings(),
      hooks: {
        PreToolUse: [{ hooks: [preToolUse] }],
        PostToolUse: [{ hooks: [postToolUse] }],
        PostToolUseFailure: [{ hooks: [postToolUseFailure] }],
      },
      ...(output
        ? {
            outputFormat: {
              type: "json_schema" as const,
              schema:
                output.container === "array"
                  ? wrapArraySchema(output.jsonSchema)
                  : inputSchema(output.jsonSchema),
            },
          }
        : {}),
      ...(this.options.pathToClaudeCodeExecutable
        ? { pathToClaudeCodeExecutable: this.options.pathToClaudeCodeExecutable }
        : {}),
      ...(this.options.stderr ? { stderr: this.options.stderr } : {}),
    };

    log.debug("adapter.evaluate.start", "Evaluation started.", { model: this.model });
    let result: SDKResultMessage | undefined;
    let lastText = "";
    const stopOnStructured = this.options.stopOnStructuredOutput ?? true;
    try {
      for await (const message of query({ prompt: rendered.text, options: sdkOptions })) {
        beat();
        lastText = recordMessage(message, state, lastText);
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
      throw this.failure(error, state, controller, options.signal, result, rendered, deadline);
    }
    if (state.fatal !== undefined) throw state.fatal;
    if (!result) {
      throw new PromptEvaluationError(`Claude Code ended without a result for prompt "${rendered.name}".`, {
        phase: "response",
        promptName: rendered.name,
      });
    }
    const usage = resultUsage(result) ?? usageSoFar();
    tracker?.recordCumulative(evaluationId, usage);
    if (result.subtype !== "success" || result.is_error)
      throw resultError(result, rendered.name, this.options.maxTurns ?? 25);
    tracker?.check();

    const text = result.result === "" ? (lastText === "" ? undefined : lastText) : result.result;
    let value: unknown;
    if (output) {
      value =
        result.structured_output !== undefined
          ? validateOutput(result.structured_output, output)
          : parseStructuredOutput(text ?? "", output);
    }
    dispatchPromptExecuted(this.name, rendered.name, { text, output: value, usage }, options, clock);
    log.info("adapter.evaluate.complete", "Evaluation finished.", {
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      turns: result.num_turns,
    });
    return { promptName: rendered.name, text, output: value as Output, usage };
  }

  private failure(
    error: unknown,
    state: RunState,
    controller: AbortController,
    callerSignal: AbortSignal | undefined,
    result: SDKResultMessage | undefined,
    rendered: RenderedPrompt<unknown>,
    deadline: Deadline | undefined,
  ): unknown {
    if (state.fatal !== undefined) return state.fatal;
    if (callerSignal?.aborted) return callerSignal.reason;
    if (controller.signal.aborted) return controller.signal.reason ?? deadline?.error("the evaluation");
    if (result && (result.subtype !== "success" || result.is_error)) {
      return resultError(result, rendered.name, this.options.maxTurns ?? 25, error);
    }
    if (error instanceof WinkError) return error;
    return new PromptEvaluationError(
      `Claude Code failed for prompt "${rendered.name}": ${describeThrown(error)}`,
      { phase: "request", promptName: rendered.name },
      { cause: error },
    );
  }
}

interface RunState {
  fatal: unknown;
  /** Tool-use ids seen by PreToolUse, per WINK tool name, consumed by the MCP handlers. */
  readonly callIds: Map<string, string[]>;
  /** Usage per API message id (one API message may arrive as several SDK messages). */
  readonly usageByMessage: Map<string, TokenUsage>;
}

function recordMessage(message: SDKMessage, state: RunState, lastText: string): string {
  if (message.type !== "assistant") return lastText;
  const api = message.message;
  const usage = api.usage;
  if (usage) {
    state.usageByMessage.set(api.id, {
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      cachedTokens: usage.cache_read_input_tokens ?? 0,
    });
  }
  const text = api.content
    .map((block) => (block.type === "text" ? block.text : ""))
    .join("")
    .trim();
  return text === "" ? lastText : text;
}

function resultUsage(result: SDKResultMessage): TokenUsage | undefined {
  const usage = result.usage;
  if (!usage) return undefined;
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cachedTokens: usage.cache_read_input_tokens ?? 0,
  };
}

function denialReason(
  deadline: Deadline | undefined,
  tracker: BudgetTracker | undefined,
  evaluationId: string,
  usage: TokenUsage,
): string | undefined {
  if (deadline?.expired()) return "The deadline for this evaluation has passed; no more tools may run.";
  if (tracker) {
    tracker.recordCumulative(evaluationId, usage);
    try {
      tracker.check();
    } catch (error) {
      return `The token budget is exhausted: ${describeThrown(error)}`;
    }
  }
  return undefined;
}

function resultError(
  result: SDKResultMessage,
  promptName: string,
  maxTurns: number | undefined,
  cause?: unknown,
): PromptEvaluationError {
  const options = cause === undefined ? {} : { cause };
  switch (result.subtype) {
    case "error_max_turns":
      return new PromptEvaluationError(
        `Prompt "${promptName}" did not finish within ${maxTurns ?? result.num_turns} agent turns. Raise maxTurns or give the model clearer stopping criteria.`,
        { phase: "response", promptName },
        options,
      );
    case "error_max_budget_usd":
      return new PromptEvaluationError(
        `Prompt "${promptName}" exceeded maxBudgetUsd (spent about $${result.total_cost_usd.toFixed(4)}).`,
        { phase: "budget", promptName },
        options,
      );
    case "error_max_structured_output_retries":
      return new PromptEvaluationError(
        `Prompt "${promptName}": the model did not produce valid structured output. ${result.errors.join("; ")}`,
        { phase: "response", promptName },
        options,
      );
    case "error_during_execution":
      return new PromptEvaluationError(
        `Claude Code failed during prompt "${promptName}": ${result.errors.join("; ") || "no details"}`,
        { phase: "request", promptName },
        options,
      );
    case "success": {
      const status = result.api_error_status ?? undefined;
      return new PromptEvaluationError(
        `Claude Code request for prompt "${promptName}" failed${status ? ` with status ${status}` : ""}: ${result.result}`,
        { phase: "request", promptName, status },
        options,
      );
    }
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

function truncate(text: string): string {
  return text.length <= NATIVE_OUTPUT_LIMIT ? text : `${text.slice(0, NATIVE_OUTPUT_LIMIT)}…`;
}
