/**
 * The adapter behaviour matrix: every bundled adapter runs the adapter conformance suite against
 * the scripted model server — the OpenAI adapter on Chat Completions and on Responses and the
 * Anthropic adapter through their real SDK clients, the Claude Agent SDK adapter through the real
 * Claude Code binary.
 */
import { describe, it } from "vitest";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { ClaudeAgentSDKAdapter, IsolationConfig } from "../../src/adapters/claude-agent-sdk/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { ProviderAdapter } from "../../src/adapters/types.js";
import {
  type AdapterConformanceFactory,
  adapterConformanceCases,
  adapterDialects,
  ScriptedModelServer,
} from "../../src/testing/index.js";
import { API_KEY, describeClaudeCode } from "./claude-agent-sdk/support.js";

/** A key unlike any text the cases look for: registered keys are redacted from messages. */
const KEY = "sk-conformance-key-000000";

function factory(
  dialect: AdapterConformanceFactory["dialect"],
  adapter: (server: ScriptedModelServer) => ProviderAdapter,
  extra: Partial<AdapterConformanceFactory> = {},
): AdapterConformanceFactory {
  return {
    dialect,
    ...extra,
    start: async (script) => {
      const server = await ScriptedModelServer.start({ script });
      return { adapter: adapter(server), server, close: () => server.close() };
    },
  };
}

/** Register the cases with vitest. */
function hostCases(f: AdapterConformanceFactory, timeoutMs: number): void {
  for (const c of adapterConformanceCases(f)) {
    if (c.skip) it.skip(c.name, c.run);
    else it(c.name, c.run, timeoutMs);
  }
}

function host(name: string, f: AdapterConformanceFactory): void {
  describe(name, () => hostCases(f, 10_000));
}

/**
 * Claude Code validates MCP tool input against the tool's zod shape before the WINK handler runs
 * (`MCP error -32602: Input validation error: …`), so the executor never sees the call: no
 * `ToolInvoked` for it, and the call id queued by `PreToolUse` is never taken, so every later
 * call of that tool is recorded under the previous call's id. Everything the model sees is right.
 */

host(
  "OpenAIAdapter (Chat Completions) passes the adapter conformance suite",
  factory(
    adapterDialects.openai,
    (s) =>
      new OpenAIAdapter({
        model: "gpt-test",
        api: "chat",
        clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
      }),
  ),
);

host(
  "OpenAIAdapter (Responses) passes the adapter conformance suite",
  factory(
    adapterDialects.openai,
    (s) =>
      new OpenAIAdapter({
        model: "gpt-test",
        api: "responses",
        clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
      }),
  ),
);

host(
  "AnthropicAdapter passes the adapter conformance suite",
  factory(
    adapterDialects.anthropic,
    (s) =>
      new AnthropicAdapter({
        model: "claude-test",
        // Keeps a developer's CLAUDE_CODE_USE_BEDROCK from switching the backend.
        env: {},
        clientOptions: { apiKey: KEY, baseURL: s.anthropicBaseUrl },
      }),
  ),
);

describeClaudeCode("ClaudeAgentSDKAdapter (real Claude Code) passes the adapter conformance suite", () => {
  const claudeCode = factory(
    adapterDialects.claudeCode,
    (s) =>
      new ClaudeAgentSDKAdapter({
        model: "claude-test",
        env: {
          ANTHROPIC_BASE_URL: s.anthropicBaseUrl,
          ANTHROPIC_API_KEY: API_KEY,
          CLAUDE_CODE_MAX_RETRIES: "1",
        },
        isolation: IsolationConfig.create({ bedrock: false }),
      }),
    // Claude Code is a process: allow it time to start before its first request.
    { startupMs: 2_000 },
  );
  hostCases(claudeCode, 30_000);
});
