/**
 * Trials that fail for the provider's reasons (a ThrottleError once the adapter's own retries are
 * spent) run again after a pause instead of counting as the agent's failures. The pauses are
 * timed on a FakeClock; the end-to-end cases run the real adapter loop on an InProcessModel that
 * answers 429, with the adapter's throttle set to one attempt so each 429 surfaces at once.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { ThrottleError } from "../../src/adapters/errors.js";
import { FakeClock } from "../../src/clock.js";
import { Deadline } from "../../src/deadline.js";
import {
  Dataset,
  DEFAULT_TRANSIENT_RETRY,
  EvalLoop,
  type EvalResult,
  evaluateDataset,
  exactMatch,
  runExperiments,
  select,
  type TransientRetry,
} from "../../src/evals/index.js";
import { runRetryingTransient, TrialFailure, transientRetry } from "../../src/evals/transient.js";
import { InProcessDispatcher, MessageHandled } from "../../src/events/index.js";
import { configureLogging, resetLogging } from "../../src/logging/index.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../src/prompt/index.js";
import { Tool, ToolResult } from "../../src/prompt/tool.js";
import {
  InMemoryMailbox,
  MainLoop,
  type MainLoopResult,
  RequestInterruptedError,
} from "../../src/runtime/index.js";
import { Session } from "../../src/session/index.js";
import { InProcessAdapter, InProcessModel, type InProcessTurn } from "../../src/testing/index.js";

const throttled = (kind: ThrottleError["kind"] = "rate_limit", retryAfterMs?: number) =>
  new ThrottleError("provider busy", { kind, attempts: 5, retryAfterMs });
const limits = (
  clock: FakeClock,
  extra: { deadline?: Deadline; signal?: AbortSignal; stopping?: AbortSignal } = {},
) => ({
  clock,
  sampleId: "s",
  trial: 0,
  ...extra,
});

/** A run that throws each of `errors` in turn, then returns "ok"; counts its calls. */
function flaky(errors: unknown[]) {
  const run = async (): Promise<string> => {
    run.calls++;
    const error = errors.shift();
    if (error !== undefined) throw error;
    return "ok";
  };
  run.calls = 0;
  return run;
}

/** Settle `promise` while ticking `clock` by `stepMs`, up to `maxMs` of fake time. */
async function ticking<T>(clock: FakeClock, promise: Promise<T>, stepMs = 1_000, maxMs = 600_000) {
  let done = false;
  const settled = promise.finally(() => {
    done = true;
  });
  settled.catch(() => {});
  for (let spent = 0; !done && spent < maxMs; spent += stepMs) await clock.tick(stepMs);
  return settled;
}

describe("runRetryingTransient", () => {
  const retry = transientRetry(undefined);

  it("runs again after 30 s, then 60 s, and reports the runs it took", async () => {
    const clock = new FakeClock();
    const run = flaky([throttled(), throttled()]);
    const result = runRetryingTransient(run, retry, limits(clock));
    await clock.tick(29_999);
    expect(run.calls).toBe(1);
    await clock.tick(1);
    expect(run.calls).toBe(2);
    await clock.tick(59_999);
    expect(run.calls).toBe(2);
    await clock.tick(1);
    expect(await result).toMatchObject({ value: "ok", attempts: 3, lastStartedMs: 90_000 });
  });

  it("beats the heartbeat during a pause, so a worker's lease and watchdog follow", async () => {
    const clock = new FakeClock();
    let beats = 0;
    const result = runRetryingTransient(flaky([throttled()]), retry, {
      ...limits(clock),
      heartbeat: () => beats++,
    });
    await clock.tick(30_000);
    await result;
    expect(beats).toBeGreaterThanOrEqual(30_000 / 5_000);
  });

  it("does not run again when the budget is spent", async () => {
    const run = flaky([throttled()]);
    const failure = await runRetryingTransient(run, retry, {
      ...limits(new FakeClock()),
      mayRunAgain: () => false,
    }).catch((e) => e);
    expect(failure).toMatchObject({ runs: { attempts: 1 } });
    expect(run.calls).toBe(1);
  });

  it("gives up after the last attempt with the last error", async () => {
    const clock = new FakeClock();
    const last = throttled("server_error");
    const run = flaky([throttled(), throttled(), last]);
    const failure = await ticking(clock, runRetryingTransient(run, retry, limits(clock))).catch((e) => e);
    expect(failure).toBeInstanceOf(TrialFailure);
    expect(failure).toMatchObject({ error: last, runs: { attempts: 3 } });
    expect(run.calls).toBe(3);
  });

  it("does not retry an exhausted quota or an error of the agent's own", async () => {
    for (const error of [throttled("quota_exhausted"), new Error("bad output")]) {
      const run = flaky([error]);
      const failure = await runRetryingTransient(run, retry, limits(new FakeClock())).catch((e) => e);
      expect(failure).toMatchObject({ error, runs: { attempts: 1 } });
      expect(run.calls).toBe(1);
    }
  });

  it("finds the ThrottleError among the causes", async () => {
    const clock = new FakeClock();
    const run = flaky([new Error("evaluation failed", { cause: throttled() })]);
    expect(await ticking(clock, runRetryingTransient(run, retry, limits(clock)))).toMatchObject({
      value: "ok",
      attempts: 2,
    });
  });

  it("waits at least the provider's Retry-After", async () => {
    const clock = new FakeClock();
    const run = flaky([throttled("rate_limit", 45_000)]);
    const result = runRetryingTransient(run, retry, limits(clock));
    await clock.tick(44_999);
    expect(run.calls).toBe(1);
    await clock.tick(1);
    expect(await result).toMatchObject({ value: "ok", attempts: 2 });
  });

  it("fails at once when the pause would leave less than 10 s of the trial's deadline", async () => {
    for (const ms of [20_000, 39_999]) {
      const clock = new FakeClock();
      const deadline = Deadline.after(ms, clock);
      const run = flaky([throttled()]);
      const failure = await runRetryingTransient(run, retry, limits(clock, { deadline })).catch((e) => e);
      expect(failure).toMatchObject({ runs: { attempts: 1 } });
      expect(clock.pendingTimers).toBe(0);
    }
  });

  it("fails with the last error when the signal aborts during a pause", async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const first = throttled();
    const result = runRetryingTransient(flaky([first]), retry, limits(clock, { signal: stop.signal }));
    await clock.tick(1_000);
    stop.abort();
    expect(await result.catch((e) => e)).toMatchObject({ error: first, runs: { attempts: 1 } });
  });

  it("gives the trial back, unscored, when the worker starts shutting down during a pause", async () => {
    const clock = new FakeClock();
    const stopping = new AbortController();
    const first = throttled();
    const run = flaky([first]);
    const result = runRetryingTransient(run, retry, limits(clock, { stopping: stopping.signal }));
    await clock.tick(1_000);
    stopping.abort();
    const error = await result.catch((e) => e);
    expect(error).toBeInstanceOf(RequestInterruptedError);
    expect(error).toMatchObject({ code: "interrupted", cause: first, details: { sampleId: "s", trial: 0 } });
    expect(run.calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it("gives it back without pausing when the worker is already shutting down", async () => {
    const clock = new FakeClock();
    const run = flaky([throttled()]);
    const error = await runRetryingTransient(
      run,
      retry,
      limits(clock, { stopping: AbortSignal.abort() }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(RequestInterruptedError);
    expect(run.calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it("still scores a trial whose error is not transient while the worker shuts down", async () => {
    const clock = new FakeClock();
    const own = new Error("the agent's own bug");
    const error = await runRetryingTransient(
      flaky([own]),
      retry,
      limits(clock, { stopping: AbortSignal.abort() }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(TrialFailure);
    expect(error).toMatchObject({ error: own });
  });

  it("rejects settings that make no sense, naming them", () => {
    expect(DEFAULT_TRANSIENT_RETRY).toEqual({ attempts: 3, delaySeconds: 30 });
    expect(() => transientRetry({ attempts: 0 })).toThrow(
      /transientRetry.attempts must be a whole number >= 1/,
    );
    expect(() => transientRetry({ delaySeconds: -1 })).toThrow(
      /transientRetry.delaySeconds must be .* >= 0, got -1/,
    );
  });
});

const Input = z.object({ word: z.string() });
const Output = z.object({ answer: z.string() });
const template = new PromptTemplate({
  ns: "tests/evals",
  key: "transient",
  output: Output,
  sections: [
    new MarkdownSection({ key: "request", title: "Request", params: Input, template: "Word: ${word}" }),
  ],
});
const dataset = new Dataset([{ id: "a", input: { word: "hi" }, expected: "HI" }], "transient");
const evaluator = select<{ answer: string }, string, string, string>(
  { output: (output) => output.answer, expected: (expected) => expected },
  exactMatch<string>(),
);
const busy = (): Error => Object.assign(new Error("429 rate limited"), { status: 429 });
const answer: InProcessTurn = { text: JSON.stringify({ answer: "HI" }) };
/** One evaluation of the template on `adapter`, in a fresh session. */
const evaluateOn = (adapter: InProcessAdapter, request: z.infer<typeof Input>) =>
  adapter.evaluate(new Prompt(template).bind({ request }), { session: new Session() });
/** The adapter gives up after one 429, so each surfaces as a ThrottleError. */
const adapterOn = (turns: InProcessTurn[]) =>
  new InProcessAdapter(new InProcessModel(turns), { throttle: { maxAttempts: 1 } });

/** One trial of `dataset` through runExperiments (an EvalLoop) on a model answering `turns`. */
const throughEvalLoop = (turns: InProcessTurn[], transientRetry: TransientRetry) =>
  runExperiments(dataset, {
    adapter: adapterOn(turns),
    agent: {
      requestSchema: Input,
      prepare: (request: z.infer<typeof Input>) => new Prompt(template).bind({ request }),
    },
    expected: z.string(),
    evaluator,
    transientRetry,
  });

/** Counts `evals.trial_retry` records until the test ends (logging is reset after each test). */
function countRetries(): { count: number } {
  const retries = { count: 0 };
  configureLogging({
    level: "WARNING",
    json: true,
    destination: {
      write: (line: string) => {
        if (line.includes('"event":"evals.trial_retry"')) retries.count++;
        return true;
      },
    },
  });
  return retries;
}

/** In-memory request and reply queues on a FakeClock, and the outcome of each settled message. */
function queuesOn(name: string) {
  const clock = new FakeClock();
  const requests = new InMemoryMailbox<unknown, MainLoopResult<EvalResult<unknown>>>({ name, clock });
  const replies = new InMemoryMailbox<unknown>({ name: `${name}-replies`, clock });
  const dispatcher = new InProcessDispatcher();
  const handled: string[] = [];
  dispatcher.subscribe(MessageHandled, (e) => void handled.push(e.outcome));
  return { clock, requests, replies, dispatcher, handled };
}

/**
 * An EvalLoop worker on in-memory queues and a FakeClock nothing ticks, recording how each
 * message was settled; `send(n)` queues trials of samples s0…s(n-1).
 */
function shutdownWorker(name: string, adapter: InProcessAdapter, concurrency: number) {
  const { clock, requests, replies, dispatcher, handled } = queuesOn(name);
  const loop = new EvalLoop({
    adapter,
    requests,
    agent: {
      requestSchema: Input,
      prepare: (request: z.infer<typeof Input>) => new Prompt(template).bind({ request }),
    },
    expected: z.string(),
    evaluator,
    clock,
    config: { dispatcher, concurrency, batchSize: Math.min(concurrency, 10) },
  });
  const send = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const sample = { id: `s${i}`, input: { word: "hi" }, expected: "HI" };
      await requests.send({ request: { sample, trial: 0 } }, { replyTo: replies });
    }
  };
  return { loop, requests, replies, handled, send };
}

describe("a trial on a provider that is throttling", () => {
  afterEach(() => resetLogging());

  it("evaluateDataset runs it again and scores the answer that came", async () => {
    const adapter = adapterOn([busy(), busy(), answer]);
    const report = await evaluateDataset(dataset, {
      run: async (input) => ({
        output: (await evaluateOn(adapter, input)).output,
      }),
      evaluator,
      transientRetry: { delaySeconds: 0 },
    });
    expect(report.results[0]).toMatchObject({ score: { passed: true }, attempts: 3 });
    expect(report.summary).toMatchObject({ errors: 0, retried: 1 });
  });

  it("evaluateDataset scores it as an error once every attempt failed", async () => {
    const adapter = adapterOn([busy(), busy()]);
    const report = await evaluateDataset(dataset, {
      run: async (input) => ({
        output: (await evaluateOn(adapter, input)).output,
      }),
      evaluator,
      transientRetry: { attempts: 2, delaySeconds: 0 },
    });
    const [result] = report.results as EvalResult<unknown>[];
    expect(result).toMatchObject({ score: { passed: false }, attempts: 2 });
    expect(result?.agentError).toMatch(/429 rate limited/);
    expect(report.summary.errors).toBe(1);
  });

  it("EvalLoop (runExperiments) runs it again within the trial", async () => {
    const report = await throughEvalLoop([busy(), answer], { delaySeconds: 0 });
    expect(report.runs[0]?.report.results[0]).toMatchObject({ score: { passed: true }, attempts: 2 });
  });

  it("reports the last run's latency, not the pauses before it", async () => {
    const clock = new FakeClock();
    const adapter = adapterOn([busy(), answer]);
    const report = ticking(
      clock,
      evaluateDataset(dataset, {
        run: async (input) => ({ output: (await evaluateOn(adapter, input)).output }),
        evaluator,
        clock,
      }),
    );
    const [result] = (await report).results;
    expect(result).toMatchObject({ attempts: 2, latencyMs: 0 });
  });

  it("EvalLoop counts the usage of every run, and a run gets what the earlier ones left of the budget", async () => {
    const lookup = new Tool({
      name: "lookup",
      description: "Look a word up.",
      params: z.object({ word: z.string() }),
      handler: () => ToolResult.ok(undefined, "found"),
    });
    const withTool = new PromptTemplate({
      ns: "tests/evals",
      key: "transient-tools",
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
    const agent = {
      requestSchema: Input,
      prepare: (request: z.infer<typeof Input>) => new Prompt(withTool).bind({ request }),
    };
    const spend = (tokens: number): InProcessTurn => ({
      toolCalls: [{ id: `t${tokens}`, name: "lookup", arguments: { word: "hi" } }],
      usage: { inputTokens: tokens, outputTokens: 0 },
    });
    const finish = (tokens: number): InProcessTurn => ({
      ...answer,
      usage: { inputTokens: tokens, outputTokens: 0 },
    });
    const run = (turns: InProcessTurn[]) =>
      runExperiments(dataset, {
        adapter: adapterOn(turns),
        agent,
        expected: z.string(),
        evaluator,
        transientRetry: { delaySeconds: 0 },
        config: { budget: { maxTotalTokens: 1_000 } },
      });
    // 300 tokens, then a 429; the second run spends 200 more and answers.
    const [passed] = (await run([spend(300), busy(), finish(200)])).runs[0]?.report.results ?? [];
    expect(passed).toMatchObject({ score: { passed: true }, attempts: 2, usage: { inputTokens: 500 } });
    // The second run has 700 tokens left, not 1,000: spending 800 exceeds the budget.
    const [over] = (await run([spend(300), busy(), spend(800), finish(0)])).runs[0]?.report.results ?? [];
    expect(over?.score.passed).toBe(false);
    expect(over?.agentError).toMatch(/Budget exceeded/);
  });

  it("EvalLoop puts a pausing trial back on the queue when its worker shuts down, without waiting out the pause", async () => {
    // A rollout while the provider throttles: the trial is not scored as failed and the worker
    // does not sit out a 30 s pause; the message is back in the queue for the next worker at once.
    const retries = countRetries();
    const worker = shutdownWorker("transient-shutdown", adapterOn([busy(), answer]), 1);
    await worker.send(1);
    const stop = new AbortController();
    const running = worker.loop.run({ signal: stop.signal, maxIterations: 1, waitTimeSeconds: 0 });
    // In the pause (its sleep is scheduled as the retry is logged), which nothing ticks.
    await vi.waitFor(() => expect(retries.count).toBe(1));
    stop.abort();
    await running;
    expect(worker.handled).toEqual(["returned"]);
    expect(await worker.replies.approximateCount()).toBe(0);
    const [again] = await worker.requests.receive({ waitTimeSeconds: 0 });
    expect(again?.body).toMatchObject({ request: { sample: { id: "s0" }, trial: 0 } });
    expect(again?.deliveryCount).toBe(2);
  });

  it("EvalLoop hands back every pausing trial at once, with no listener warning at concurrency 16", async () => {
    // Sixteen trials pause together (an outage), each listening for the shutdown: the test setup
    // fails the test on any process warning, MaxListenersExceededWarning included.
    const retries = countRetries();
    const always429 = new InProcessAdapter(new InProcessModel([busy()], { repeat: true }), {
      throttle: { maxAttempts: 1 },
    });
    const worker = shutdownWorker("transient-shutdown-many", always429, 16);
    await worker.send(16);
    const stop = new AbortController();
    const running = worker.loop.run({ signal: stop.signal, maxIterations: 2, waitTimeSeconds: 0 });
    await vi.waitFor(() => expect(retries.count).toBe(16));
    stop.abort();
    await running;
    expect(worker.handled).toEqual(Array.from({ length: 16 }, () => "returned"));
    expect(await worker.replies.approximateCount()).toBe(0);
    expect(await worker.requests.approximateCount()).toBe(16);
  });

  it("a RequestInterruptedError thrown while the loop is not stopping fails like any error", async () => {
    // Handing a message back is for shutdown only: otherwise the same worker would take it again
    // at once, forever, with no reply and no dead letter.
    const { clock, requests, replies, dispatcher, handled } = queuesOn("interrupted-early");
    const plain = new MainLoop<z.infer<typeof Input>, unknown>({
      adapter: adapterOn([answer]),
      requests: requests as never,
      requestSchema: Input,
      clock,
      config: { dispatcher },
      prepare: () => {
        throw new RequestInterruptedError("not for shutdown");
      },
    });
    await requests.send({ request: { word: "hi" } }, { replyTo: replies });
    await plain.run({ maxIterations: 1, waitTimeSeconds: 0 });
    expect(handled).toEqual(["failed"]);
    const [reply] = await replies.receive({ waitTimeSeconds: 0 });
    expect(reply?.body).toMatchObject({ success: false, error: { type: "RequestInterruptedError" } });
  });

  it("EvalLoop does not retry with { attempts: 1 }", async () => {
    const report = await throughEvalLoop([busy(), answer], { attempts: 1 });
    const [result] = report.runs[0]?.report.results ?? [];
    expect(result?.score.passed).toBe(false);
    expect(result?.attempts).toBeUndefined();
  });
});
