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
export { type Confinement, type ConfinementInputs, confinement } from "./confinement.js";
export {
  BEDROCK_ENV,
  buildChildEnv,
  type ChildEnvInputs,
  CREDENTIAL_ENV,
  commandHiddenEnv,
  IsolationConfig,
  type IsolationConfigOptions,
  NetworkPolicy,
  type SandboxConfig,
  SECRET_ENV,
  SENSITIVE_READ_PATHS,
  SYSTEM_READ_PATHS,
} from "./isolation.js";
export { type SandboxSelfTest, type SandboxSelfTestOptions, sandboxSelfTest } from "./self-test.js";
