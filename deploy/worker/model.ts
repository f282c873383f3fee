/**
 * The model the deployed worker talks to, chosen from the environment. Unlike the example's
 * `chooseModel`, there is no offline fallback: a production worker without a model would accept
 * requests only to fail every one of them, so it refuses to start instead.
 *
 * Order: Claude on Bedrock (`CLAUDE_CODE_USE_BEDROCK=1` and `AWS_REGION`), then the Anthropic API
 * (`ANTHROPIC_API_KEY` or `ANTHROPIC_API_KEY_FILE`), then OpenAI (`OPENAI_API_KEY` or `…_FILE`).
 *
 * `AGENT_ADAPTER=claude-agent-sdk` runs Claude Code instead (`ClaudeAgentSDKAdapter`, loaded only
 * then, so images without `@anthropic-ai/claude-agent-sdk` keep working on the HTTP adapters):
 * Bedrock or the Anthropic API, same selection, with `AGENT_MAX_TURNS`, `AGENT_MAX_BUDGET_USD`
 * and the network allowlist `AGENT_NETWORK_ALLOW` (empty: no network) applied.
 *
 * @example
 * ```ts
 * const model = await productionModel(loadWorkerConfig(process.env), process.env);
 * model.description; // "Anthropic API, claude-sonnet-4-6"
 * ```
 */
import type { ProviderAdapter } from "weakincentives/adapters";
import {
  AnthropicAdapter,
  type BackendEnv,
  resolveAnthropicBackend,
  toBedrockModelId,
} from "weakincentives/adapters/anthropic";
import type {
  ClaudeAgentSDKAdapterOptions,
  IsolationConfig,
  NetworkPolicy,
} from "weakincentives/adapters/claude-agent-sdk";
import { OpenAIAdapter } from "weakincentives/adapters/openai";
import { type AgentConfig, ConfigError } from "weakincentives/config";
import type { WorkerConfig } from "./config.js";

/** The package `AnthropicAdapter` loads for Bedrock; the image has it only when built with it. */
export const BEDROCK_SDK = "@anthropic-ai/bedrock-sdk";

/** OpenAI model used when `AGENT_MODEL` is unset (its default names a Claude model). */
export const DEFAULT_OPENAI_MODEL = "gpt-4.1-mini";

/** The package `ClaudeAgentSDKAdapter` runs Claude Code with (in RUNTIME_PEERS of the image). */
export const CLAUDE_AGENT_SDK = "@anthropic-ai/claude-agent-sdk";

/** The settings {@link productionModel} reads. */
export type ModelConfig = Pick<
  AgentConfig,
  "model" | "maxTurns" | "maxBudgetUsd" | "anthropicApiKey" | "openaiApiKey"
> &
  Partial<Pick<WorkerConfig, "adapter" | "networkAllow">>;

/** The isolation builders of `weakincentives/adapters/claude-agent-sdk` {@link claudeAdapterOptions} uses. */
export interface IsolationBuilders {
  readonly IsolationConfig: Pick<typeof IsolationConfig, "create" | "forBedrock">;
  readonly NetworkPolicy: Pick<typeof NetworkPolicy, "noNetwork" | "allowDomains">;
}

/** The adapter and a line saying which model it is (for the start-up log). */
export interface ProductionModel {
  readonly adapter: ProviderAdapter;
  readonly description: string;
}

/** Options of {@link productionModel}. */
export interface ProductionModelOptions {
  /** True when a package can be imported from here. Default: `import.meta.resolve` succeeds. */
  readonly canImport?: (specifier: string) => boolean;
}

function resolvable(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/**
 * The options of `ClaudeAgentSDKAdapter` for `AGENT_ADAPTER=claude-agent-sdk`: turn and dollar
 * limits from the configuration, the network allowlist (none when `AGENT_NETWORK_ALLOW` is
 * empty), and Bedrock (AWS variables passed to Claude Code) or the Anthropic key (from the
 * Secret) as credentials. Pure: builds no adapter and starts nothing.
 *
 * @throws ConfigError when neither Bedrock nor an Anthropic key is configured (an OpenAI key
 *   does not run Claude Code).
 */
export function claudeAdapterOptions(
  config: ModelConfig,
  env: BackendEnv,
  builders: IsolationBuilders,
): ClaudeAgentSDKAdapterOptions & { description: string } {
  const allow = config.networkAllow ?? [];
  const network =
    allow.length > 0 ? builders.NetworkPolicy.allowDomains(allow) : builders.NetworkPolicy.noNetwork();
  const limits = { maxTurns: config.maxTurns, maxBudgetUsd: config.maxBudgetUsd };
  const backend = resolveAnthropicBackend(env);
  if (backend.kind === "bedrock") {
    const model = toBedrockModelId(config.model);
    return {
      model,
      ...limits,
      isolation: builders.IsolationConfig.forBedrock(backend.region, { network }),
      description: `Claude Code on Bedrock (${backend.region}), ${model}`,
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
  const baseUrl = env.ANTHROPIC_BASE_URL?.trim();
  return {
    model: config.model,
    ...limits,
    isolation: builders.IsolationConfig.create({ network, bedrock: false }),
    env: {
      ANTHROPIC_API_KEY: config.anthropicApiKey.reveal(),
      ...(baseUrl ? { ANTHROPIC_BASE_URL: baseUrl } : {}),
    },
    description: `Claude Code on the Anthropic API, ${config.model}`,
  };
}

async function claudeAgentModel(
  config: ModelConfig,
  env: BackendEnv,
  options: ProductionModelOptions,
): Promise<ProductionModel> {
  if (!(options.canImport ?? resolvable)(CLAUDE_AGENT_SDK)) {
    throw new ConfigError([
      {
        variable: "AGENT_ADAPTER",
        problem: "invalid",
        value: '"claude-agent-sdk"',
        message:
          `AGENT_ADAPTER="claude-agent-sdk" needs ${CLAUDE_AGENT_SDK}, which is not installed. Build the image ` +
          `with it in RUNTIME_PEERS (the default), or set AGENT_ADAPTER=http.`,
      },
    ]);
  }
  const sdk = await import("weakincentives/adapters/claude-agent-sdk");
  const { description, ...adapterOptions } = claudeAdapterOptions(config, env, sdk);
  return { adapter: new sdk.ClaudeAgentSDKAdapter(adapterOptions), description };
}

/**
 * Choose the adapter. `env` supplies the backend switches (`CLAUDE_CODE_USE_BEDROCK`,
 * `AWS_REGION`) and tells whether `AGENT_MODEL` was set explicitly.
 *
 * @throws ConfigError when no model is configured, or Bedrock (or Claude Code) is selected but
 *   its SDK is not installed — at start-up, not on the first request.
 */
export async function productionModel(
  config: ModelConfig,
  env: BackendEnv,
  options: ProductionModelOptions = {},
): Promise<ProductionModel> {
  if (config.adapter === "claude-agent-sdk") return claudeAgentModel(config, env, options);
  const backend = resolveAnthropicBackend(env);
  if (backend.kind === "bedrock") {
    if (!(options.canImport ?? resolvable)(BEDROCK_SDK)) {
      throw new ConfigError([
        {
          variable: "CLAUDE_CODE_USE_BEDROCK",
          problem: "invalid",
          value: '"1"',
          message:
            `CLAUDE_CODE_USE_BEDROCK="1" selects Bedrock, but ${BEDROCK_SDK} is not installed. Build the image ` +
            `with --build-arg EXTRA_PACKAGES=${BEDROCK_SDK}@<version>, or unset CLAUDE_CODE_USE_BEDROCK.`,
        },
      ]);
    }
    // AGENT_MODEL defaults to the Anthropic API name; Bedrock wants the inference-profile id.
    const model = toBedrockModelId(config.model);
    return {
      adapter: new AnthropicAdapter({ model, maxTurns: config.maxTurns, env }),
      description: `Claude on Bedrock (${backend.region}), ${model}`,
    };
  }
  if (config.anthropicApiKey) {
    return {
      adapter: new AnthropicAdapter({
        model: config.model,
        maxTurns: config.maxTurns,
        bedrock: false,
        env,
        clientOptions: { apiKey: config.anthropicApiKey.reveal() },
      }),
      description: `Anthropic API, ${config.model}`,
    };
  }
  if (config.openaiApiKey) {
    const model = env.AGENT_MODEL?.trim() ? config.model : DEFAULT_OPENAI_MODEL;
    return {
      adapter: new OpenAIAdapter({
        model,
        maxTurns: config.maxTurns,
        clientOptions: { apiKey: config.openaiApiKey.reveal() },
      }),
      description: `OpenAI, ${model}`,
    };
  }
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
