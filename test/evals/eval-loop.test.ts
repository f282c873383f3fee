import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { FakeClock } from "../../src/clock.js";
import { Deadline } from "../../src/deadline.js";
import { DebugBundle } from "../../src/debug/index.js";
import {
  allOf,
  Dataset,
  EvalLoop,
  type EvalResult,
  exactMatch,
  runExperiments,
  select,
  submitDataset,
  toolCalled,
} from "../../src/evals/index.js";
import { BASELINE, experiment } from "../../src/experiment.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../src/prompt/index.js";
import { LocalPromptOverridesStore } from "../../src/prompt/overrides/index.js";
import { Tool, ToolResult } from "../../src/prompt/tool.js";
import { InMemoryMailbox, type Mailbox, type MainLoopResult, type Message } from "../../src/runtime/index.js";
import { InProcessAdapter, type InProcessHistory, InProcessModel } from "../../src/testing/index.js";

const Input = z.object({ word: z.string() });
const Output = z.object({ answer: z.string() });

/** Upper-cases the word; the "strict" text asks for a trailing "!". */
function agentFor(store: LocalPromptOverridesStore) {
  const template = new PromptTemplate({
    ns: "tests/evals",
    key: "shout",
    output: Output,
    sections: [
      new MarkdownSection({ key: "guide", title: "Guide", template: "Answer with the word in capitals." }),
      new MarkdownSection({ key: "request", title: "Request", params: Input, template: "Word: ${word}" }),
    ],
  });
  const seeded = store.seed(template, "strict");
  const guide = seeded.sections.guide;
  if (guide)
    store.store(template, { ...guide, body: "Answer with the word in capitals, then '!'." }, "strict");
  return {
    requestSchema: Input,
    prepare: (request: z.infer<typeof Input>, context: { experiment?: { overridesTag?: string } }) =>
      new Prompt(template, { overridesStore: store, overridesTag: context.experiment?.overridesTag }).bind({
        request,
      }),
  };
}

/** A model that reads the prompt: "fail" words make it throw, "!" rules add a "!". */
function model(): InProcessModel {
  return new InProcessModel(
    [
      (history: InProcessHistory) => {
        const word = /Word: (\S+)/.exec(history.rendered.text)?.[1] ?? "";
        if (word === "boom") throw new Error("the model fell over");
        const bang = history.rendered.text.includes("then '!'") ? "!" : "";
        return { text: JSON.stringify({ answer: `${word.toUpperCase()}${bang}` }) };
      },
    ],
    { repeat: true },
  );
}

const dataset = new Dataset(
  [
    { id: "a", input: { word: "hi" }, expected: "HI!" },
    { id: "b", input: { word: "yo" }, expected: "YO" },
    { id: "c", input: { word: "boom" }, expected: "BOOM" },
  ],
  "shouts",
);

const evaluator = select<{ answer: string }, string, string, string>(
  { output: (output) => output.answer, expected: (expected) => expected },
  exactMatch<string>(),
);

/** Answer the trial `message` carries as an EvalLoop would, passing or failing. */
function answerTrial(
  message: Message<unknown, MainLoopResult<EvalResult<unknown>>> | undefined,
  passed: boolean,
) {
  const body = message?.body as { requestId: string; request: { sample: { id: string }; trial: number } };
  return message?.reply({
    requestId: body.requestId,
    success: true,
    runId: "x",
    attempt: 1,
    completedAt: new Date(0).toISOString(),
    output: {
      sampleId: body.request.sample.id,
      trial: body.request.trial,
      score: { value: passed ? 1 : 0, passed, reason: passed ? "ok" : "no" },
      latencyMs: 5,
    },
  });
}

describe("EvalLoop and runExperiments", () => {
  const dirs: string[] = [];
  const store = (): LocalPromptOverridesStore => {
    const dir = mkdtempSync(join(tmpdir(), "wink-evals-"));
    dirs.push(dir);
    return new LocalPromptOverridesStore({ rootPath: dir });
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("runs a baseline and a variant through the queue and compares them", async () => {
    const progress: string[] = [];
    const report = await runExperiments(dataset, {
      adapter: new InProcessAdapter(model()),
      agent: agentFor(store()),
      expected: z.string(),
      evaluator,
      experiments: [BASELINE, experiment("strict", { overridesTag: "strict" })],
      trials: 2,
      concurrency: 3,
      onResult: (_result, done, total) => progress.push(`${done}/${total}`),
    });
    expect(progress).toHaveLength(12);
    expect(progress.at(-1)).toBe("12/12");
    expect(report.dataset).toBe("shouts");
    expect(report.trials).toBe(2);
    const [baseline, strict] = report.runs;
    expect(baseline?.experiment.name).toBe("baseline");
    expect(baseline?.report.results.map((r) => `${r.sampleId}${r.trial}:${r.score.passed}`)).toEqual([
      "a0:false",
      "a1:false",
      "b0:true",
      "b1:true",
      "c0:false",
      "c1:false",
    ]);
    expect(strict?.report.summary).toMatchObject({ results: 6, passed: 2, errors: 2 });
    expect(strict?.report.results.every((r) => r.experiment === "strict")).toBe(true);
    const failed = strict?.report.results.find((r) => r.sampleId === "c");
    expect(failed?.agentError).toContain("the model fell over");
    const comparison = report.comparisons[0];
    expect(comparison).toMatchObject({ baselineName: "baseline", variantName: "strict", passRateDelta: 0 });
    expect(comparison?.samples.map((s) => `${s.sampleId}:${s.change}`)).toEqual([
      "b:regressed",
      "a:improved",
      "c:same",
    ]);
  });

  it("gives evaluators the session's tool calls, and writes a bundle per trial", async () => {
    const bundles = mkdtempSync(join(tmpdir(), "wink-eval-bundles-"));
    dirs.push(bundles);
    const lookup = new Tool({
      name: "lookup",
      description: "Look a word up.",
      params: z.object({ word: z.string() }),
      handler: (params) => ToolResult.ok(undefined, `found ${params.word}`),
    });
    const template = new PromptTemplate({
      ns: "tests/evals",
      key: "tools",
      output: Output,
      sections: [
        new MarkdownSection({
          key: "request",
          title: "Request",
          params: Input,
          template: "Word: ${word}",
          tools: [lookup],
        }),
      ],
    });
    const tooling = new InProcessModel(
      [
        (history: InProcessHistory) =>
          history.requestCount === 1
            ? { toolCalls: [{ name: "lookup", arguments: { word: "x" } }] }
            : { text: JSON.stringify({ answer: "X" }) },
      ],
      { repeat: true },
    );
    const report = await runExperiments(
      new Dataset([{ id: "t", input: { word: "x" }, expected: "X" }], "tools"),
      {
        adapter: new InProcessAdapter(tooling),
        agent: { requestSchema: Input, prepare: (request) => new Prompt(template).bind({ request }) },
        expected: z.string(),
        evaluator: allOf(evaluator, toolCalled("lookup")),
        config: { debugBundle: { target: bundles } },
      },
    );
    const result = report.runs[0]?.report.results[0];
    expect(result?.score.passed).toBe(true);
    const bundle = result?.bundlePath ?? "";
    expect(existsSync(join(bundle, "manifest.json"))).toBe(true);
    const output = JSON.parse(
      readFileSync(join(bundle, "request", "output.json"), "utf8"),
    ) as EvalResult<unknown>;
    expect(output.score.passed).toBe(true);
  });

  it("keeps a failed trial's error in its bundle beside the scored result", async () => {
    const bundles = mkdtempSync(join(tmpdir(), "wink-eval-bundles-"));
    dirs.push(bundles);
    const report = await runExperiments(
      new Dataset([{ id: "c", input: { word: "boom" }, expected: "BOOM" }]),
      {
        adapter: new InProcessAdapter(model()),
        agent: agentFor(store()),
        expected: z.string(),
        evaluator,
        config: { debugBundle: { target: bundles } },
      },
    );
    const result = report.runs[0]?.report.results[0];
    expect(result?.agentError).toContain("the model fell over");
    const bundle = await DebugBundle.load(result?.bundlePath ?? "");
    expect(bundle.manifest.status).toBe("error");
    expect(bundle.error).toMatchObject({ message: expect.stringContaining("the model fell over") });
    expect(bundle.output).toMatchObject({ sampleId: "c", score: { passed: false } });
  });

  it("submitDataset keeps the first answer of a redelivered trial and fails the unanswered at the timeout", async () => {
    const clock = new FakeClock();
    const requests = new InMemoryMailbox<unknown, MainLoopResult<EvalResult<unknown>>>({
      name: "eval-requests",
      clock,
    });
    const replies = new InMemoryMailbox<unknown>({ name: "eval-replies", clock });
    let finished = false;
    const collecting = submitDataset(dataset, { requests, replies, runId: "r1", timeoutSeconds: 30, clock });
    void collecting.finally(() => {
      finished = true;
    });
    await vi.waitFor(async () => expect(await requests.approximateCount()).toBe(3));
    const [first, second] = await requests.receive({ maxMessages: 2 });
    // Each trial carries the run's timeout as its deadline, so workers stop spending after it.
    expect((first?.body as { deadline?: string } | undefined)?.deadline).toBe(
      new Date(clock.epochMs() + 30_000).toISOString(),
    );
    await answerTrial(first, true);
    await answerTrial(first, false); // a redelivery answering again: ignored
    await answerTrial(second, false);
    // Another run's reply stays on the queue for its own collector.
    await replies.send({ requestId: "r2:baseline:a:0", success: true });
    await vi.waitFor(async () => expect(await replies.approximateCount()).toBe(1));
    // Nothing answers the third trial: the run ends at its timeout (on the fake clock).
    while (!finished) await clock.tick(5_000);
    const report = await collecting;
    const results = report.runs[0]?.report.results ?? [];
    expect(results.map((r) => `${r.sampleId}:${r.score.passed}`)).toEqual(["a:true", "b:false", "c:false"]);
    expect(results[2]?.score.reason).toBe("The trial failed: no result within 30 s");
    expect(await replies.approximateCount()).toBe(1);
  });

  it("runs an experiment on its own adapter when adapterFor gives one", async () => {
    const quiet = new InProcessModel([{ text: JSON.stringify({ answer: "quiet" }) }], { repeat: true });
    const asked: string[] = [];
    const report = await runExperiments(dataset, {
      adapter: new InProcessAdapter(model()),
      adapterFor: (each) => {
        asked.push(each.name);
        return each.name === "other-model" ? new InProcessAdapter(quiet) : undefined;
      },
      agent: agentFor(store()),
      expected: z.string(),
      evaluator,
      experiments: [BASELINE, experiment("other-model")],
      concurrency: 2,
    });
    expect(report.runs.map((each) => each.report.summary.passed)).toEqual([1, 0]);
    expect(report.runs[1]?.report.results.map((r) => (r.output as { answer: string }).answer)).toEqual([
      "quiet",
      "quiet",
      "quiet",
    ]);
    expect([...new Set(asked)].sort()).toEqual(["baseline", "other-model"]);
    expect(asked).toHaveLength(2); // once per experiment, not per trial
  });

  it("asks adapterFor again when a later run reuses an experiment's name with other flags", async () => {
    // A worker serves run after run: "candidate" on model a today may be "candidate" on model b
    // tomorrow. Keyed by name alone, the second run would silently run on the first's adapter.
    const answering = (answer: string) =>
      new InProcessAdapter(new InProcessModel([{ text: JSON.stringify({ answer }) }], { repeat: true }));
    const asked: string[] = [];
    const loop = new EvalLoop({
      adapter: new InProcessAdapter(model()),
      adapterFor: (each) => {
        asked.push(String(each.flags?.model));
        return answering(String(each.flags?.model));
      },
      requests: new InMemoryMailbox({ name: "adapter-cache" }),
      agent: agentFor(store()),
      expected: z.string(),
      evaluator,
    });
    const sample = { id: "a", input: { word: "hi" }, expected: "HI" };
    const answerOn = async (flags: Record<string, unknown>) => {
      const { response } = await loop.execute(
        { sample, trial: 0 },
        { experiment: experiment("candidate", { flags }) },
      );
      return (response.output.output as { answer: string }).answer;
    };
    expect(await answerOn({ model: "a", temperature: 0 })).toBe("a");
    expect(await answerOn({ model: "b", temperature: 0 })).toBe("b");
    // The same flags in another key order are the same experiment: not asked again.
    expect(await answerOn({ temperature: 0, model: "a" })).toBe("a");
    expect(asked).toEqual(["a", "b"]);
  });

  it("keeps adapterFor's choices for the last 16 distinct experiments only", async () => {
    const asked: string[] = [];
    const loop = new EvalLoop({
      adapter: new InProcessAdapter(model()),
      adapterFor: (each) => {
        asked.push(each.name);
        return new InProcessAdapter(model());
      },
      requests: new InMemoryMailbox({ name: "adapter-cache-bound" }),
      agent: agentFor(store()),
      expected: z.string(),
      evaluator,
    });
    const sample = { id: "a", input: { word: "hi" }, expected: "HI" };
    const run = (name: string) => loop.execute({ sample, trial: 0 }, { experiment: experiment(name) });
    for (let i = 0; i < 17; i++) await run(`exp-${i}`);
    await run("exp-16"); // still kept
    await run("exp-0"); // the oldest was let go: asked again
    expect(asked).toEqual([...Array.from({ length: 17 }, (_, i) => `exp-${i}`), "exp-0"]);
  });

  it("submitDataset rides out a failing receive on the results queue", async () => {
    const clock = new FakeClock();
    const requests = new InMemoryMailbox<unknown, MainLoopResult<EvalResult<unknown>>>({
      name: "flaky-requests",
      clock,
    });
    const inner = new InMemoryMailbox<unknown>({ name: "flaky-replies", clock });
    let failures = 0;
    const replies: Mailbox<unknown> = {
      name: inner.name,
      get closed() {
        return inner.closed;
      },
      send: (body, options) => inner.send(body, options),
      receive: (options) => {
        if (failures++ === 0) return Promise.reject(new Error("connection reset"));
        return inner.receive(options);
      },
      purge: () => inner.purge(),
      approximateCount: () => inner.approximateCount(),
      close: () => inner.close(),
    };
    const one = new Dataset([{ id: "a", input: { word: "hi" }, expected: "HI" }], "one");
    const collecting = submitDataset(one, { requests, replies, runId: "r3", clock });
    const [message] = await vi.waitFor(async () => {
      const got = await requests.receive();
      expect(got).toHaveLength(1);
      return got;
    });
    await answerTrial(message, true);
    await vi.waitFor(() => expect(failures).toBeGreaterThan(0));
    await clock.tick(1_000); // the pause after the failed receive
    const report = await collecting;
    expect(report.runs[0]?.report.results.map((r) => r.score.passed)).toEqual([true]);
    expect(failures).toBeGreaterThanOrEqual(2);
  });

  it("a run's far deadline does not lift the loop's own per-trial deadline", async () => {
    const clock = new FakeClock();
    const loop = new EvalLoop({
      adapter: new InProcessAdapter(model()),
      requests: new InMemoryMailbox({ name: "deadlines", clock }),
      agent: agentFor(store()),
      expected: z.string(),
      evaluator,
      clock,
      config: { deadlineSeconds: 5 },
    });
    const limits: (string | undefined)[] = [];
    const sample = { id: "a", input: { word: "hi" }, expected: "HI" };
    for (const runSeconds of [3_600, 2]) {
      await loop.execute(
        { sample, trial: 0 },
        {
          deadline: Deadline.after(runSeconds * 1_000, clock),
          onBudget: (state) => limits.push(state.limits.deadline),
        },
      );
    }
    const at = (seconds: number) => new Date(clock.epochMs() + seconds * 1_000).toISOString();
    expect(limits).toEqual([at(5), at(2)]);
  });

  it("refuses an experiment that would fail every trial's envelope, naming it", async () => {
    await expect(
      runExperiments(dataset, {
        adapter: new InProcessAdapter(model()),
        agent: agentFor(store()),
        expected: z.string(),
        evaluator,
        experiments: [{ name: "My exp" }],
      }),
    ).rejects.toThrow(/Experiment \{"name":"My exp"\} is not valid/);
  });

  it("an EvalLoop refuses to be used through prepare", () => {
    const loop = new EvalLoop({
      adapter: new InProcessAdapter(model()),
      requests: new InMemoryMailbox({ name: "unused" }),
      agent: agentFor(store()),
      expected: z.string(),
      evaluator,
    });
    expect(() => loop.prepare()).toThrow(/execute/);
  });
});
