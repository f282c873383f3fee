/**
 * Trials that fail for the provider's reasons (a ThrottleError once the adapter's own retries are
 * spent) run again after a pause instead of counting as the agent's failures. The pauses are
 * timed on a FakeClock; the end-to-end cases run the real adapter loop on an InProcessModel that
 * answers 429, with the adapter's throttle set to one attempt so each 429 surfaces at once.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ThrottleError } from "../../src/adapters/errors.js";
import { FakeClock } from "../../src/clock.js";
import { Deadline } from "../../src/deadline.js";
import {
  Dataset,
  DEFAULT_TRANSIENT_RETRY,
  type EvalResult,
  evaluateDataset,
  exactMatch,
  runExperiments,
  select,
} from "../../src/evals/index.js";
import { runRetryingTransient, TrialFailure, transientRetry } from "../../src/evals/transient.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { InProcessAdapter, InProcessModel, type InProcessTurn } from "../../src/testing/index.js";

const throttled = (kind: ThrottleError["kind"] = "rate_limit", retryAfterMs?: number) =>
  new ThrottleError("provider busy", { kind, attempts: 5, retryAfterMs });
const limits = (clock: FakeClock, extra: { deadline?: Deadline; signal?: AbortSignal } = {}) => ({
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
    expect(await result).toEqual({ value: "ok", attempts: 3 });
  });

  it("gives up after the last attempt with the last error", async () => {
    const clock = new FakeClock();
    const last = throttled("server_error");
    const run = flaky([throttled(), throttled(), last]);
    const failure = await ticking(clock, runRetryingTransient(run, retry, limits(clock))).catch((e) => e);
    expect(failure).toBeInstanceOf(TrialFailure);
    expect(failure).toMatchObject({ error: last, attempts: 3 });
    expect(run.calls).toBe(3);
  });

  it("does not retry an exhausted quota or an error of the agent's own", async () => {
    for (const error of [throttled("quota_exhausted"), new Error("bad output")]) {
      const run = flaky([error]);
      const failure = await runRetryingTransient(run, retry, limits(new FakeClock())).catch((e) => e);
      expect(failure).toMatchObject({ error, attempts: 1 });
      expect(run.calls).toBe(1);
    }
  });

  it("finds the ThrottleError among the causes", async () => {
    const clock = new FakeClock();
    const run = flaky([new Error("evaluation failed", { cause: throttled() })]);
    expect(await ticking(clock, runRetryingTransient(run, retry, limits(clock)))).toEqual({
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
    expect(await result).toEqual({ value: "ok", attempts: 2 });
  });

  it("fails at once when the pause would end past the trial's deadline", async () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(20_000, clock);
    const run = flaky([throttled()]);
    const failure = await runRetryingTransient(run, retry, limits(clock, { deadline })).catch((e) => e);
    expect(failure).toMatchObject({ attempts: 1 });
    expect(clock.pendingTimers).toBe(0);
  });

  it("fails with the last error when the signal aborts during a pause", async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const first = throttled();
    const result = runRetryingTransient(flaky([first]), retry, limits(clock, { signal: stop.signal }));
    await clock.tick(1_000);
    stop.abort();
    expect(await result.catch((e) => e)).toMatchObject({ error: first, attempts: 1 });
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

describe("a trial on a provider that is throttling", () => {
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
    expect(report.summary.errors).toBe(0);
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
    const report = await runExperiments(dataset, {
      adapter: adapterOn([busy(), answer]),
      agent: { requestSchema: Input, prepare: (request) => new Prompt(template).bind({ request }) },
      expected: z.string(),
      evaluator,
      transientRetry: { delaySeconds: 0 },
    });
    expect(report.runs[0]?.report.results[0]).toMatchObject({ score: { passed: true }, attempts: 2 });
  });

  it("EvalLoop does not retry with { attempts: 1 }", async () => {
    const report = await runExperiments(dataset, {
      adapter: adapterOn([busy(), answer]),
      agent: { requestSchema: Input, prepare: (request) => new Prompt(template).bind({ request }) },
      expected: z.string(),
      evaluator,
      transientRetry: { attempts: 1 },
    });
    const [result] = report.runs[0]?.report.results ?? [];
    expect(result?.score.passed).toBe(false);
    expect(result?.attempts).toBeUndefined();
  });
});
