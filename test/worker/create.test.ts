/**
 * `createWorker` in process: one AgentConfig and an agent's loops become MainLoops on their queues
 * with dead-letter queues, under one LoopGroup; and the checks on loops and modules.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { AgentConfig, ConfigError } from "../../src/config/index.js";
import { isWinkError } from "../../src/errors.js";
import { defineEvaluation, fail, pass } from "../../src/evals/index.js";
import { Prompt } from "../../src/prompt/index.js";
import { InMemoryMailbox, type MainLoopResult } from "../../src/runtime/index.js";
import { InProcessAdapter, InProcessModel } from "../../src/testing/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/model-server/index.js";
import { type AgentLoop, agentLoopsOf, createWorker, defineLoop } from "../../src/worker/index.js";
import { type Answer, type AnswerT, Question, template, uniqueName } from "../runtime/main-loop/fixtures.js";

const adapter = () =>
  new InProcessAdapter(new InProcessModel([{ text: '{"answer": "42"}' }], { repeat: true }));

const config = (env: Record<string, string> = {}) =>
  AgentConfig.fromEnv(
    { HEALTH_PORT: "0", WAIT_TIME_SECONDS: "0", MAX_PROCESSING_SECONDS: "30", ...env },
    { calibration: "off" },
  );

const qa = defineLoop({
  name: "qa",
  requestSchema: Question,
  prepare: (request) => new Prompt(template).bind({ question: request }),
});

function winkErrorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isWinkError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a WinkError");
}

describe("defineLoop", () => {
  it("infers the request type from the schema and the output from the prompt", () => {
    expectTypeOf(qa).toEqualTypeOf<AgentLoop<{ question: string }, z.infer<typeof Answer>>>();
  });
});

describe("createWorker", () => {
  it("writes debug bundles under DEBUG_BUNDLE_PATH with the DEBUG_BUNDLE_MAX_* retention", async () => {
    const target = await mkdtemp(join(tmpdir(), "wink-worker-bundles-"));
    try {
      const worker = await createWorker({
        config: config({
          WINK_MAILBOX: `memory://${uniqueName("bundled")}`,
          DEBUG_BUNDLE_PATH: target,
          DEBUG_BUNDLE_MAX_COUNT: "2",
          DEBUG_BUNDLE_MAX_AGE_SECONDS: "3600",
        }),
        loops: [qa],
        adapter: adapter(),
        installSignals: false,
      });
      expect(worker.loops[0]?.loop.config.debugBundle).toEqual({
        target,
        retention: { maxBundles: 2, maxAgeSeconds: 3600 },
      });
      const replies = new InMemoryMailbox<MainLoopResult<unknown>>({ name: uniqueName("replies") });
      const running = worker.run();
      await worker.group.whenStarted();
      for (const id of ["r-1", "r-2", "r-3"]) {
        await worker.loops[0]?.requests.send(
          { request: { question: id }, requestId: id },
          { replyTo: replies },
        );
      }
      const received: unknown[] = [];
      while (received.length < 3)
        received.push(...(await replies.receive({ waitTimeSeconds: 5, maxMessages: 3 })));
      await worker.group.shutdown();
      await running;
      expect(await readdir(target)).toHaveLength(2);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  it("serves each loop from its queue with a DLQ, answering with typed replies, budgets and deadlines from the config", async () => {
    const url = `memory://${uniqueName("questions")}`;
    const second = defineLoop({ ...qa, name: "qa-2", queue: uniqueName("other") });
    const worker = await createWorker({
      config: config({ WINK_MAILBOX: url, AGENT_MAX_TOTAL_TOKENS: "777" }),
      loops: [qa, second],
      adapter: adapter(),
      installSignals: false,
    });
    expect(worker.loops.map((l) => [l.loop.name, l.requests.name, l.deadLetters?.name])).toEqual([
      ["qa", url.slice("memory://".length), `${url.slice("memory://".length)}-dlq`],
      ["qa-2", second.queue, `${second.queue}-dlq`],
    ]);
    expect(worker.loops[0]?.loop.config).toMatchObject({
      deadlineSeconds: 30,
      budget: { maxTotalTokens: 777 },
      concurrency: 1,
      dispatcher: worker.dispatcher,
    });
    expect(worker.loops[0]?.loop.config.dlq).toBeDefined();
    expect(worker.loops[0]?.loop.config.debugBundle).toBeUndefined();

    const replies = new InMemoryMailbox<MainLoopResult<unknown>>({ name: uniqueName("replies") });
    const running = worker.run();
    await worker.group.whenStarted();
    await worker.loops[1]?.requests.send(
      { request: { question: "q" }, requestId: "r-2" },
      { replyTo: replies },
    );
    const [reply] = await replies.receive({ waitTimeSeconds: 5 });
    expect(reply?.body).toMatchObject({ requestId: "r-2", success: true, output: { answer: "42" } });
    await worker.group.shutdown();
    await running;
  });

  it("with an evaluation, serves only the evaluated loop, as an EvalLoop on WINK_MAILBOX's queue", async () => {
    const url = `memory://${uniqueName("evals")}`;
    const production = defineLoop({ ...qa, queue: uniqueName("production") });
    const worker = await createWorker({
      config: config({ WINK_MAILBOX: url }),
      loops: [production],
      adapter: adapter(),
      installSignals: false,
      // Concretely typed, as an agent module writes it: this must compile (the evaluator's
      // parameters are checked bivariantly against the option's unknown ones).
      evaluation: defineEvaluation({
        expected: z.string(),
        evaluator: (output: AnswerT, expected: string) =>
          output.answer === expected ? pass("right") : fail("wrong"),
      }),
    });
    expect(worker.loops.map((l) => [l.loop.constructor.name, l.requests.name])).toEqual([
      ["EvalLoop", url.slice("memory://".length)],
    ]);
    await worker.close();
  });

  it("enforces AGENT_MAX_BUDGET_USD on the Anthropic adapter and replies with usage and cost", async () => {
    const model = await ScriptedModelServer.start();
    try {
      const worker = await createWorker({
        config: config({
          WINK_MAILBOX: `memory://${uniqueName("dollars")}`,
          ANTHROPIC_API_KEY: "sk-ant-api03-dollartest0123456789",
          ANTHROPIC_BASE_URL: model.anthropicBaseUrl,
          AGENT_MAX_BUDGET_USD: "0.01",
        }),
        loops: [qa],
        installSignals: false,
      });
      expect(worker.loops[0]?.loop.config.budget).toMatchObject({ maxUsd: 0.01 });
      // claude-sonnet-4-6 at $3/$15 per million: turn 1 costs $0.0045 (4,500 input tokens), a
      // second such turn $0.009 in all, and the third crosses $0.01.
      const lookup = { name: "lookup", arguments: { id: "x" } };
      model.enqueue(
        turn.toolCalls([lookup], { usage: { inputTokens: 1_500, outputTokens: 0 } }),
        turn.toolCalls([lookup], { usage: { inputTokens: 1_500, outputTokens: 0 } }),
        turn.toolCalls([lookup], { usage: { inputTokens: 1_500, outputTokens: 0 } }),
        turn.toolCalls([lookup], { usage: { inputTokens: 1_500, outputTokens: 0 } }),
      );
      const replies = new InMemoryMailbox<MainLoopResult<unknown>>({ name: uniqueName("replies") });
      const running = worker.run();
      await worker.group.whenStarted();
      await worker.loops[0]?.requests.send(
        { request: { question: "q" }, requestId: "usd-1" },
        { replyTo: replies },
      );
      const [reply] = await replies.receive({ waitTimeSeconds: 10 });
      await worker.group.shutdown();
      await running;
      expect(reply?.body).toMatchObject({
        requestId: "usd-1",
        success: false,
        error: { type: "BudgetExceededError", code: "budget_exceeded" },
        usage: { inputTokens: 4_500 },
      });
      expect(reply?.body.costUsd).toBeCloseTo(0.0135, 10);
      expect(model.requests).toHaveLength(3);
    } finally {
      await model.close();
    }
  });

  it("refuses an AGENT_MAX_BUDGET_USD it cannot enforce: a model with no price", async () => {
    const error = await createWorker({
      config: config({
        WINK_MAILBOX: `memory://${uniqueName("unpriced")}`,
        ANTHROPIC_API_KEY: "sk-ant-api03-dollartest0123456789",
        AGENT_MODEL: "claude-unlisted-9",
        AGENT_MAX_BUDGET_USD: "2",
      }),
      loops: [qa],
      installSignals: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const [issue] = (error as ConfigError).issues;
    expect(issue?.variable).toBe("AGENT_MAX_BUDGET_USD");
    expect(issue?.message).toContain('no price is known for model "claude-unlisted-9"');
    expect(issue?.message).toContain("AGENT_PRICES_FILE");
  });

  it("takes a given requests mailbox for a one-loop worker, with an in-memory DLQ and bundles when configured", async () => {
    const requests = new InMemoryMailbox<unknown, MainLoopResult<unknown>>({ name: uniqueName("given") });
    const worker = await createWorker({
      config: config({ DEBUG_BUNDLE_PATH: "/tmp/wink-bundles" }),
      loops: [{ ...qa, config: { batchSize: 3, deadlineSeconds: 5 } }],
      adapter: adapter(),
      requests,
    });
    expect(worker.loops[0]?.requests).toBe(requests);
    expect(worker.loops[0]?.deadLetters?.name).toBe(`${requests.name}-dlq`);
    // The loop's own settings win over the worker's.
    expect(worker.loops[0]?.loop.config).toMatchObject({
      batchSize: 3,
      deadlineSeconds: 5,
      debugBundle: { target: "/tmp/wink-bundles" },
    });
    await worker.close();
  });

  it("opens no DLQ for an SQS queue (its redrive policy moves poison messages) or when told not to", async () => {
    const sqs = await createWorker({
      config: config({ WINK_MAILBOX: "sqs://127.0.0.1:9/000000000000/questions?region=us-east-1" }),
      loops: [qa],
      adapter: adapter(),
    });
    expect(sqs.loops[0]?.deadLetters).toBeUndefined();
    expect(sqs.loops[0]?.loop.config.dlq).toBeUndefined();
    await sqs.close();
    const none = await createWorker({
      config: config({ WINK_MAILBOX: `memory://${uniqueName("q")}` }),
      loops: [qa],
      adapter: adapter(),
      deadLetters: null,
    });
    expect(none.loops[0]?.deadLetters).toBeUndefined();
    await none.close();
  });

  it("refuses loops that share a queue, and one mailbox for several loops, saying what to change", async () => {
    const twins = [qa, { ...qa, name: "qa-2" }];
    await expect(
      createWorker({ config: config({ WINK_MAILBOX: "memory://q" }), loops: twins, adapter: adapter() }),
    ).rejects.toThrow(/Loops "qa", "qa-2" all serve WINK_MAILBOX's queue\. Give all but one of them a queue/);
    await expect(
      createWorker({
        config: config(),
        loops: [qa, { ...qa, name: "qa-2", queue: "b" }],
        adapter: adapter(),
        requests: new InMemoryMailbox({ name: uniqueName("x") }),
      }),
    ).rejects.toThrow(/one requests mailbox but 2 loops/);
  });

  it("needs WINK_MAILBOX when given no mailbox", async () => {
    await expect(createWorker({ config: config(), loops: [qa], adapter: adapter() })).rejects.toThrow(
      /WINK_MAILBOX is not set/,
    );
  });
});

describe("agentLoopsOf (what wink worker accepts from a module)", () => {
  it("takes the default export or `loops`, one loop or a list", () => {
    expect(agentLoopsOf({ default: qa }, "a.js").map((l) => l.name)).toEqual(["qa"]);
    expect(agentLoopsOf({ loops: [qa, { ...qa, name: "b" }] }, "a.js").map((l) => l.name)).toEqual([
      "qa",
      "b",
    ]);
  });

  it("names the module and the fix for a missing, malformed or duplicate loop", () => {
    expect(winkErrorOf(() => agentLoopsOf({}, "agent.js"))).toEqual({
      code: "invalid_config",
      message: expect.stringContaining("agent.js exports no agent loop. Export defineLoop("),
    });
    expect(winkErrorOf(() => agentLoopsOf({ default: { name: "x" } }, "agent.js")).message).toContain(
      "agent.js: loop 0 is not an agent loop (it needs a name, a zod requestSchema and a prepare function)",
    );
    expect(winkErrorOf(() => agentLoopsOf({ loops: [qa, qa] }, "agent.js")).message).toContain(
      'two loops are named "qa"',
    );
  });
});
