/**
 * Shared setup of the Claude Agent SDK adapter tests: what the real Claude Code binary needs to
 * run here (its native binary, bubblewrap and socat for the sandbox), a scripted model server per
 * test, and readers for the tool results Claude Code sends back to the model.
 */

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";
import { z } from "zod";
import {
  ClaudeAgentSDKAdapter,
  type ClaudeAgentSDKAdapterOptions,
  IsolationConfig,
} from "../../../src/adapters/claude-agent-sdk/index.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../../src/prompt/index.js";
import { ScriptedModelServer } from "../../../src/testing/model-server/index.js";
import { describeRequiring, requirement, systemPackages } from "../../support/system-package.js";

/** The key the adapter is given in these tests (the child needs it; its commands must not see it). */
export const API_KEY = "sk-ant-test-child-key-0123456789";

/** The SDK's native Claude Code binary (an optional dependency of the SDK, per platform). */
function claudeBinary(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve(
      `@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}/package.json`,
    );
    const binary = join(dirname(pkg), "claude");
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** What a test running the real binary with its OS sandbox needs. */
export const CLAUDE_CODE_REQUIREMENTS = [
  requirement(
    `the Claude Code native binary (@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch})`,
    claudeBinary() !== undefined,
    "npm ci (without --omit=optional)",
  ),
  // Claude Code's sandbox runs commands under bubblewrap and relays network through socat.
  systemPackages({ bubblewrap: "bwrap", socat: "socat" }),
];

/** `describe` for tests that run the real Claude Code binary (skipped, or failing under CI, without it). */
export function describeClaudeCode(name: string, body: () => void): void {
  describeRequiring(CLAUDE_CODE_REQUIREMENTS, name, body);
}

/** Structured output of {@link answerPrompt}. */
export const Answer = z.object({ answer: z.string(), confidence: z.number().min(0).max(1) });

/** A WINK tool the scripted model can call over MCP. */
export const lookup = new Tool({
  name: "lookup",
  description: "Look up an entity.",
  params: z.object({ id: z.string() }),
  result: z.object({ name: z.string() }),
  handler: ({ id }) => ToolResult.ok({ name: `entity ${id}` }),
});

/** A prompt with one WINK tool and structured output. */
export function answerPrompt() {
  const template = new PromptTemplate({
    ns: "tests",
    key: "claude-sdk",
    output: Answer,
    sections: [
      new MarkdownSection({
        key: "task",
        title: "Task",
        params: z.object({ question: z.string() }),
        template: "${question}",
        tools: [lookup],
      }),
    ],
  });
  return new Prompt(template).bind({ task: { question: "Who is 42?" } });
}

let server: ScriptedModelServer | undefined;

/** Close the test's model server after each test of the calling file. */
export function closeServersAfterEach(): void {
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
}

/** A scripted model server and an adapter pointed at it (closed by {@link closeServersAfterEach}). */
export async function setup(
  script: Parameters<typeof ScriptedModelServer.start>[0],
  options: ClaudeAgentSDKAdapterOptions = {},
) {
  server = await ScriptedModelServer.start(script);
  const adapter = new ClaudeAgentSDKAdapter({
    model: "claude-test",
    ...options,
    env: {
      ANTHROPIC_BASE_URL: server.anthropicBaseUrl,
      ANTHROPIC_API_KEY: API_KEY,
      CLAUDE_CODE_MAX_RETRIES: "1",
      ...(options.env ?? {}),
    },
    isolation: options.isolation ?? IsolationConfig.create({ bedrock: false }),
  });
  return { server, adapter };
}

type Json = Record<string, unknown>;

/** The `tool_result` blocks of one recorded Messages API request body. */
export function toolResults(body: unknown): Json[] {
  const messages = ((body as { messages?: Json[] }).messages ?? []) as Json[];
  return messages
    .flatMap((m) => (Array.isArray(m.content) ? (m.content as Json[]) : []))
    .filter((b) => b.type === "tool_result");
}

/** The text of one `tool_result` block. */
export function resultText(block: Json | undefined): string {
  const content = block?.content;
  if (typeof content === "string") return content;
  return ((content as Json[] | undefined) ?? []).map((c) => String(c.text ?? "")).join("");
}

/** The tool result sent back for the call `toolUseId`, from any later request. */
export function resultFor(requests: readonly { body: unknown }[], toolUseId: string): string {
  for (const request of requests) {
    const block = toolResults(request.body).find((b) => b.tool_use_id === toolUseId);
    if (block) return resultText(block);
  }
  return "";
}
