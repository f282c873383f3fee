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

import { randomUUID } from "node:crypto";
import {
  createSdkMcpServer,
  type McpSdkServerConfigWithInstance,
  type Options,
  query,
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
  type ToolExecutionContext,
  validateOutput,
} from "../../prompt/index.js";
import { runContextLogFields } from "../../run-context.js";
import { getLogger } from "../../runtime/logging/index.js";
import { isSecretKey, registerSecret } from "../../secrets/index.js";
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
import { confinement } from "./confinement.js";
import { MCP_PREFIX, MCP_SERVER_NAME, nativeToolRecorder, toolHooks } from "./hooks.js";
import { buildChildEnv, commandHiddenEnv, IsolationConfig, SECRET_ENV } from "./isolation.js";
import { type RunState, recordMessage, resultError, resultUsage } from "./results.js";
import { createEvaluationDirs, type EvaluationDirs } from "./workdirs.js";

export { MCP_SERVER_NAME, STRUCTURED_OUTPUT_TOOL } from "./hooks.js";

const baseLog = getLogger("weakincentives.adapters");

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
  /**
   * Working directory of Claude Code (default: an empty temporary directory, removed afterwards).
   * The agent may read and write here; the directories beside it stay hidden.
   */
  cwd?: string;
  /**
   * Explicit variables for the Claude Code process: credentials, `ANTHROPIC_BASE_URL`… They win
   * over everything. The commands it runs see none of them, and secret-named ones
   * (`*_API_KEY`, `*_TOKEN`…) are registered for redaction.
   */
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
    let dirs: EvaluationDirs | undefined;
    try {
      dirs = await createEvaluationDirs(this.options.cwd);
      return await this.run(prompt, options, clock, deadline, controller, dirs);
    } finally {
      timer?.cancel();
      options.signal?.removeEventListener("abort", onCallerAbort);
      await dirs?.remove();
    }
  }

  /**
   * Where Claude Code runs and what it and its commands may see: the working directory, the child
   * environment, the sandbox (network, reads, credentials hidden from commands) and the read
   * rules of Claude Code's own file tools.
   */
  private isolationOptions(dirs: EvaluationDirs): Pick<Options, "cwd" | "env" | "sandbox" | "settings"> {
    const env = this.childEnv(dirs.home, dirs.tmp);
    const rules = confinement({
      isolation: this.isolation,
      cwd: dirs.cwd,
      evaluationDir: dirs.root,
      hostEnv: process.env,
    });
    return {
      cwd: dirs.cwd,
      env,
      sandbox: {
        ...this.isolation.sandboxSettings(),
        filesystem: rules.sandboxFilesystem,
        credentials: {
          envVars: commandHiddenEnv(env, this.isolation).map((name) => ({ name, mode: "deny" })),
        },
      },
      // The flag-settings layer: the only one read, since settingSources is empty.
      settings: { permissions: rules.permissions },
    };
  }

  private async run<Output>(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
    clock: Clock,
    deadline: Deadline | undefined,
    controller: AbortController,
    dirs: EvaluationDirs,
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

    const hooks = toolHooks({
      log,
      beat,
      state,
      deadline,
      tracker,
      evaluationId,
      usageSoFar,
      recordNative: nativeToolRecorder({ adapter: this.name, promptName: rendered.name, options, clock }),
    });
    const nativeTools = [...(this.options.nativeTools ?? [])];
    const output = rendered.output;
    const sdkOptions: Options = {
      abortController: controller,
      ...this.isolationOptions(dirs),
      model: this.model,
      maxTurns: this.options.maxTurns ?? 25,
      ...(this.options.maxBudgetUsd === undefined ? {} : { maxBudgetUsd: this.options.maxBudgetUsd }),
      settingSources: [],
      persistSession: false,
      permissionMode: "default",
      tools: nativeTools,
      allowedTools: [...rendered.tools.map((t) => `${MCP_PREFIX}${t.name}`), ...nativeTools],
      mcpServers: { [MCP_SERVER_NAME]: winkMcpServer(rendered, state, toolContext, fail) },
      strictMcpConfig: true,
      hooks,
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

/** The prompt's tools as the in-process MCP server `wink`, each call through the shared executor. */
function winkMcpServer(
  rendered: RenderedPrompt<unknown>,
  state: RunState,
  toolContext: ToolExecutionContext,
  fail: (error: unknown) => void,
): McpSdkServerConfigWithInstance {
  return createSdkMcpServer({
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
}
