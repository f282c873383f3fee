/**
 * What Claude Code is started with for one evaluation: the adapter's options, where it runs and
 * what it and its commands may see (working directory, environment, sandbox, read rules), the
 * WINK tools as MCP, the hooks, and the structured-output format.
 */

import { join } from "node:path";
import type { McpSdkServerConfigWithInstance, Options } from "@anthropic-ai/claude-agent-sdk";
import type { Clock } from "../../clock.js";
import type { RenderedPrompt } from "../../prompt/index.js";
import { mountSkills, type Skill } from "../../skills/index.js";
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
  /**
   * Skills Claude Code may use (see `loadSkills` in `weakincentives/skills`). Each evaluation
   * copies them into its ephemeral `$CLAUDE_CONFIG_DIR/skills/`, enables Claude Code's `Skill`
   * tool, and lists only these skills to the model. Their files are readable by the file tools
   * and commands. Default none (Claude Code then loads no settings or skills from disk at all).
   */
  skills?: readonly Skill[];
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
  /** Dollars left in the request's budget (`Budget.maxUsd` less what earlier evaluations spent). */
  readonly budgetUsdLeft?: number | undefined;
}

/** The tighter of the adapter's `maxBudgetUsd` and what the request's budget has left. */
function budgetUsd(adapterLimit: number | undefined, left: number | undefined): number | undefined {
  if (left === undefined) return adapterLimit;
  return adapterLimit === undefined ? left : Math.min(adapterLimit, left);
}

/**
 * Where Claude Code looks for user skills: `$CLAUDE_CONFIG_DIR/skills` (it does not look in
 * `$HOME/.claude/skills` when the two differ), with the child's `CLAUDE_CONFIG_DIR`.
 */
export function skillsDirOf(env: Readonly<Record<string, string>>, home: string): string {
  return join(env.CLAUDE_CONFIG_DIR ?? join(home, ".claude"), "skills");
}

/**
 * The SDK options of one evaluation. Starts nothing; with `skills`, writes them into the
 * evaluation's ephemeral config folder (synchronously: they are small and already in memory).
 */
export function sdkOptions(input: SdkOptionsInput): Options {
  const { options, rendered } = input;
  const nativeTools = [...(options.nativeTools ?? [])];
  const maxBudgetUsd = budgetUsd(options.maxBudgetUsd, input.budgetUsdLeft);
  const output = rendered.output;
  return {
    abortController: input.controller,
    ...isolationOptions(input),
    model: input.model,
    maxTurns: options.maxTurns ?? DEFAULT_MAX_TURNS,
    ...(maxBudgetUsd === undefined ? {} : { maxBudgetUsd }),
    settingSources: [],
    persistSession: false,
    permissionMode: "default",
    tools: nativeTools,
    ...skillOptions(input, nativeTools),
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
 * Skills, mounted where Claude Code discovers them. Claude Code reads `$CLAUDE_CONFIG_DIR/skills`
 * only with the `user` setting source, which here means the evaluation's own empty config folder:
 * never the host's, and never the project's (`.claude/` of the working directory, a checkout the
 * agent must not take instructions or permissions from). The `Skill` tool must be among `tools`,
 * and `skills` limits the listing to ours (Claude Code's bundled skills stay hidden).
 */
function skillOptions(
  input: SdkOptionsInput,
  nativeTools: readonly string[],
): Pick<Options, "settingSources" | "tools" | "skills"> {
  const skills = input.options.skills ?? [];
  if (skills.length === 0) return {};
  mountSkills(skills, skillsDirOf(input.env, input.dirs.home));
  return {
    settingSources: ["user"],
    tools: [...nativeTools.filter((name) => name !== SKILL_TOOL), SKILL_TOOL],
    skills: skills.map((skill) => skill.name),
  };
}

/** Claude Code's tool that loads a skill's instructions. */
const SKILL_TOOL = "Skill";

/**
 * Where Claude Code runs and what it and its commands may see: the working directory, the child
 * environment, the sandbox (network, reads, credentials hidden from commands) and the read rules
 * of Claude Code's own file tools.
 */
function isolationOptions(input: SdkOptionsInput): Pick<Options, "cwd" | "env" | "sandbox" | "settings"> {
  const { isolation, dirs, env } = input;
  const rules = confinement({
    isolation,
    cwd: dirs.cwd,
    evaluationDir: dirs.root,
    hostEnv: input.hostEnv,
    readOnlyPaths: dirs.readOnly,
  });
  const skills = skillReadRules(input);
  return {
    cwd: dirs.cwd,
    env,
    sandbox: {
      ...isolation.sandboxSettings(),
      filesystem: {
        ...rules.sandboxFilesystem,
        allowRead: [...rules.sandboxFilesystem.allowRead, ...skills.paths],
      },
      credentials: {
        envVars: commandHiddenEnv(env, isolation).map((name) => ({ name, mode: "deny" })),
      },
    },
    // The flag-settings layer: the only one read besides the evaluation's own (empty) user layer.
    settings: {
      permissions: {
        ...rules.permissions,
        blockReadsExemptPaths: [...rules.permissions.blockReadsExemptPaths, ...skills.paths],
        allow: [...rules.permissions.allow, ...skills.allow],
      },
    },
  };
}

/**
 * The mounted skills' folder is readable by commands too (a skill's scripts and references), not
 * only by Claude Code's file tools, which read it anyway. It lies inside the evaluation folder the
 * sandbox hides, and the more specific allow wins there; nothing in it is writable.
 */
function skillReadRules(input: SdkOptionsInput): { paths: string[]; allow: string[] } {
  if ((input.options.skills ?? []).length === 0) return { paths: [], allow: [] };
  const dir = skillsDirOf(input.env, input.dirs.home);
  return { paths: [dir], allow: [`Read(/${dir}/**)`] };
}
