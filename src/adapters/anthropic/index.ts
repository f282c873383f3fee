/**
 * `weakincentives/adapters/anthropic`: run agent definitions on Claude through the Anthropic
 * Messages API, or through Amazon Bedrock when `CLAUDE_CODE_USE_BEDROCK=1` and `AWS_REGION` are
 * set (the same rule the Claude Agent SDK follows).
 *
 * `@anthropic-ai/sdk` is an optional peer dependency loaded only by this subpath; Bedrock also
 * needs `@anthropic-ai/bedrock-sdk`, loaded on first use.
 *
 * @example
 * ```ts nocheck
 * import { AnthropicAdapter } from "weakincentives/adapters/anthropic";
 *
 * const adapter = new AnthropicAdapter({ maxTokens: 2048 }); // model: Claude Sonnet 4.5
 * const response = await adapter.evaluate(prompt, { session, deadline });
 * response.output; // typed by the template's output schema
 * ```
 */

export {
  AnthropicAdapter,
  type AnthropicAdapterOptions,
  AnthropicDriver,
  DEFAULT_MAX_TOKENS,
} from "./adapter.js";
export {
  type AnthropicBackend,
  type BackendEnv,
  type BedrockOption,
  DEFAULT_ANTHROPIC_MODEL,
  DEFAULT_BEDROCK_MODEL,
  defaultAnthropicModel,
  defaultModelFor,
  resolveAnthropicBackend,
  toAnthropicModelName,
  toBedrockModelId,
} from "./backend.js";
export { minimumCacheableTokens, type PromptCaching } from "./caching.js";
export { type AnthropicClientOptions, type AnthropicMessagesClient, BEDROCK_SDK } from "./client.js";
export { FINAL_ANSWER_TOOL, type StructuredOutputMode } from "./conversation.js";
export { classifyAnthropicError, describeAnthropicError, OVERLOADED_STATUS } from "./errors.js";
