/**
 * The model the deployed worker talks to, chosen from the environment. Unlike the example's
 * `chooseModel`, there is no offline fallback: a production worker without a model would accept
 * requests only to fail every one of them, so it refuses to start instead.
 *
 * Order: Claude on Bedrock (`CLAUDE_CODE_USE_BEDROCK=1` and `AWS_REGION`), then the Anthropic API
 * (`ANTHROPIC_API_KEY` or `ANTHROPIC_API_KEY_FILE`), then OpenAI (`OPENAI_API_KEY` or `…_FILE`).
 *
 * @example
 * ```ts
 * const model = productionModel(AgentConfig.fromEnv(), process.env);
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
import { OpenAIAdapter } from "weakincentives/adapters/openai";
import { type AgentConfig, ConfigError } from "weakincentives/config";

/** The package `AnthropicAdapter` loads for Bedrock; the image has it only when built with it. */
export const BEDROCK_SDK = "@anthropic-ai/bedrock-sdk";

/** OpenAI model used when `AGENT_MODEL` is unset (its default names a Claude model). */
export const DEFAULT_OPENAI_MODEL = "gpt-4.1-mini";

/** The settings {@link productionModel} reads. */
export type ModelConfig = Pick<AgentConfig, "model" | "maxTurns" | "anthropicApiKey" | "openaiApiKey">;

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
 * Choose the adapter. `env` supplies the backend switches (`CLAUDE_CODE_USE_BEDROCK`,
 * `AWS_REGION`) and tells whether `AGENT_MODEL` was set explicitly.
 *
 * @throws ConfigError when no model is configured, or Bedrock is selected but its SDK is not
 *   installed — at start-up, not on the first request.
 */
export function productionModel(
  config: ModelConfig,
  env: BackendEnv,
  options: ProductionModelOptions = {},
): ProductionModel {
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
