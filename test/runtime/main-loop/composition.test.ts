/**
 * MainLoop by composition (`prepare`/`finalize` options, inferred types) and the settle functions
 * used on their own, without a loop.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { isWinkError } from "../../../src/errors.js";
import { InProcessDispatcher, MessageHandled } from "../../../src/events/index.js";
import { Prompt } from "../../../src/prompt/index.js";
import { type DeadLetter, DLQPolicy } from "../../../src/runtime/mailbox/dlq.js";
import { InMemoryMailbox } from "../../../src/runtime/mailbox/index.js";
import {
  MainLoop,
  type MainLoopResult,
  replyAndAcknowledge,
  type SettleTarget,
  settleFailure,
} from "../../../src/runtime/main-loop/index.js";
import { Session } from "../../../src/session/index.js";
import { type AnswerT, envelope, Question, scripted, template, uniqueName } from "./fixtures.js";

function queues(clock: FakeClock) {
  const requests = new InMemoryMailbox<unknown, MainLoopResult<AnswerT>>({
    name: uniqueName("requests"),
    clock,
  });
  const results = new InMemoryMailbox<MainLoopResult<AnswerT>>({ name: uniqueName("results"), clock });
  return { requests, results };
}

describe("MainLoop by composition", () => {
  it("infers request and output types from requestSchema and prepare, and runs finalize before the reply", async () => {
    const clock = new FakeClock();
    const { requests, results } = queues(clock);
    const { adapter } = scripted([{ text: '{"answer": "42"}' }]);
    const order: string[] = [];
    const loop = new MainLoop({
      adapter,
      requests,
      requestSchema: Question,
      clock,
      config: { waitTimeSeconds: 0 },
      prepare: (request) => {
        expectTypeOf(request).toEqualTypeOf<{ question: string }>();
        return new Prompt(template).bind({ question: request });
      },
      finalize: (_prompt, session, response) => {
        expectTypeOf(response.output).toEqualTypeOf<AnswerT>();
        expect(session).toBeInstanceOf(Session);
        order.push(`finalize ${response.output.answer}`);
      },
    });
    expectTypeOf(loop).toEqualTypeOf<MainLoop<{ question: string }, AnswerT>>();
    expect(loop.name).toBe("MainLoop");

    await requests.send(envelope("q", "req-1"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    order.push("reply");
    expect(reply?.body).toMatchObject({ requestId: "req-1", success: true, output: { answer: "42" } });
    expect(order).toEqual(["finalize 42", "reply"]);
  });

  it("execute() returns the typed response without a queue", async () => {
    const clock = new FakeClock();
    const { requests } = queues(clock);
    const loop = new MainLoop({
      adapter: scripted([{ text: '{"answer": "direct"}' }]).adapter,
      requests,
      requestSchema: Question,
      clock,
      prepare: (request) => new Prompt(template).bind({ question: request }),
    });
    const { response } = await loop.execute({ question: "q" });
    expectTypeOf(response.output).toEqualTypeOf<AnswerT>();
    expect(response.output).toEqual({ answer: "direct" });
  });

  it("without prepare (option or subclass) it refuses to construct and says how to fix it", () => {
    const clock = new FakeClock();
    const { requests } = queues(clock);
    const build = () =>
      new MainLoop({ adapter: scripted([]).adapter, requests, requestSchema: Question, name: "bare" });
    expect(build).toThrow(/MainLoop "bare" has no prepare: pass prepare: \(request\) => prompt/);
    try {
      build();
    } catch (error) {
      expect(isWinkError(error) && error.code).toBe("invalid_config");
    }
  });
});

describe("settle functions on their own", () => {
  function target(clock: FakeClock, extra: Partial<SettleTarget> = {}): SettleTarget {
    return { loop: "eval", mailbox: "inbox", clock, ...extra };
  }

  it("replyAndAcknowledge replies, acknowledges and publishes MessageHandled", async () => {
    const clock = new FakeClock();
    const { requests, results } = queues(clock);
    const handled: string[] = [];
    const dispatcher = new InProcessDispatcher();
    dispatcher.subscribe(MessageHandled, (e) => void handled.push(`${e.loop}:${e.outcome}`));
    await requests.send({ anything: true }, { replyTo: results });
    const [message] = await requests.receive({ visibilityTimeout: 30 });
    if (!message) throw new Error("no message");
    await replyAndAcknowledge(
      target(clock, { dispatcher }),
      { message, startedMs: clock.monotonic(), requestId: "r1" },
      { requestId: "r1", success: true, output: { answer: "a" }, runId: "run", attempt: 1, completedAt: "t" },
    );
    expect((await results.receive())[0]?.body).toMatchObject({ requestId: "r1", success: true });
    expect(await requests.approximateCount()).toBe(0);
    expect(handled).toEqual(["eval:succeeded"]);
  });

  it("settleFailure dead-letters a final failure through the DLQ policy and answers the sender", async () => {
    const clock = new FakeClock();
    const { requests, results } = queues(clock);
    const deadLetters = new InMemoryMailbox<DeadLetter>({ name: uniqueName("dlq"), clock });
    const dlq = new DLQPolicy({ mailbox: deadLetters, maxDeliveryCount: 5 });
    await requests.send({ broken: true }, { replyTo: results });
    const [message] = await requests.receive({ visibilityTimeout: 30 });
    if (!message) throw new Error("no message");
    await settleFailure(
      target(clock, { dlq }),
      { message, startedMs: 0 },
      new Error("cannot ever work"),
      true,
    );
    expect((await deadLetters.receive())[0]?.body).toMatchObject({
      sourceMailbox: "inbox",
      lastError: "cannot ever work",
    });
    expect((await results.receive())[0]?.body.error?.message).toMatch(/^Dead-lettered after 1 attempt/);
    expect(await requests.approximateCount()).toBe(0);
  });

  it("settleFailure with a DLQ and a retryable error nacks with backoff instead", async () => {
    const clock = new FakeClock();
    const { requests, results } = queues(clock);
    const deadLetters = new InMemoryMailbox<DeadLetter>({ name: uniqueName("dlq"), clock });
    const dlq = new DLQPolicy({ mailbox: deadLetters, maxDeliveryCount: 5 });
    await requests.send({ flaky: true }, { replyTo: results });
    const [message] = await requests.receive({ visibilityTimeout: 30 });
    if (!message) throw new Error("no message");
    await settleFailure(target(clock, { dlq }), { message, startedMs: 0 }, new Error("flaky"), false);
    expect(await deadLetters.approximateCount()).toBe(0);
    expect(await requests.receive()).toEqual([]);
    clock.advance(60_000);
    expect((await requests.receive())[0]?.deliveryCount).toBe(2);
  });
});
