import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ClaudeAgentSDKAdapter,
  IsolationConfig,
  NetworkPolicy,
} from "../../../src/adapters/claude-agent-sdk/index.js";
import { PromptEvaluationError, ThrottleError } from "../../../src/adapters/errors.js";
import { Budget } from "../../../src/budget.js";
import { Deadline } from "../../../src/deadline.js";
import { BudgetExceededError, DeadlineExceededError, WinkError } from "../../../src/errors.js";
import { PromptExecuted, PromptRendered, ToolInvoked } from "../../../src/events/index.js";
import { collectLogs } from "../../../src/logging/index.js";
import { Session } from "../../../src/session/index.js";
import { turn } from "../../../src/testing/model-server/index.js";
import {
  API_KEY,
  answerPrompt,
  closeServersAfterEach,
  describeClaudeCode,
  resultText,
  setup,
  toolResults,
} from "./support.js";

const savedEnv = { ...process.env };

afterAll(() => {
  for (const name of ["ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY"]) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

type Json = Record<string, unknown>;

closeServersAfterEach();

describeClaudeCode("ClaudeAgentSDKAdapter with the real Claude Code binary", () => {
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
    const turns = collectLogs({ field: "sessionId", value: session.sessionId });
    const response = await adapter.evaluate(answerPrompt(), { session });
    turns.stop();

    expect(response.output).toEqual({ answer: "entity 42", confidence: 0.9 });
    // Claude Code's model turns are logged like the HTTP loop's (a bundle's transcript).
    const answers = turns.records.filter((r) => r.event === "provider.response");
    expect(answers[0]?.context).toMatchObject({
      latencyMs: expect.any(Number),
      toolCalls: [{ id: "toolu_1", name: "mcp__wink__lookup", arguments: { id: "42" } }],
    });
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
    // The tool's own JSON Schema is advertised (the executor, not the MCP server, validates).
    const lookupTool = (((server.requests[0]?.body ?? {}) as Json).tools as Json[]).find(
      (t) => t.name === "mcp__wink__lookup",
    );
    expect(lookupTool?.input_schema).toMatchObject({
      type: "object",
      properties: { id: { type: "string" } },
      required: ["id"],
      additionalProperties: false,
    });
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

  it("turns a provider 400 into a PromptEvaluationError", async () => {
    const { adapter } = await setup({ script: Array.from({ length: 10 }, () => turn.error(400)) });
    const session = new Session();
    const error = await adapter.evaluate(answerPrompt(), { session }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect((error as Error).message).toMatch(/tests\/claude-sdk/);
    expect((error as PromptEvaluationError).status).toBe(400);
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

  it("stops with the request's BudgetExceededError (usd) when its dollar budget runs out", async () => {
    // Claude Code prices the run itself and stops at maxBudgetUsd, which the adapter sets to
    // what the request's budget has left: the error must be the budget's, as on every adapter.
    const { adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "toolu_1", name: "mcp__wink__lookup", arguments: { id: "1" } }], {
          usage: { inputTokens: 10, outputTokens: 2_000_000 },
        }),
        turn.text("I stop here."),
      ],
    });
    const error = await adapter
      .evaluate(answerPrompt(), { session: new Session(), budget: new Budget({ maxUsd: 0.01 }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).dimension).toBe("usd");
  });

  it("names the adapter's maxBudgetUsd when that is the limit Claude Code hit", async () => {
    const { adapter } = await setup(
      {
        script: [
          turn.toolCalls([{ id: "toolu_1", name: "mcp__wink__lookup", arguments: { id: "1" } }], {
            usage: { inputTokens: 10, outputTokens: 2_000_000 },
          }),
          turn.text("I stop here."),
        ],
      },
      { maxBudgetUsd: 0.01 },
    );
    const error = await adapter.evaluate(answerPrompt(), { session: new Session() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect(error).toMatchObject({ phase: "budget" });
    expect((error as Error).message).toMatch(/exceeded the adapter's maxBudgetUsd .* Raise maxBudgetUsd/);
  });

  it("fails with a ThrottleError when the API stays overloaded through Claude Code's retries", async () => {
    const { adapter } = await setup({
      script: [turn.error(529), turn.error(529), turn.error(529), turn.error(529)],
    });
    const error = await adapter.evaluate(answerPrompt(), { session: new Session() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottleError);
    expect(error).toMatchObject({ kind: "server_error", status: 529 });
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

describeClaudeCode("native tool failures", () => {
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

  it("gives the child a TMPDIR of the evaluation's own, not the host's", () => {
    const adapter = new ClaudeAgentSDKAdapter({ isolation: IsolationConfig.create({ bedrock: false }) });
    expect(adapter.childEnv("/tmp/e/home", "/tmp/e/tmp").TMPDIR).toBe("/tmp/e/tmp");
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
