import { describe, expect, it, vi } from "vitest";
import { BudgetExceededError, DeadlineExceededError } from "../../../src/errors.js";
import { MessageHandled } from "../../../src/events/index.js";
import { type DeadLetter, DLQPolicy } from "../../../src/runtime/mailbox/dlq.js";
import { InMemoryMailbox } from "../../../src/runtime/mailbox/index.js";
import {
  envelope,
  failing,
  gate,
  holdAcknowledge,
  requestIdOf,
  scripted,
  setup,
  uniqueName,
  watchReceives,
} from "./fixtures.js";

describe("MainLoop processing", () => {
  it("evaluates a request, replies with the typed result, then acknowledges", async () => {
    const { adapter } = scripted([{ text: '{"answer": "42"}' }]);
    const { loop, requests, results } = setup(adapter);
    await requests.send(envelope("meaning of life", "req-1"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({
      requestId: "req-1",
      success: true,
      output: { answer: "42" },
      attempt: 1,
    });
    expect(reply?.body.sessionId).toBeTypeOf("string");
    expect(await requests.approximateCount()).toBe(0);
  });

  it("re-renders and retries when the model opens a summarized section", async () => {
    const { adapter, model } = scripted([
      { toolCalls: [{ id: "o", name: "open_sections", arguments: { section_keys: ["tools"] } }] },
      (history) => {
        expect(history.rendered.tools.map((t) => t.name)).toContain("lookup");
        return { text: '{"answer": "opened"}', toolCalls: [] };
      },
    ]);
    const { loop, requests, results } = setup(adapter);
    await requests.send(envelope("q"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({ success: true, output: { answer: "opened" } });
    expect(model.requests).toBe(2);
  });

  it("without a DLQ, replies with the error and acknowledges", async () => {
    const { loop, requests, results } = setup(
      failing(() => new BudgetExceededError("total_tokens", "Budget exceeded: 600 > 500")),
    );
    await requests.send(envelope("q"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({
      success: false,
      error: { type: "BudgetExceededError", code: "budget_exceeded", message: "Budget exceeded: 600 > 500" },
    });
    expect(await requests.approximateCount()).toBe(0);
  });

  it("acknowledges a request without a reply address after success", async () => {
    const { adapter } = scripted([{ text: '{"answer": "x"}' }]);
    const { loop, requests } = setup(adapter);
    await requests.send(envelope("q"));
    await loop.run({ maxIterations: 1 });
    expect(await requests.approximateCount()).toBe(0);
  });

  it("nacks with backoff when the reply cannot be sent, so the request runs again", async () => {
    const { adapter } = scripted([{ text: '{"answer": "x"}' }], { repeat: true });
    const { loop, requests, clock } = setup(adapter);
    const closed = new InMemoryMailbox({ name: uniqueName("closed"), clock });
    await closed.close();
    await requests.send(envelope("q"), { replyTo: closed });
    await loop.run({ maxIterations: 1 });
    expect(await requests.approximateCount()).toBe(1);
    expect(await requests.receive()).toEqual([]);
    clock.advance(60_000);
    const [again] = await requests.receive();
    expect(again?.deliveryCount).toBe(2);
  });

  it("fails a request whose own deadline has passed, naming it", async () => {
    const { adapter } = scripted([{ text: '{"answer": "late"}' }]);
    const { loop, requests, results, clock } = setup(adapter);
    await requests.send(
      { ...envelope("q", "req-late"), deadline: new Date(clock.epochMs() - 1_000).toISOString() },
      { replyTo: results },
    );
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body.error?.type).toBe(DeadlineExceededError.name);
    expect(reply?.body.error?.message).toMatch(
      /Request req-late has deadline .* which passed before a worker picked it up/,
    );
  });

  it("uses the message id as the request id when the sender gives none", async () => {
    const { adapter } = scripted([{ text: '{"answer": "x"}' }]);
    const { loop, requests, results } = setup(adapter);
    const messageId = await requests.send({ request: { question: "q" } }, { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({ requestId: messageId, success: true });
  });

  it("dead-letters at once a request whose deadline passed before it started", async () => {
    const { adapter } = scripted([]);
    const { loop, requests, deadLetters, clock } = setup(adapter, { dlqOptions: { maxDeliveryCount: 5 } });
    await requests.send({ ...envelope("q"), deadline: new Date(clock.epochMs() - 1).toISOString() });
    await loop.run({ maxIterations: 1 });
    const [letter] = await deadLetters.receive();
    expect(letter?.body).toMatchObject({ deliveryCount: 1, lastErrorType: "DeadlineExceededError" });
    expect(await requests.approximateCount()).toBe(0);
  });

  it("applies request budgets over the loop's", async () => {
    const { adapter } = scripted([
      { text: '{"answer": "x"}', usage: { inputTokens: 900, outputTokens: 200 } },
    ]);
    const { loop, requests, results } = setup(adapter, { budget: { maxTotalTokens: 100_000 } });
    await requests.send({ ...envelope("q"), budget: { maxTotalTokens: 1_000 } }, { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body.error?.code).toBe("budget_exceeded");
  });

  it("publishes MessageHandled for metrics", async () => {
    const { adapter } = scripted([{ text: '{"answer": "x"}' }]);
    const { loop, requests, dispatcher } = setup(adapter);
    const outcomes: string[] = [];
    dispatcher.subscribe(
      MessageHandled,
      (e) => void outcomes.push(`${e.loop}:${e.outcome}:${e.deliveryCount}`),
    );
    await requests.send(envelope("q"));
    await loop.run({ maxIterations: 1 });
    expect(outcomes).toEqual(["qa:succeeded:1"]);
  });

  it("processes up to `concurrency` requests at once", async () => {
    let active = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const slow = () =>
      new Promise<{ text: string; toolCalls: [] }>((resolve) => {
        active++;
        peak = Math.max(peak, active);
        release.push(() => {
          active--;
          resolve({ text: '{"answer": "x"}', toolCalls: [] });
        });
        if (release.length === 3) for (const r of release) r();
      });
    const { adapter } = scripted([slow, slow, slow]);
    const { loop, requests, results } = setup(adapter, { concurrency: 3 });
    for (const q of ["a", "b", "c"]) await requests.send(envelope(q), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    expect(peak).toBe(3);
    expect(await results.approximateCount()).toBe(3);
  });

  it("receives the next message while a request settles, and starts it once the slot frees", async () => {
    const events: string[] = [];
    const answer = (name: string) => () => {
      events.push(`model ${name}`);
      return { text: '{"answer": "x"}', toolCalls: [] as [] };
    };
    const { adapter } = scripted([answer("a"), answer("b")]);
    const { loop, requests, results } = setup(adapter, { concurrency: 1 });
    const first = gate();
    watchReceives(requests, {
      each: (message, id) => {
        events.push(`received ${id}`);
        // The first acknowledgement waits until the test has seen the next receive.
        holdAcknowledge(message, id === "req-a" ? first.opened : Promise.resolve(), (step) =>
          events.push(`${step} ${id}`),
        );
      },
    });
    for (const q of ["a", "b"]) await requests.send(envelope(q), { replyTo: results });
    const running = loop.run({ maxIterations: 2 });
    await vi.waitFor(() => expect(events).toContain("received req-b"));
    await vi.waitFor(() => expect(events).toContain("ack req-a"));
    // b was fetched while a's acknowledgement was on the wire (in either order), but it has not started.
    expect(events.slice(0, 2)).toEqual(["received req-a", "model a"]);
    expect(events.slice(2).sort()).toEqual(["ack req-a", "received req-b"]);
    first.open();
    await running;
    expect(events.slice(4)).toEqual(["acked req-a", "model b", "ack req-b", "acked req-b"]);
    expect(await results.approximateCount()).toBe(2);
    expect(await requests.approximateCount()).toBe(0);
  });

  it("rejects a concurrency outside 1-64", () => {
    expect(() => setup(scripted([]).adapter, { concurrency: 0 })).toThrow(
      /concurrency must be an integer from 1 to 64, got 0/,
    );
  });
});

describe("MainLoop and the DLQ", () => {
  it("dead-letters a poison message after maxDeliveryCount with every field", async () => {
    const adapter = failing(() => new Error("persistent failure"));
    const { loop, requests, results, deadLetters } = setup(adapter, { dlqOptions: { maxDeliveryCount: 1 } });
    await requests.send(
      { ...envelope("q", "req-poison"), runContext: { traceId: "trace-1" } },
      { replyTo: results },
    );
    await loop.run({ maxIterations: 1 });
    expect(await requests.approximateCount()).toBe(0);
    expect(await deadLetters.approximateCount()).toBe(1);
    const [letter] = await deadLetters.receive();
    const body = letter?.body as DeadLetter;
    expect(body).toMatchObject({
      sourceMailbox: requests.name,
      deliveryCount: 1,
      lastError: "persistent failure",
      lastErrorType: "Error",
      requestId: "req-poison",
      replyTo: results.name,
      traceId: "trace-1",
      body: { request: { question: "q" }, requestId: "req-poison" },
    });
    expect(body.deadLetteredAt).toMatch(/^\d{4}-/);
    expect(body.firstReceivedAt).toMatch(/^\d{4}-/);
    const [reply] = await results.receive();
    expect(reply?.body.success).toBe(false);
    expect(reply?.body.error?.message).toMatch(/^Dead-lettered after 1 attempt\(s\): persistent failure/);
  });

  it("below the threshold, nacks with backoff min(60·n, 900) s and sends no reply", async () => {
    const adapter = failing(() => new Error("flaky"));
    const { loop, requests, results, deadLetters, clock } = setup(adapter, {
      dlqOptions: { maxDeliveryCount: 3 },
    });
    await requests.send(envelope("q"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    expect(await requests.approximateCount()).toBe(1);
    expect(await results.approximateCount()).toBe(0);
    expect(await deadLetters.approximateCount()).toBe(0);
    clock.advance(59_999);
    expect(await requests.receive({ visibilityTimeout: 0 })).toEqual([]);
    clock.advance(1);
    await loop.run({ maxIterations: 1 });
    clock.advance(120_000);
    await loop.run({ maxIterations: 1 });
    expect(adapter.calls).toBe(3);
    expect(await deadLetters.approximateCount()).toBe(1);
  });

  it("never dead-letters an excluded error, however many deliveries", async () => {
    const adapter = failing(() => new BudgetExceededError("total_tokens", "over"));
    const { loop, requests, deadLetters, clock } = setup(adapter, {
      dlqOptions: { maxDeliveryCount: 2, excludeErrors: [BudgetExceededError] },
    });
    await requests.send(envelope("q"));
    for (let i = 0; i < 6; i++) {
      await loop.run({ maxIterations: 1 });
      clock.advance(900_000);
    }
    expect(adapter.calls).toBe(6);
    expect(await deadLetters.approximateCount()).toBe(0);
    expect(await requests.approximateCount()).toBe(1);
  });

  it("exclude wins over include; include dead-letters at once; codes match WinkErrors", () => {
    const policy = new DLQPolicy({
      mailbox: new InMemoryMailbox({ name: uniqueName("d") }),
      includeErrors: [TypeError, "budget_exceeded"],
      excludeErrors: [TypeError],
    });
    expect(policy.shouldDeadLetter({ deliveryCount: 1 }, new TypeError("x"))).toBe(false);
    expect(policy.shouldDeadLetter({ deliveryCount: 1 }, new BudgetExceededError("total_tokens", "x"))).toBe(
      true,
    );
    expect(policy.shouldDeadLetter({ deliveryCount: 1 }, new RangeError("x"))).toBe(false);
    class Sub extends TypeError {}
    expect(policy.shouldDeadLetter({ deliveryCount: 1 }, new Sub("x"))).toBe(false);
    expect(policy.shouldDeadLetter({ deliveryCount: 5 }, new RangeError("x"))).toBe(true);
    expect(() => new DLQPolicy({ mailbox: new InMemoryMailbox(), maxDeliveryCount: 0 })).toThrow(/got 0/);
  });

  it("dead-letters a malformed envelope at once with a clear error, never losing it", async () => {
    const { adapter } = scripted([]);
    const { loop, requests, results, deadLetters } = setup(adapter, { dlqOptions: { maxDeliveryCount: 5 } });
    await requests.send({ request: { question: 7 }, requestId: "bad" }, { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [letter] = await deadLetters.receive();
    expect(letter?.body).toMatchObject({ deliveryCount: 1, body: { request: { question: 7 } } });
    expect(letter?.body.lastError).toMatch(/is not a valid request envelope:\n {2}- request.question:/);
    const [reply] = await results.receive();
    expect(reply?.body.error?.code).toBe("mailbox_serialization");
  });

  it("keeps the message queued when the DLQ itself cannot take it", async () => {
    const adapter = failing(() => new Error("boom"));
    const { loop, requests, deadLetters } = setup(adapter, { dlqOptions: { maxDeliveryCount: 1 } });
    await deadLetters.close();
    await requests.send(envelope("q"));
    await loop.run({ maxIterations: 1 });
    expect(await requests.approximateCount()).toBe(1);
  });
});

describe("MainLoop shutdown", () => {
  it("finishes the in-flight request, returns buffered messages at once, then resolves", async () => {
    let release = (): void => {};
    let started = (): void => {};
    const startedPromise = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = () =>
      new Promise<{ text: string; toolCalls: [] }>((resolve) => {
        started();
        release = () => resolve({ text: '{"answer": "slow"}', toolCalls: [] });
      });
    const { adapter } = scripted([slow]);
    const { loop, requests, results, dispatcher } = setup(adapter, { concurrency: 1, batchSize: 3 });
    const outcomes: string[] = [];
    dispatcher.subscribe(MessageHandled, (e) => void outcomes.push(e.outcome));
    for (const q of ["a", "b", "c"]) await requests.send(envelope(q), { replyTo: results });
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    await startedPromise;
    controller.abort();
    await new Promise((r) => setImmediate(r));
    const returned = await requests.receive({ maxMessages: 10, visibilityTimeout: 0 });
    expect(returned.map((m) => (m.body as { requestId: string }).requestId)).toEqual(["req-b", "req-c"]);
    expect(loop.running).toBe(true);
    release();
    await running;
    expect(loop.running).toBe(false);
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({ requestId: "req-a", success: true, output: { answer: "slow" } });
    expect(outcomes.sort()).toEqual(["returned", "returned", "succeeded"]);
  });

  it("stops at once when aborted while idle in a long poll", async () => {
    const { adapter } = scripted([]);
    const { loop } = setup(adapter, { waitTimeSeconds: 20 });
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    await new Promise((r) => setImmediate(r));
    controller.abort();
    await running;
    expect(loop.running).toBe(false);
  });

  it("with a backlog and a long poll, keeps a second receive going while it has room", async () => {
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = async () => {
      await held;
      return { text: '{"answer": "x"}', toolCalls: [] as [] };
    };
    const { adapter } = scripted([slow], { repeat: true });
    const { loop, requests, results } = setup(adapter, { concurrency: 32, waitTimeSeconds: 20 });
    for (let i = 0; i < 40; i++) await requests.send(envelope(`q${i}`), { replyTo: results });
    const later = gate();
    // The first receive answers at once (a full batch: a backlog); later ones wait.
    const watch = watchReceives(requests, { before: (call) => (call > 1 ? later.opened : undefined) });
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    await vi.waitFor(() => expect(watch.asked).toHaveLength(3));
    // Ten running, twenty asked for by two receives in flight, none beyond that.
    expect(watch.asked).toEqual([10, 10, 10]);
    expect(watch.inFlight).toBe(2);
    later.open();
    release();
    await vi.waitFor(async () => expect(await results.approximateCount()).toBe(40));
    controller.abort();
    await running;
    expect(watch.peak).toBe(2);
    expect(await requests.approximateCount()).toBe(0);
  });

  it("on an empty queue, long-polls with one receive and ends it on abort", async () => {
    const { adapter } = scripted([]);
    const { loop, requests } = setup(adapter, { concurrency: 16, waitTimeSeconds: 20 });
    const watch = watchReceives(requests);
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    await vi.waitFor(() => expect(watch.asked).toHaveLength(1));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(watch.asked).toHaveLength(1);
    controller.abort();
    await running;
    expect(loop.running).toBe(false);
  });

  it("without a long poll, receives one batch at a time", async () => {
    const { adapter } = scripted([{ text: '{"answer": "x"}', toolCalls: [] }], { repeat: true });
    const { loop, requests, results } = setup(adapter, { concurrency: 16 });
    const watch = watchReceives(requests);
    for (let i = 0; i < 30; i++) await requests.send(envelope(`q${i}`), { replyTo: results });
    await loop.run({ maxIterations: 4 });
    expect(watch.peak).toBe(1);
    expect(await results.approximateCount()).toBe(30);
  });

  it("without lease extension, does not start a message that waited out its visibility behind a settle", async () => {
    const models: string[] = [];
    const answer = (name: string) => () => {
      models.push(name);
      return { text: '{"answer": "x"}', toolCalls: [] as [] };
    };
    const { adapter } = scripted([answer("a"), answer("b")]);
    const { loop, requests, results, clock } = setup(adapter, {
      concurrency: 1,
      leaseExtender: false,
      visibilityTimeout: 30,
    });
    const slow = gate();
    const received: string[] = [];
    const watch = watchReceives(requests, {
      each: (message, id) => {
        received.push(id);
        if (id === "req-a") holdAcknowledge(message, slow.opened);
      },
    });
    for (const q of ["a", "b"]) await requests.send(envelope(q), { replyTo: results });
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    await vi.waitFor(() => expect(received).toContain("req-b"));
    // a's acknowledgement outlasts b's visibility, and another worker takes b (and a).
    clock.advance(31_000);
    const other = await watch.receive({ maxMessages: 10, visibilityTimeout: 600 });
    expect(other.map(requestIdOf).sort()).toEqual(["req-a", "req-b"]);
    slow.open();
    await vi.waitFor(async () => expect(await results.approximateCount()).toBe(1));
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    controller.abort();
    await running;
    expect(models).toEqual(["a"]);
  });

  it("without a long poll, an idle pause never holds back a buffered message", async () => {
    const events: string[] = [];
    const answer = (name: string) => () => {
      events.push(`model ${name}`);
      return { text: '{"answer": "x"}', toolCalls: [] as [] };
    };
    const { adapter } = scripted([answer("a"), answer("b"), answer("c")]);
    const { loop, requests, results } = setup(adapter, { concurrency: 2, waitTimeSeconds: 0 });
    const gates = new Map<string, () => void>();
    watchReceives(requests, {
      empty: () => events.push("empty"),
      each: (message, id) => {
        events.push(`received ${id}`);
        if (id === "req-c") return;
        const held = gate();
        gates.set(id, held.open);
        holdAcknowledge(message, held.opened);
      },
    });
    for (const q of ["a", "b", "c"]) await requests.send(envelope(q), { replyTo: results });
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    // a and b settle slowly; c was received for a settling slot and waits in the buffer.
    await vi.waitFor(() => expect(events).toContain("received req-c"));
    expect(events).not.toContain("model c");
    // a's settlement ends: c starts at once (the fake clock never runs a pause out here).
    gates.get("req-a")?.();
    await vi.waitFor(() => expect(events).toContain("model c"));
    gates.get("req-b")?.();
    controller.abort();
    await running;
  });

  it("rejects a batch size outside 1-10 and a second concurrent run", async () => {
    expect(() => setup(scripted([]).adapter, { batchSize: 11 })).toThrow(
      /batchSize must be an integer from 1 to 10, got 11/,
    );
    const { loop } = setup(scripted([]).adapter, { waitTimeSeconds: 20 });
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    await expect(loop.run()).rejects.toThrow(/is already running/);
    controller.abort();
    await running;
  });
});

describe("MainLoop leases and idling", () => {
  it("does not spin on an empty queue without a long poll: it sleeps between receives", async () => {
    const { adapter } = scripted([]);
    const { loop, clock } = setup(adapter, { waitTimeSeconds: 0 });
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(clock.pendingTimers).toBeGreaterThanOrEqual(1);
    controller.abort();
    await running;
  });

  it("keeps buffered messages leased while an earlier request works, so none runs twice", async () => {
    let evaluations = 0;
    const slowThenFast = async (): Promise<{ text: string; toolCalls: [] }> => {
      evaluations++;
      if (evaluations === 1) await gate.promise;
      return { text: '{"answer": "x"}', toolCalls: [] };
    };
    const gate = deferred();
    const { adapter } = scripted([slowThenFast, slowThenFast, slowThenFast]);
    const { loop, requests, results, clock } = setup(adapter, {
      concurrency: 1,
      batchSize: 3,
      visibilityTimeout: 10,
      leaseExtender: { intervalSeconds: 1, extensionSeconds: 10 },
    });
    for (const q of ["a", "b", "c"]) await requests.send(envelope(q), { replyTo: results });
    const running = loop.run({ maxIterations: 1 });
    for (let second = 0; second < 25; second++) {
      await clock.tick(1_000);
      loop.heartbeat.beat();
    }
    // "a" is in flight without progress, so its own lease may lapse; the buffered ones must not.
    const visible = await requests.receive({ maxMessages: 10, visibilityTimeout: 0 });
    const ids = visible.map((m) => (m.body as { requestId: string }).requestId);
    expect(ids).not.toContain("req-b");
    expect(ids).not.toContain("req-c");
    gate.resolve();
    await running;
    expect(evaluations).toBe(3);
    expect(await results.approximateCount()).toBe(3);
  });

  it("lets a hung request's lease expire even while other requests keep the loop beating", async () => {
    let calls = 0;
    const hangFirst = async (): Promise<{ text: string; toolCalls: [] }> => {
      calls++;
      if (calls === 1) await new Promise(() => {});
      return { text: '{"answer": "x"}', toolCalls: [] };
    };
    const { adapter } = scripted([hangFirst], { repeat: true });
    const { loop, requests, results, clock } = setup(adapter, {
      concurrency: 2,
      visibilityTimeout: 10,
      waitTimeSeconds: 0,
      leaseExtender: { intervalSeconds: 1, extensionSeconds: 10 },
    });
    await requests.send(envelope("hung"), { replyTo: results });
    const controller = new AbortController();
    const running = loop.run({ signal: controller.signal });
    for (let second = 0; second < 30; second++) {
      await clock.tick(1_000);
      loop.heartbeat.beat();
    }
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({ requestId: "req-hung", success: true, attempt: 2 });
    controller.abort();
    await Promise.race([running, clock.tick(0)]);
  });

  it("its own visibilityTimeout and waitTimeSeconds win over the values run() is given", async () => {
    const { adapter } = scripted([{ text: '{"answer": "x"}' }]);
    const { loop, requests } = setup(adapter, { visibilityTimeout: 7, waitTimeSeconds: 0 });
    await requests.send(envelope("q"));
    const seen: number[] = [];
    const receive = requests.receive.bind(requests);
    requests.receive = (options) => {
      seen.push(options?.visibilityTimeout ?? -1, options?.waitTimeSeconds ?? -1);
      return receive(options);
    };
    await loop.run({ maxIterations: 1, visibilityTimeout: 1_800, waitTimeSeconds: 20 });
    expect(seen).toEqual([7, 0]);
  });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("MainLoop error hygiene", () => {
  it("an excluded error is never dead-lettered, even for a request that can never succeed", async () => {
    const { adapter } = scripted([]);
    const { loop, requests, results, deadLetters, clock } = setup(adapter, {
      dlqOptions: { excludeErrors: [DeadlineExceededError] },
    });
    await requests.send(
      { ...envelope("q"), deadline: new Date(clock.epochMs() - 1).toISOString() },
      { replyTo: results },
    );
    await loop.run({ maxIterations: 1 });
    expect(await deadLetters.approximateCount()).toBe(0);
    const [reply] = await results.receive();
    expect(reply?.body.error?.type).toBe("DeadlineExceededError");
    expect(await requests.approximateCount()).toBe(0);
  });

  it("redacts secrets from error replies and dead letters", async () => {
    const adapter = failing(
      () => new Error("connect postgres://app:hunter2@db/x with key sk-ant-api03-abcdefghijklmnopqrstuvwx"),
    );
    const { loop, requests, results, deadLetters } = setup(adapter, { dlqOptions: { maxDeliveryCount: 1 } });
    await requests.send(envelope("q"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    const [letter] = await deadLetters.receive();
    for (const text of [
      reply?.body.error?.message ?? "",
      (letter?.body as DeadLetter | undefined)?.lastError ?? "",
    ]) {
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain("abcdefghijklmnopqrstuvwx");
      expect(text).toContain("[REDACTED]");
    }
  });
});

describe("MainLoop review fixes", () => {
  it("does not start a buffered message whose lease ran out while it waited", async () => {
    let evaluations = 0;
    const gate = deferred();
    const first = async (): Promise<{ text: string; toolCalls: [] }> => {
      evaluations++;
      await gate.promise;
      return { text: '{"answer": "a"}', toolCalls: [] };
    };
    const rest = async (): Promise<{ text: string; toolCalls: [] }> => {
      evaluations++;
      return { text: '{"answer": "b"}', toolCalls: [] };
    };
    const { adapter } = scripted([first, rest]);
    const { loop, requests, results, clock } = setup(adapter, {
      concurrency: 1,
      batchSize: 2,
      visibilityTimeout: 10,
      leaseExtender: { intervalSeconds: 1, extensionSeconds: 10 },
    });
    for (const q of ["a", "b"]) await requests.send(envelope(q), { replyTo: results });
    const running = loop.run({ maxIterations: 1 });
    await clock.tick(30_000);
    gate.resolve();
    await running;
    expect(evaluations).toBe(1);
    const again = await requests.receive({ maxMessages: 10, visibilityTimeout: 0 });
    expect(again.map((m) => (m.body as { requestId: string }).requestId)).toContain("req-b");
  });

  it("with a DLQ, a reply that keeps failing ends in the DLQ instead of re-running forever", async () => {
    const { adapter, model } = scripted([{ text: '{"answer": "x"}' }], { repeat: true });
    const { loop, requests, deadLetters, clock } = setup(adapter, { dlqOptions: { maxDeliveryCount: 2 } });
    const closed = new InMemoryMailbox({ name: uniqueName("closed-replies"), clock });
    await closed.close();
    await requests.send(envelope("q"), { replyTo: closed });
    for (let i = 0; i < 4; i++) {
      await loop.run({ maxIterations: 1 });
      clock.advance(900_000);
    }
    expect(model.requests).toBe(2);
    expect(await deadLetters.approximateCount()).toBe(1);
    expect(await requests.approximateCount()).toBe(0);
  });

  it("redacts secret fields of the request in dead letters", async () => {
    const adapter = failing(() => new Error("boom"));
    const { loop, requests, deadLetters } = setup(adapter, { dlqOptions: { maxDeliveryCount: 1 } });
    await requests.send({ ...envelope("q"), apiKey: "sk-ant-api03-secretsecretsecretsecret" });
    await loop.run({ maxIterations: 1 });
    const [letter] = await deadLetters.receive();
    expect(JSON.stringify(letter?.body)).not.toContain("secretsecretsecret");
  });
});
