/**
 * The Claude Agent SDK adapter (`weakincentives/adapters/claude-agent-sdk`). Requires the optional
 * peer dependency `@anthropic-ai/claude-agent-sdk`.
 */

export {
  ClaudeAgentSDKAdapter,
  type ClaudeAgentSDKAdapterOptions,
  MCP_SERVER_NAME,
  STRUCTURED_OUTPUT_TOOL,
} from "./adapter.js";
export {
  BEDROCK_ENV,
  buildChildEnv,
  type ChildEnvInputs,
  IsolationConfig,
  type IsolationConfigOptions,
  NetworkPolicy,
  type SandboxConfig,
} from "./isolation.js";
