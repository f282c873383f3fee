import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ClaudeAgentSDKAdapter,
  type ClaudeAgentSDKAdapterOptions,
  IsolationConfig,
  NetworkPolicy,
} from "../../../src/adapters/claude-agent-sdk/index.js";
import { PromptEvaluationError } from "../../../src/adapters/errors.js";
import { Budget } from "../../../src/budget.js";
import { Deadline } from "../../../src/deadline.js";
import { BudgetExceededError, DeadlineExceededError, WinkError } from "../../../src/errors.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../../src/prompt/index.js";
import { PromptExecuted, PromptRendered, ToolInvoked } from "../../../src/runtime/events/index.js";
import { Session } from "../../../src/runtime/session/index.js";
import { ScriptedModelServer, turn } from "../../../src/testing/model-server/index.js";

const API_KEY = "sk-ant-test-child-key";

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
const HAS_BINARY = claudeBinary() !== undefined;
if (!HAS_BINARY && process.env.CI === "true") {
  throw new Error(
    "The Claude Code native binary is missing; CI must install @anthropic-ai/claude-agent-sdk with its platform package.",
  );
}
const Answer = z.object({ answer: z.string(), confidence: z.number().min(0).max(1) });

const lookup = new Tool({
  name: "lookup",
  description: "Look up an entity.",
  params: z.object({ id: z.string() }),
  result: z.object({ name: z.string() }),
  handler: ({ id }) => ToolResult.ok({ name: `entity ${id}` }),
});

function answerPrompt() {
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
const savedEnv = { ...process.env };

afterAll(() => {
  for (const name of ["ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY"]) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  script: Parameters<typeof ScriptedModelServer.start>[0],
  options: ClaudeAgentSDKAdapterOptions = {},
) {
  server = await ScriptedModelServer.start(script);
  const adapter = new ClaudeAgentSDKAdapter({
    model: "claude-test",
    env: {
      ANTHROPIC_BASE_URL: server.anthropicBaseUrl,
      ANTHROPIC_API_KEY: API_KEY,
      CLAUDE_CODE_MAX_RETRIES: "1",
    },
    isolation: IsolationConfig.create({ bedrock: false }),
    ...options,
  });
  return { server, adapter };
}

type Json = Record<string, unknown>;

function toolResults(body: unknown): Json[] {
  const messages = ((body as { messages?: Json[] }).messages ?? []) as Json[];
  return messages
    .flatMap((m) => (Array.isArray(m.content) ? (m.content as Json[]) : []))
    .filter((b) => b.type === "tool_result");
}

function resultText(block: Json | undefined): string {
  const content = block?.content;
  if (typeof content === "string") return content;
  return ((content as Json[] | undefined) ?? []).map((c) => String(c.text ?? "")).join("");
}

// Skipped locally (never under CI=true) when the SDK's native Claude Code binary is not installed.
describe.skipIf(!HAS_BINARY)("ClaudeAgentSDKAdapter with the real Claude Code binary", () => {
  beforeAll(() => {
    process.env.ANTHROPIC_API_KEY = "sk-ant-HOST-SECRET";
    process.env.AWS_SECRET_ACCESS_KEY = "HOST-AWS-SECRET";
  });

  it("runs a WINK tool over MCP, then returns StructuredOutput as typed output", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "toolu_1", name: "mcp__wink__lookup", arguments: { id: "42" } }], {
          usage: { inputTokens: 10, outputTokens: 5 },
        }),
        turn.toolCalls(
          [{ id: "toolu_2", name: "StructuredOutput", arguments: { answer: "entity 42", confidence: 0.9 } }],
          {
            usage: { inputTokens: 20, outputTokens: 7 },
          },
        ),
      ],
    });
    const session = new Session();
    const response = await adapter.evaluate(answerPrompt(), { session });

    expect(response.output).toEqual({ answer: "entity 42", confidence: 0.9 });
    expect(session.slice(ToolInvoked).latest()).toMatchObject({
      name: "lookup",
      success: true,
      callId: "toolu_1",
    });
    expect(session.slice(PromptRendered).latest()?.adapter).toBe("claude_agent_sdk");
    expect(session.slice(PromptExecuted).latest()?.usage).toEqual(response.usage);
    const second = server.requests[1];
    expect(resultText(toolResults(second?.body)[0])).toContain("entity 42");
    const tools = (((server.requests[0]?.body ?? {}) as Json).tools as Json[]).map((t) => t.name);
    expect(tools).toContain("mcp__wink__lookup");
    expect(tools).toContain("StructuredOutput");
    expect(server.requests[0]?.headers["x-api-key"]).toBe(API_KEY);
    expect(server.requests).toHaveLength(2);
    expect(response.usage.inputTokens).toBeGreaterThan(0);
  });

  it("sends invalid tool arguments back to the model as an error result", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "toolu_1", name: "mcp__wink__lookup", arguments: { id: 42 } }]),
        turn.toolCalls([
          { id: "toolu_2", name: "StructuredOutput", arguments: { answer: "unknown", confidence: 0 } },
        ]),
      ],
    });
    const response = await adapter.evaluate(answerPrompt(), { session: new Session() });
    expect(response.output).toEqual({ answer: "unknown", confidence: 0 });
    const result = toolResults(server.requests[1]?.body)[0];
    expect(result?.is_error).toBe(true);
    expect(resultText(result)).toMatch(/id/);
  });

  it("fails clearly when the agent runs out of turns", async () => {
    const { adapter } = await setup(
      {
        script: [turn.toolCalls([{ id: "toolu_1", name: "mcp__wink__lookup", arguments: { id: "1" } }])],
        policy: true,
      },
      { maxTurns: 1 },
    );
    const error = await adapter.evaluate(answerPrompt(), { session: new Session() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect((error as Error).message).toMatch(/did not finish within 1 agent turns/);
  });

  it("turns a provider 500 into a PromptEvaluationError", async () => {
    const { adapter } = await setup({ script: [turn.error(500), turn.error(500), turn.error(500)] });
    const session = new Session();
    const error = await adapter.evaluate(answerPrompt(), { session }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect((error as Error).message).toMatch(/tests\/claude-sdk/);
    expect((error as PromptEvaluationError).status).toBe(500);
    expect(session.slice(PromptExecuted).latest()).toBeUndefined();
  });

  it("aborts a hanging request at the deadline", async () => {
    const { adapter } = await setup({ script: [turn.hang()] });
    const started = Date.now();
    const error = await adapter
      .evaluate(answerPrompt(), { session: new Session(), deadline: Deadline.after(1500) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("stops with BudgetExceededError once the token budget is spent", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "toolu_1", name: "mcp__wink__lookup", arguments: { id: "1" } }], {
          usage: { inputTokens: 500, outputTokens: 500 },
        }),
        turn.text("I stop here."),
      ],
    });
    const session = new Session();
    const error = await adapter
      .evaluate(answerPrompt(), { session, budget: new Budget({ maxTotalTokens: 100 }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    // The run is aborted at the first response over budget and the PreToolUse hook denies any
    // tool that would still start, so the WINK tool never runs.
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
    expect(session.slice(ToolInvoked).all()).toHaveLength(0);
    expect(session.slice(PromptExecuted).latest()).toBeUndefined();
  });

  it("runs allowed native tools in the sandbox and records them as ToolInvoked", async () => {
    const { server, adapter } = await setup(
      {
        script: [
          turn.toolCalls([{ id: "toolu_1", name: "Bash", arguments: { command: "echo sandboxed-hello" } }]),
          turn.toolCalls([
            { id: "toolu_2", name: "StructuredOutput", arguments: { answer: "ok", confidence: 1 } },
          ]),
        ],
      },
      { nativeTools: ["Bash"] },
    );
    const session = new Session();
    const response = await adapter.evaluate(answerPrompt(), { session });
    expect(response.output).toEqual({ answer: "ok", confidence: 1 });
    expect(resultText(toolResults(server.requests[1]?.body)[0])).toContain("sandboxed-hello");
    expect(session.slice(ToolInvoked).latest()).toMatchObject({
      name: "Bash",
      success: true,
      callId: "toolu_1",
    });
  });
});

describe("native tool failures", () => {
  it("records a failed native tool as ToolInvoked with isError", async () => {
    const { adapter } = await setup(
      {
        script: [
          turn.toolCalls([{ id: "toolu_1", name: "Bash", arguments: { command: "exit 3" } }]),
          turn.toolCalls([
            { id: "toolu_2", name: "StructuredOutput", arguments: { answer: "ok", confidence: 1 } },
          ]),
        ],
      },
      { nativeTools: ["Bash"] },
    );
    const session = new Session();
    await adapter.evaluate(answerPrompt(), { session });
    expect(
      session
        .slice(ToolInvoked)
        .all()
        .find((e) => e.callId === "toolu_1"),
    ).toMatchObject({
      name: "Bash",
      success: false,
      isError: true,
    });
  });
});

describe("the child environment", () => {
  it("contains no host secrets, only explicit credentials and an ephemeral HOME", () => {
    process.env.ANTHROPIC_API_KEY = "sk-ant-HOST-SECRET";
    process.env.AWS_SECRET_ACCESS_KEY = "HOST-AWS-SECRET";
    process.env.OPENAI_API_KEY = "sk-HOST-OPENAI";
    const adapter = new ClaudeAgentSDKAdapter({
      env: { ANTHROPIC_API_KEY: API_KEY },
      isolation: IsolationConfig.create({ bedrock: false, includeHostEnv: ["TERM"] }),
    });
    const env = adapter.childEnv("/tmp/wink-home");
    expect(env.ANTHROPIC_API_KEY).toBe(API_KEY);
    expect(env.HOME).toBe("/tmp/wink-home");
    expect(env.CLAUDE_CONFIG_DIR).toBe("/tmp/wink-home/.claude");
    expect(env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC).toBe("1");
    expect(env.PATH).toBe(process.env.PATH);
    const values = Object.values(env).join("\n");
    expect(values).not.toContain("HOST-SECRET");
    expect(values).not.toContain("HOST-AWS-SECRET");
    expect(values).not.toContain("HOST-OPENAI");
    expect(Object.keys(env).filter((k) => k.startsWith("AWS_"))).toEqual([]);
  });

  it("refuses credential-like names in includeHostEnv", () => {
    expect(() => IsolationConfig.create({ includeHostEnv: ["AWS_SECRET_ACCESS_KEY"] })).toThrow(WinkError);
    expect(() => IsolationConfig.create({ includeHostEnv: ["HOME"] })).toThrow(/HOME/);
  });

  it("passes region and AWS credentials through for Bedrock", () => {
    process.env.AWS_SECRET_ACCESS_KEY = "HOST-AWS-SECRET";
    const adapter = new ClaudeAgentSDKAdapter({ isolation: IsolationConfig.forBedrock("eu-west-1") });
    const env = adapter.childEnv("/tmp/h");
    expect(env.CLAUDE_CODE_USE_BEDROCK).toBe("1");
    expect(env.AWS_REGION).toBe("eu-west-1");
    expect(env.AWS_SECRET_ACCESS_KEY).toBe("HOST-AWS-SECRET");
    expect(adapter.model).toBe("us.anthropic.claude-sonnet-4-6");
  });

  it("maps isolation onto the SDK sandbox settings", () => {
    const isolation = IsolationConfig.create({ network: NetworkPolicy.allowDomains(["pypi.org"]) });
    expect(isolation.sandboxSettings()).toEqual({
      enabled: true,
      failIfUnavailable: true,
      autoAllowBashIfSandboxed: false,
      allowUnsandboxedCommands: false,
      network: { allowedDomains: ["pypi.org"], strictAllowlist: true },
    });
    expect(IsolationConfig.create().network.allowedDomains).toEqual([]);
  });
});
