/**
 * The model a worker talks to, chosen from its {@link AgentConfig} alone (the environment was read
 * once, by `config/`). There is no offline fallback: a worker without a model would accept
 * requests only to fail every one of them, so it refuses to start instead.
 *
 * Order: Claude on Bedrock (`CLAUDE_CODE_USE_BEDROCK` and `AWS_REGION`), then the Anthropic API
 * (`ANTHROPIC_API_KEY` or `…_FILE`), then OpenAI (`OPENAI_API_KEY` or `…_FILE`).
 * `AGENT_ADAPTER=claude-agent-sdk` runs Claude Code instead, on Bedrock or the Anthropic API, with
 * the turn and dollar limits and the network allowlist `AGENT_NETWORK_ALLOW` (empty: no network).
 *
 * Each adapter is imported only when chosen, so a worker needs only the SDK it uses.
 */

import { toBedrockModelId } from "../adapters/anthropic/backend.js";
import type {
  ClaudeAgentSDKAdapterOptions,
  IsolationConfig,
  NetworkPolicy,
  SandboxSelfTest,
} from "../adapters/claude-agent-sdk/index.js";
import type { ProviderAdapter } from "../adapters/types.js";
import { type AgentConfig, DEFAULT_AGENT_MODEL, DEFAULT_MAX_BUDGET_USD } from "../config/agent.js";
import { ConfigError } from "../config/load.js";
import { loadSkills, type Skill } from "../skills/index.js";
import { dollarBudget } from "./dollars.js";

/** The package the Anthropic adapter loads for Bedrock; install it to run Claude on Bedrock. */
export const BEDROCK_SDK = "@anthropic-ai/bedrock-sdk";

/** The package `ClaudeAgentSDKAdapter` runs Claude Code with. */
export const CLAUDE_AGENT_SDK = "@anthropic-ai/claude-agent-sdk";

/** OpenAI model used when `AGENT_MODEL` is left at its default (which names a Claude model). */
export const DEFAULT_OPENAI_MODEL = "gpt-4.1-mini";

/** The settings {@link adapterFromConfig} reads. */
export type ModelConfig = Pick<
  AgentConfig,
  | "model"
  | "maxTurns"
  | "maxBudgetUsd"
  | "pricesFile"
  | "anthropicApiKey"
  | "openaiApiKey"
  | "adapter"
  | "networkAllow"
  | "useBedrock"
  | "awsRegion"
  | "anthropicBaseUrl"
  | "skillsDir"
>;

/** The adapter and a line saying which model it is (for the start-up log). */
export interface ChosenAdapter {
  readonly adapter: ProviderAdapter;
  readonly description: string;
  /** The dollar limit of every request (`Budget.maxUsd`), when there is one. */
  readonly maxUsd?: number | undefined;
}

/** Options of {@link adapterFromConfig}. */
export interface AdapterFromConfigOptions {
  /** True when a package can be imported. Default: `import.meta.resolve` succeeds. */
  readonly canImport?: (specifier: string) => boolean;
  /**
   * Whether Claude Code's OS sandbox can run here, asked once before a sandboxed Claude Code
   * adapter is built. Default: `sandboxSelfTest()` (bubblewrap run as the sandbox runs it).
   */
  readonly sandboxSelfTest?: () => Promise<SandboxSelfTest>;
}

function resolvable(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

function missingPackage(variable: string, value: string, pkg: string, fix: string): ConfigError {
  return new ConfigError([
    {
      variable,
      problem: "invalid",
      value: JSON.stringify(value),
      message: `${variable}=${JSON.stringify(value)} needs ${pkg}, which is not installed. ${fix}`,
    },
  ]);
}

/** The Bedrock region, or a ConfigError saying to set it; `undefined` when Bedrock is off. */
function bedrockRegion(config: ModelConfig): string | undefined {
  if (!config.useBedrock) return undefined;
  if (config.awsRegion) return config.awsRegion;
  throw new ConfigError([
    {
      variable: "AWS_REGION",
      problem: "missing",
      message:
        "CLAUDE_CODE_USE_BEDROCK is set but AWS_REGION is not: set AWS_REGION (e.g. us-east-1), or unset CLAUDE_CODE_USE_BEDROCK.",
    },
  ]);
}

/**
 * Choose and build the adapter.
 *
 * @throws ConfigError when no model is configured, or Bedrock (or Claude Code) is selected but its
 *   SDK is not installed — at start-up, not on the first request.
 */
export async function adapterFromConfig(
  config: ModelConfig,
  options: AdapterFromConfigOptions = {},
): Promise<ChosenAdapter> {
  const canImport = options.canImport ?? resolvable;
  const region = bedrockRegion(config);
  if (config.adapter === "claude-agent-sdk") {
    if (!canImport(CLAUDE_AGENT_SDK)) {
      throw missingPackage(
        "AGENT_ADAPTER",
        "claude-agent-sdk",
        CLAUDE_AGENT_SDK,
        "Install it (the default image has it in RUNTIME_PEERS), or set AGENT_ADAPTER=http.",
      );
    }
    return claudeCode(config, region, options);
  }
  if (region !== undefined) {
    if (!canImport(BEDROCK_SDK)) {
      throw missingPackage(
        "CLAUDE_CODE_USE_BEDROCK",
        "1",
        BEDROCK_SDK,
        `Install it (in the image: --build-arg EXTRA_PACKAGES=${BEDROCK_SDK}@<version>), or unset CLAUDE_CODE_USE_BEDROCK.`,
      );
    }
    return claudeOnBedrock(config, region);
  }
  if (config.anthropicApiKey) return anthropicApi(config, config.anthropicApiKey);
  if (config.openaiApiKey) return openAI(config, config.openaiApiKey);
  throw new ConfigError([
    {
      variable: "ANTHROPIC_API_KEY",
      problem: "missing",
      message:
        "No model is configured. Set ANTHROPIC_API_KEY (or ANTHROPIC_API_KEY_FILE), OPENAI_API_KEY " +
        "(or OPENAI_API_KEY_FILE), or CLAUDE_CODE_USE_BEDROCK=1 with AWS_REGION.",
    },
  ]);
}

/** The Anthropic adapter on Bedrock in `region`, priced from `AGENT_PRICES_FILE` or the built-in table. */
async function claudeOnBedrock(config: ModelConfig, region: string): Promise<ChosenAdapter> {
  const { AnthropicAdapter } = await import("../adapters/anthropic/index.js");
  // AGENT_MODEL defaults to the Anthropic API name; Bedrock wants the inference-profile id.
  const model = toBedrockModelId(config.model);
  const dollars = dollarBudget(config, model);
  return {
    adapter: new AnthropicAdapter({
      model,
      maxTurns: config.maxTurns,
      bedrock: { region },
      env: {},
      prices: dollars.prices,
    }),
    description: `Claude on Bedrock (${region}), ${model}; ${dollars.note}`,
    maxUsd: dollars.maxUsd,
  };
}

/** The Anthropic adapter on the Anthropic API with `apiKey` (and `ANTHROPIC_BASE_URL`, when set). */
async function anthropicApi(
  config: ModelConfig,
  apiKey: NonNullable<ModelConfig["anthropicApiKey"]>,
): Promise<ChosenAdapter> {
  const { AnthropicAdapter } = await import("../adapters/anthropic/index.js");
  const dollars = dollarBudget(config, config.model);
  return {
    maxUsd: dollars.maxUsd,
    adapter: new AnthropicAdapter({
      model: config.model,
      maxTurns: config.maxTurns,
      bedrock: false,
      env: {},
      prices: dollars.prices,
      clientOptions: {
        apiKey: apiKey.reveal(),
        ...(config.anthropicBaseUrl ? { baseURL: config.anthropicBaseUrl } : {}),
      },
    }),
    description: `Anthropic API, ${config.model}; ${dollars.note}`,
  };
}

/** The OpenAI adapter with `apiKey`, on {@link DEFAULT_OPENAI_MODEL} when `AGENT_MODEL` is left at its (Claude) default. */
async function openAI(
  config: ModelConfig,
  apiKey: NonNullable<ModelConfig["openaiApiKey"]>,
): Promise<ChosenAdapter> {
  const { OpenAIAdapter } = await import("../adapters/openai/index.js");
  const model = config.model === DEFAULT_AGENT_MODEL ? DEFAULT_OPENAI_MODEL : config.model;
  const dollars = dollarBudget(config, model);
  return {
    adapter: new OpenAIAdapter({
      model,
      maxTurns: config.maxTurns,
      clientOptions: { apiKey: apiKey.reveal() },
      prices: dollars.prices,
    }),
    description: `OpenAI, ${model}; ${dollars.note}`,
    maxUsd: dollars.maxUsd,
  };
}

/** Claude Code (`AGENT_ADAPTER=claude-agent-sdk`) with the skills of `AGENT_SKILLS_DIR`, once its sandbox is known to run here. */
async function claudeCode(
  config: ModelConfig,
  region: string | undefined,
  options: AdapterFromConfigOptions,
): Promise<ChosenAdapter> {
  const sdk = await import("../adapters/claude-agent-sdk/index.js");
  const { description, ...base } = claudeCodeOptions(config, region, sdk);
  const skills = skillsOf(config.skillsDir);
  const adapterOptions = skills.length > 0 ? { ...base, skills } : base;
  // Claude Code starts even where its sandbox cannot run, and then every command fails: a worker
  // finds out once, here, and refuses to start.
  if (adapterOptions.isolation?.sandbox.enabled !== false) {
    const probe = await (options.sandboxSelfTest ?? (() => sdk.sandboxSelfTest()))();
    if (!probe.ok) {
      throw new ConfigError([
        {
          variable: "AGENT_ADAPTER",
          problem: "invalid",
          value: '"claude-agent-sdk"',
          message:
            `AGENT_ADAPTER="claude-agent-sdk" runs Claude Code in its OS sandbox, which cannot run here: ${probe.reason}. ` +
            `Give the container the sandbox settings (docs/deployment.md, "Claude Code's sandbox in a container"), ` +
            "or set AGENT_ADAPTER=http.",
        },
      ]);
    }
  }
  // Claude Code prices its own runs; the loops' budget holds the same limit across evaluations.
  return {
    adapter: new sdk.ClaudeAgentSDKAdapter(adapterOptions),
    description: `${description}; $${adapterOptions.maxBudgetUsd} per request`,
    maxUsd: adapterOptions.maxBudgetUsd,
  };
}

/** The skills in `AGENT_SKILLS_DIR`, validated; a bad skill stops the worker like bad configuration. */
function skillsOf(dir: string | undefined): Skill[] {
  if (dir === undefined) return [];
  try {
    return loadSkills(dir);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    throw new ConfigError([
      {
        variable: "AGENT_SKILLS_DIR",
        problem: "invalid",
        value: JSON.stringify(dir),
        message: `AGENT_SKILLS_DIR="${dir}" holds skills that cannot be loaded: ${error.message}`,
      },
    ]);
  }
}

/** The isolation builders {@link claudeCodeOptions} uses (the Claude adapter's, or test doubles). */
export interface IsolationBuilders {
  readonly IsolationConfig: Pick<typeof IsolationConfig, "create" | "forBedrock">;
  readonly NetworkPolicy: Pick<typeof NetworkPolicy, "noNetwork" | "allowDomains">;
}

/**
 * The options of `ClaudeAgentSDKAdapter` for `AGENT_ADAPTER=claude-agent-sdk`: turn and dollar
 * limits, the network allowlist (none when `AGENT_NETWORK_ALLOW` is empty), and Bedrock or the
 * Anthropic key as credentials. Pure: builds no adapter and starts nothing.
 *
 * @throws ConfigError when neither Bedrock nor an Anthropic key is configured (an OpenAI key
 *   does not run Claude Code).
 */
export function claudeCodeOptions(
  config: ModelConfig,
  region: string | undefined,
  builders: IsolationBuilders,
): ClaudeAgentSDKAdapterOptions & {
  readonly description: string;
} {
  const allow = config.networkAllow;
  const network =
    allow.length > 0 ? builders.NetworkPolicy.allowDomains(allow) : builders.NetworkPolicy.noNetwork();
  const limits = { maxTurns: config.maxTurns, maxBudgetUsd: config.maxBudgetUsd ?? DEFAULT_MAX_BUDGET_USD };
  if (region !== undefined) {
    const model = toBedrockModelId(config.model);
    return {
      model,
      ...limits,
      isolation: builders.IsolationConfig.forBedrock(region, { network }),
      description: `Claude Code on Bedrock (${region}), ${model}`,
    };
  }
  if (!config.anthropicApiKey) {
    throw new ConfigError([
      {
        variable: "ANTHROPIC_API_KEY",
        problem: "missing",
        message:
          "AGENT_ADAPTER=claude-agent-sdk runs Claude Code, which needs Claude: set ANTHROPIC_API_KEY " +
          "(or ANTHROPIC_API_KEY_FILE), or CLAUDE_CODE_USE_BEDROCK=1 with AWS_REGION. An OpenAI key is not enough.",
      },
    ]);
  }
  return {
    model: config.model,
    ...limits,
    isolation: builders.IsolationConfig.create({ network, bedrock: false }),
    env: {
      ANTHROPIC_API_KEY: config.anthropicApiKey.reveal(),
      ...(config.anthropicBaseUrl ? { ANTHROPIC_BASE_URL: config.anthropicBaseUrl } : {}),
    },
    description: `Claude Code on the Anthropic API, ${config.model}`,
  };
}
