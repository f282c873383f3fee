/**
 * Span attribute types and the attribute names WINK sets, after the OpenTelemetry GenAI semantic
 * conventions (`gen_ai.*`, `error.type`) plus WINK's own (`wink.*`).
 */

/** One attribute value: what OpenTelemetry accepts (homogeneous arrays of primitives included). */
export type SpanAttributeValue = string | number | boolean | readonly string[] | readonly number[];

/** Attributes to set on a span; `undefined` values are skipped, so optional fields can be passed as they are. */
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue | undefined>>;

/** The OpenTelemetry span kinds, by name: `client` for model calls, `consumer` for queued requests. */
export type SpanKindName = "server" | "client" | "internal" | "consumer" | "producer";

/** Attribute names used by WINK's spans. */
export const ATTR = Object.freeze({
  /** What the span does: `chat`, `invoke_agent`, `execute_tool` (see {@link GEN_AI_OPERATION}). */
  GEN_AI_OPERATION_NAME: "gen_ai.operation.name",
  /** The model provider: `openai`, `anthropic`, `aws.bedrock` (see {@link GEN_AI_PROVIDER}). */
  GEN_AI_PROVIDER_NAME: "gen_ai.provider.name",
  /** The older name of `gen_ai.provider.name`, still read by many backends. */
  GEN_AI_SYSTEM: "gen_ai.system",
  /** The model the request asked for. */
  GEN_AI_REQUEST_MODEL: "gen_ai.request.model",
  /** The request's output token limit. */
  GEN_AI_REQUEST_MAX_TOKENS: "gen_ai.request.max_tokens",
  /** The model that answered, as the provider reports it. */
  GEN_AI_RESPONSE_MODEL: "gen_ai.response.model",
  /** The provider's id of the response. */
  GEN_AI_RESPONSE_ID: "gen_ai.response.id",
  /** Why the model stopped, one entry per choice (`stop`, `tool_calls`, `end_turn`…). */
  GEN_AI_RESPONSE_FINISH_REASONS: "gen_ai.response.finish_reasons",
  /** Input (prompt) tokens, cached ones included. */
  GEN_AI_USAGE_INPUT_TOKENS: "gen_ai.usage.input_tokens",
  /** Output (completion) tokens. */
  GEN_AI_USAGE_OUTPUT_TOKENS: "gen_ai.usage.output_tokens",
  /** The part of the input tokens read from a prompt cache. */
  GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: "gen_ai.usage.cache_read.input_tokens",
  /** The part of the input tokens written to a prompt cache. */
  GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: "gen_ai.usage.cache_creation.input_tokens",
  /** The tool's name. */
  GEN_AI_TOOL_NAME: "gen_ai.tool.name",
  /** The model's id for the tool call. */
  GEN_AI_TOOL_CALL_ID: "gen_ai.tool.call.id",
  /** The agent's name (WINK: the prompt's `ns:key`). */
  GEN_AI_AGENT_NAME: "gen_ai.agent.name",
  /** The conversation (WINK: the session id). */
  GEN_AI_CONVERSATION_ID: "gen_ai.conversation.id",
  /** The class name of the error that ended the span. */
  ERROR_TYPE: "error.type",
  /** The request id, stable across retries of one request. */
  WINK_REQUEST_ID: "wink.request_id",
  /** The MainLoop's name. */
  WINK_LOOP: "wink.loop",
  /** The prompt's `ns:key`. */
  WINK_PROMPT: "wink.prompt",
  /** The delivery attempt (1 for the first). */
  WINK_ATTEMPT: "wink.attempt",
  /** The cost in US dollars of the span's model calls. */
  WINK_COST_USD: "wink.cost_usd",
});

/** Values of `gen_ai.operation.name` that WINK's spans use; each span is named `{operation} {subject}`. */
export const GEN_AI_OPERATION = Object.freeze({
  /** A model call (`chat {model}`). */
  CHAT: "chat",
  /** A prompt evaluation (`invoke_agent {prompt}`). */
  INVOKE_AGENT: "invoke_agent",
  /** A tool call (`execute_tool {tool}`). */
  EXECUTE_TOOL: "execute_tool",
});

/** Well-known values of `gen_ai.provider.name` for the providers WINK's adapters call. */
export const GEN_AI_PROVIDER = Object.freeze({
  /** OpenAI's API. */
  OPENAI: "openai",
  /** Anthropic's API (Claude Code included). */
  ANTHROPIC: "anthropic",
  /** Anthropic models on Amazon Bedrock. */
  AWS_BEDROCK: "aws.bedrock",
});
