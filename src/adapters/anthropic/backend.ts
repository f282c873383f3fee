/**
 * Which Anthropic backend to talk to, and which model to ask for by default.
 *
 * Claude is served both by Anthropic's own API and by AWS Bedrock. We choose the same way the
 * Claude Agent SDK (Claude Code) does: Bedrock when `CLAUDE_CODE_USE_BEDROCK=1` and a region is
 * set, otherwise the Anthropic API. An explicit `bedrock` option overrides the environment in
 * both directions. These helpers are pure (they only read the `env` they are given) so the
 * Messages adapter and the Claude Agent SDK adapter share one decision.
 *
 * @example
 * ```ts
 * import { defaultAnthropicModel, resolveAnthropicBackend } from "weakincentives/adapters/anthropic";
 *
 * const env = { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-east-1" };
 * resolveAnthropicBackend(env); // { kind: "bedrock", region: "us-east-1" }
 * defaultAnthropicModel(env); // "us.anthropic.claude-sonnet-4-6"
 * ```
 */

import { WinkError } from "../../errors.js";

/** Default model on the Anthropic API. */
export const DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-6";

/** Default model on Bedrock: the same model under its US cross-region inference profile id. */
export const DEFAULT_BEDROCK_MODEL = "us.anthropic.claude-sonnet-4-6";

/** Where requests go. */
export type AnthropicBackend =
  | { readonly kind: "anthropic" }
  | { readonly kind: "bedrock"; readonly region: string };

/** The environment variables these helpers read; any `process.env`-like record fits. */
export type BackendEnv = Readonly<Record<string, string | undefined>>;

/**
 * How the caller asked for a backend: `true` forces Bedrock (region from the environment),
 * `{ region }` forces Bedrock in that region, `false` forces the Anthropic API, and `undefined`
 * lets the environment decide.
 */
export type BedrockOption = boolean | { readonly region?: string | undefined } | undefined;

/**
 * Decide between the Anthropic API and Bedrock.
 *
 * - `bedrock: false` → Anthropic API, whatever the environment says.
 * - `bedrock: true | { region? }` → Bedrock; the region is `region`, else `AWS_REGION`, else
 *   `AWS_DEFAULT_REGION`, and its absence is an error naming those variables.
 * - no option → Bedrock only when `CLAUDE_CODE_USE_BEDROCK` is `"1"` **and** a region is set
 *   (the rule Claude Code applies); otherwise the Anthropic API.
 *
 * @throws WinkError (`invalid_config`) when Bedrock is forced and no region is known.
 */
export function resolveAnthropicBackend(
  env: BackendEnv = process.env,
  bedrock?: BedrockOption,
): AnthropicBackend {
  if (bedrock === false) return { kind: "anthropic" };
  const envRegion = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (bedrock === undefined) {
    return env.CLAUDE_CODE_USE_BEDROCK === "1" && envRegion
      ? { kind: "bedrock", region: envRegion }
      : { kind: "anthropic" };
  }
  const region = (bedrock === true ? undefined : nonEmpty(bedrock.region)) ?? envRegion;
  if (!region) {
    throw new WinkError(
      "invalid_config",
      'Bedrock was requested but no AWS region is set. Set AWS_REGION (or AWS_DEFAULT_REGION), or pass bedrock: { region: "us-east-1" }.',
      { details: { missing: "AWS_REGION" } },
    );
  }
  return { kind: "bedrock", region };
}

/** The default model id for a backend. */
export function defaultModelFor(backend: AnthropicBackend): string {
  return backend.kind === "bedrock" ? DEFAULT_BEDROCK_MODEL : DEFAULT_ANTHROPIC_MODEL;
}

/**
 * The default model id for the backend the environment selects: the Bedrock id of Claude Sonnet
 * 4.5 when Bedrock is configured, its Anthropic API name otherwise.
 */
export function defaultAnthropicModel(env: BackendEnv = process.env): string {
  return defaultModelFor(resolveAnthropicBackend(env));
}

const BEDROCK_ID = /^(?:(?<geo>[a-z]{2,6})\.)?anthropic\.(?<name>.+?)(?:-v\d+(?::\d+)?)?$/;

/**
 * Translate an Anthropic API model name into a Bedrock inference-profile id: dated models get
 * the `-v1:0` version suffix (`claude-sonnet-4-5-20250929` →
 * `us.anthropic.claude-sonnet-4-5-20250929-v1:0`), undated ones do not (`claude-sonnet-4-6` →
 * `us.anthropic.claude-sonnet-4-6`). Ids that already look like Bedrock ids are returned unchanged.
 */
export function toBedrockModelId(model: string, geo = "us"): string {
  if (model.includes("anthropic.")) return model;
  return /-\d{8}$/.test(model) ? `${geo}.anthropic.${model}-v1:0` : `${geo}.anthropic.${model}`;
}

/**
 * Translate a Bedrock model id back into its Anthropic API name
 * (`us.anthropic.claude-sonnet-4-5-20250929-v1:0` → `claude-sonnet-4-5-20250929`).
 * Anything else is returned unchanged.
 */
export function toAnthropicModelName(model: string): string {
  return BEDROCK_ID.exec(model)?.groups?.name ?? model;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
