/**
 * What Claude Code is started with for one evaluation: the adapter's options, where it runs and
 * what it and its commands may see (working directory, environment, sandbox, read rules), the
 * WINK tools as MCP, the hooks, and the structured-output format.
 */

import type { McpSdkServerConfigWithInstance, Options } from "@anthropic-ai/claude-agent-sdk";
import type { Clock } from "../../clock.js";
import type { RenderedPrompt } from "../../prompt/index.js";
import { outputObjectSchema } from "../json-schema.js";
import { confinement } from "./confinement.js";
import { MCP_PREFIX, MCP_SERVER_NAME } from "./hooks.js";
import { commandHiddenEnv, type IsolationConfig } from "./isolation.js";
import type { EvaluationDirs } from "./workdirs.js";

/** Options of `ClaudeAgentSDKAdapter`. */
export interface ClaudeAgentSDKAdapterOptions {
  /** Model id. Default: the backend's default (Anthropic API or Bedrock). */
  model?: string;
  /** Most agent turns (default 25). */
  maxTurns?: number;
  /** Stop when the SDK's cost estimate passes this many US dollars. */
  maxBudgetUsd?: number;
  /** End the run as soon as the structured output arrives (default true). */
  stopOnStructuredOutput?: boolean;
  /** Sandbox, network and environment isolation (default `IsolationConfig.create()`). */
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

/** Default of {@link ClaudeAgentSDKAdapterOptions.maxTurns}. */
export const DEFAULT_MAX_TURNS = 25;

/** Inputs of {@link sdkOptions}. */
export interface SdkOptionsInput {
  readonly options: ClaudeAgentSDKAdapterOptions;
  readonly model: string;
  readonly isolation: IsolationConfig;
  readonly dirs: EvaluationDirs;
  /** The child's environment (see `ClaudeAgentSDKAdapter.childEnv`). */
  readonly env: Record<string, string>;
  /** Read by the read rules: `*_FILE` targets and the like stay hidden. */
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  readonly controller: AbortController;
  readonly rendered: RenderedPrompt<unknown>;
  readonly mcp: McpSdkServerConfigWithInstance;
  readonly hooks: NonNullable<Options["hooks"]>;
}

/** The SDK options of one evaluation. Pure: starts nothing. */
export function sdkOptions(input: SdkOptionsInput): Options {
  const { options, rendered } = input;
  const nativeTools = [...(options.nativeTools ?? [])];
  const output = rendered.output;
  return {
    abortController: input.controller,
    ...isolationOptions(input),
    model: input.model,
    maxTurns: options.maxTurns ?? DEFAULT_MAX_TURNS,
    ...(options.maxBudgetUsd === undefined ? {} : { maxBudgetUsd: options.maxBudgetUsd }),
    settingSources: [],
    persistSession: false,
    permissionMode: "default",
    tools: nativeTools,
    allowedTools: [...rendered.tools.map((t) => `${MCP_PREFIX}${t.name}`), ...nativeTools],
    mcpServers: { [MCP_SERVER_NAME]: input.mcp },
    strictMcpConfig: true,
    hooks: input.hooks,
    ...(output ? { outputFormat: { type: "json_schema" as const, schema: outputObjectSchema(output) } } : {}),
    ...(options.pathToClaudeCodeExecutable
      ? { pathToClaudeCodeExecutable: options.pathToClaudeCodeExecutable }
      : {}),
    ...(options.stderr ? { stderr: options.stderr } : {}),
  };
}

/**
 * Where Claude Code runs and what it and its commands may see: the working directory, the child
 * environment, the sandbox (network, reads, credentials hidden from commands) and the read rules
 * of Claude Code's own file tools.
 */
function isolationOptions(input: SdkOptionsInput): Pick<Options, "cwd" | "env" | "sandbox" | "settings"> {
  const { isolation, dirs, env } = input;
  const rules = confinement({ isolation, cwd: dirs.cwd, evaluationDir: dirs.root, hostEnv: input.hostEnv });
  return {
    cwd: dirs.cwd,
    env,
    sandbox: {
      ...isolation.sandboxSettings(),
      filesystem: rules.sandboxFilesystem,
      credentials: {
        envVars: commandHiddenEnv(env, isolation).map((name) => ({ name, mode: "deny" })),
      },
    },
    // The flag-settings layer: the only one read, since settingSources is empty.
    settings: { permissions: rules.permissions },
  };
}
