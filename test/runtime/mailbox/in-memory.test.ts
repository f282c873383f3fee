import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { WinkError } from "../../../src/errors.js";
import { resetLogging } from "../../../src/logging/index.js";
import {
  CompositeResolver,
  InMemoryMailbox,
  type InMemoryMailboxOptions,
  InvalidParameterError,
  MailboxFullError,
  MailboxRegistry,
  MailboxResolutionError,
  type Message,
  MessageFinalizedError,
  ReceiptHandleExpiredError,
} from "../../../src/runtime/mailbox/index.js";
import {
  type MailboxConformanceBody,
  mailboxConformanceCases,
} from "../../../src/testing/mailbox-conformance.js";
import { captureLogs } from "../../logging/capture.js";

let serial = 0;

describe("InMemoryMailbox passes the mailbox conformance suite", () => {
  const cases = mailboxConformanceCases(async () => {
    const clock = new FakeClock();
    const n = ++serial;
    const mailbox = new InMemoryMailbox<MailboxConformanceBody>({ name: `requests-${n}`, clock });
    const replies = new InMemoryMailbox({ name: `replies-${n}`, clock });
    return {
      mailbox,
      replies,
      advance: (seconds) => clock.tick(seconds * 1000),
      close: async () => {
        await mailbox.close();
        await replies.close();
      },
    };
  });
  for (const c of cases) it(c.name, c.run);

  it("has a case for every guarantee listed in the contract", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });
});

function setup(options: InMemoryMailboxOptions = {}) {
  const clock = new FakeClock();
  const mailbox = new InMemoryMailbox<string, string>({ name: `box-${++serial}`, clock, ...options });
  return { clock, mailbox };
}

/** Settles a promise's state without waiting for it: "pending" until it resolves. */
async function state<T>(promise: Promise<T>): Promise<"pending" | T> {
  return Promise.race([promise, new Promise<"pending">((resolve) => setImmediate(() => resolve("pending")))]);
}

const bodies = (messages: readonly Message<string, string>[]): string[] => messages.map((m) => m.body);

describe("InMemoryMailbox reaper", () => {
  it("returns expired messages to the tail of the queue", async () => {
    const { clock, mailbox } = setup();
    await mailbox.send("a");
    await mailbox.send("b");
    await mailbox.receive({ visibilityTimeout: 1 });
    clock.advance(1000);
    expect(bodies(await mailbox.receive({ maxMessages: 10 }))).toEqual(["b", "a"]);
  });

  it("moves an expired message on its timer, waking a long poll without any receive", async () => {
    const { clock, mailbox } = setup();
    await mailbox.send("a");
    await mailbox.receive({ visibilityTimeout: 1 });
    const polling = mailbox.receive({ waitTimeSeconds: 30 });
    await clock.tick(999);
    expect(await state(polling)).toBe("pending");
    await clock.tick(1);
    const [msg] = await polling;
    expect(msg?.deliveryCount).toBe(2);
    expect(clock.monotonic()).toBe(1000);
  });

  it("keeps one timer however many messages are in flight, and none when nothing is", async () => {
    const { clock, mailbox } = setup();
    for (let i = 0; i < 100; i++) await mailbox.send(`m${i}`);
    const received: Message<string, string>[] = [];
    for (let i = 0; i < 10; i++) received.push(...(await mailbox.receive({ maxMessages: 10 })));
    expect(received).toHaveLength(100);
    expect(clock.pendingTimers).toBe(1);
    for (const msg of received) await msg.acknowledge();
    await clock.runNext();
    expect(clock.pendingTimers).toBe(0);
  });

  it("reschedules the timer earlier when a visibility is shortened", async () => {
    const { clock, mailbox } = setup();
    await mailbox.send("a");
    const [msg] = await mailbox.receive({ visibilityTimeout: 60 });
    await msg?.extendVisibility(2);
    const polling = mailbox.receive({ waitTimeSeconds: 30 });
    await clock.tick(2000);
    expect(bodies(await polling)).toEqual(["a"]);
  });

  it("never fires more often than reaperIntervalMs", async () => {
    const { clock, mailbox } = setup({ reaperIntervalMs: 250 });
    await mailbox.send("a");
    await mailbox.receive({ visibilityTimeout: 0 });
    clock.advance(249);
    expect(mailbox.reapExpired()).toBe(1); // expired at 0, but the timer is not due before 250
    await mailbox.receive({ visibilityTimeout: 0 });
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1);
    expect(clock.pendingTimers).toBe(0);
    expect(mailbox.reapExpired()).toBe(0); // the timer returned it
    expect(await mailbox.approximateCount()).toBe(1);
  });

  it("reapExpired() returns expired messages at once and says how many", async () => {
    const { clock, mailbox } = setup({ reaperIntervalMs: 60_000 });
    await mailbox.send("a");
    await mailbox.send("b");
    await mailbox.receive({ maxMessages: 2, visibilityTimeout: 1 });
    expect(mailbox.reapExpired()).toBe(0);
    clock.advance(1500);
    expect(mailbox.reapExpired()).toBe(2);
    expect(mailbox.reapExpired()).toBe(0);
    expect(await mailbox.approximateCount()).toBe(2);
  });

  it("a long poll that times out still takes messages whose visibility ended before the reaper ran", async () => {
    const { clock, mailbox } = setup({ reaperIntervalMs: 60_000 });
    await mailbox.send("a");
    await mailbox.receive({ visibilityTimeout: 1 });
    const polling = mailbox.receive({ waitTimeSeconds: 2 });
    await clock.tick(2000);
    const [msg] = await polling;
    expect(msg?.body).toBe("a");
    expect(msg?.deliveryCount).toBe(2);
  });

  it("stops its timer on close", async () => {
    const { clock, mailbox } = setup();
    await mailbox.send("a");
    await mailbox.receive();
    expect(clock.pendingTimers).toBe(1);
    await mailbox.close();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("InMemoryMailbox long polls on the fake clock", () => {
  it("waits exactly waitTimeSeconds and then returns nothing", async () => {
    const { clock, mailbox } = setup();
    const polling = mailbox.receive({ waitTimeSeconds: 5 });
    await clock.tick(4999);
    expect(await state(polling)).toBe("pending");
    await clock.tick(1);
    expect(await polling).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("returns at once when a message is already waiting", async () => {
    const { mailbox } = setup();
    await mailbox.send("a");
    expect(bodies(await mailbox.receive({ waitTimeSeconds: 20 }))).toEqual(["a"]);
  });

  it("hands messages to waiting receivers first come, first served", async () => {
    const { clock, mailbox } = setup();
    const first = mailbox.receive({ waitTimeSeconds: 10, maxMessages: 10 });
    const second = mailbox.receive({ waitTimeSeconds: 10 });
    const third = mailbox.receive({ waitTimeSeconds: 10 });
    await mailbox.send("m1");
    expect(await state(second)).toBe("pending");
    await mailbox.send("m2");
    await mailbox.send("m3");
    expect(bodies(await first)).toEqual(["m1"]);
    expect(bodies(await second)).toEqual(["m2"]);
    expect(bodies(await third)).toEqual(["m3"]);
    expect(clock.pendingTimers).toBe(1); // the reaper, not the waits
  });

  it("a receiver that gave up is skipped", async () => {
    const { clock, mailbox } = setup();
    const early = mailbox.receive({ waitTimeSeconds: 1 });
    const late = mailbox.receive({ waitTimeSeconds: 10 });
    await clock.tick(1000);
    expect(await early).toEqual([]);
    await mailbox.send("m");
    expect(bodies(await late)).toEqual(["m"]);
  });

  it("an aborted receiver is skipped and its timer cancelled", async () => {
    const { clock, mailbox } = setup();
    const controller = new AbortController();
    const aborted = mailbox.receive({ waitTimeSeconds: 10, signal: controller.signal });
    const other = mailbox.receive({ waitTimeSeconds: 10 });
    controller.abort();
    expect(await aborted).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    await mailbox.send("m");
    expect(bodies(await other)).toEqual(["m"]);
  });

  it("an already-aborted signal returns nothing at once, even with messages waiting", async () => {
    const { mailbox } = setup();
    await mailbox.send("a");
    expect(await mailbox.receive({ signal: AbortSignal.abort() })).toEqual([]);
    expect(await mailbox.approximateCount()).toBe(1);
  });

  it("wakes when a nacked message becomes visible", async () => {
    const { clock, mailbox } = setup();
    await mailbox.send("a");
    const [msg] = await mailbox.receive();
    await msg?.nack(2);
    const polling = mailbox.receive({ waitTimeSeconds: 10 });
    await clock.tick(1999);
    expect(await state(polling)).toBe("pending");
    await clock.tick(1);
    expect(bodies(await polling)).toEqual(["a"]);
  });

  it("wakes at once on nack(0)", async () => {
    const { mailbox } = setup();
    await mailbox.send("a");
    const [msg] = await mailbox.receive();
    const polling = mailbox.receive({ waitTimeSeconds: 10 });
    await msg?.nack();
    expect(bodies(await polling)).toEqual(["a"]);
  });

  it("an infinite wait ends only by a message, an abort or close", async () => {
    const { clock, mailbox } = setup();
    const first = mailbox.receive({ waitTimeSeconds: Number.POSITIVE_INFINITY });
    const second = mailbox.receive({ waitTimeSeconds: Number.POSITIVE_INFINITY });
    expect(clock.pendingTimers).toBe(0);
    await mailbox.send("a");
    expect(bodies(await first)).toEqual(["a"]);
    await mailbox.close();
    expect(await second).toEqual([]);
  });
});

describe("InMemoryMailbox limits and settlement", () => {
  it("throws MailboxFullError naming the size once maxSize messages are held, in flight included", async () => {
    const { mailbox } = setup({ maxSize: 2 });
    await mailbox.send("a");
    await mailbox.send("b");
    const [msg] = await mailbox.receive();
    const full = mailbox.send("c");
    await expect(full).rejects.toBeInstanceOf(MailboxFullError);
    await expect(full).rejects.toThrow(/maximum of 2 messages/);
    await msg?.acknowledge();
    await expect(mailbox.send("c")).resolves.toEqual(expect.any(String));
  });

  it("makes a visibility of 0 visible again at once", async () => {
    const { mailbox } = setup();
    await mailbox.send("a");
    const [first] = await mailbox.receive({ visibilityTimeout: 0 });
    const [second] = await mailbox.receive();
    expect(second?.id).toBe(first?.id);
    expect(second?.deliveryCount).toBe(2);
  });

  it("a nack(t) delivery cannot be settled again through its old message", async () => {
    const { mailbox } = setup();
    await mailbox.send("a");
    const [msg] = await mailbox.receive();
    await msg?.nack(5);
    await expect(msg?.extendVisibility(1)).rejects.toBeInstanceOf(MessageFinalizedError);
  });

  it("purge makes the handles of in-flight messages stale", async () => {
    const { mailbox } = setup();
    await mailbox.send("a");
    await mailbox.send("b");
    const [msg] = await mailbox.receive();
    expect(await mailbox.purge()).toBe(2);
    await expect(msg?.acknowledge()).rejects.toBeInstanceOf(ReceiptHandleExpiredError);
    expect(mailbox.reapExpired()).toBe(0);
  });

  it("names the message id and the handle in ReceiptHandleExpiredError", async () => {
    const { clock, mailbox } = setup();
    await mailbox.send("a");
    const [msg] = await mailbox.receive({ visibilityTimeout: 1 });
    clock.advance(1000);
    await mailbox.receive();
    const error = await msg?.acknowledge().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReceiptHandleExpiredError);
    expect((error as ReceiptHandleExpiredError).details).toMatchObject({
      messageId: msg?.id,
      receiptHandle: msg?.receiptHandle,
    });
  });

  it("stamps enqueuedAt from the clock's wall time", async () => {
    const { clock, mailbox } = setup();
    clock.advance(5000);
    await mailbox.send("a");
    const [msg] = await mailbox.receive();
    expect(msg?.enqueuedAt.toISOString()).toBe("2025-01-01T00:00:05.000Z");
  });

  it("settling after close still works; close is idempotent", async () => {
    const { mailbox } = setup();
    await mailbox.send("a");
    await mailbox.send("b");
    const [a, b] = await mailbox.receive({ maxMessages: 2 });
    await mailbox.close();
    await mailbox.close();
    await a?.acknowledge();
    await b?.nack();
    expect(await mailbox.approximateCount()).toBe(1);
    expect(await mailbox.receive()).toEqual([]);
  });

  it("keeps FIFO order over a long queue drained in batches", async () => {
    const { mailbox } = setup();
    for (let i = 0; i < 3000; i++) await mailbox.send(String(i));
    const seen: string[] = [];
    for (let batch = await mailbox.receive({ maxMessages: 10 }); batch.length > 0; ) {
      seen.push(...bodies(batch));
      for (const msg of batch) await msg.acknowledge();
      if (seen.length === 1500) await mailbox.send("tail");
      batch = await mailbox.receive({ maxMessages: 10 });
    }
    expect(seen).toEqual([...Array.from({ length: 3000 }, (_, i) => String(i)), "tail"]);
  });

  it("rejects bad constructor options", () => {
    expect(() => new InMemoryMailbox({ name: "" })).toThrow(WinkError);
    expect(() => new InMemoryMailbox({ maxSize: 0 })).toThrow(/maxSize/);
    expect(() => new InMemoryMailbox({ maxSize: 1.5 })).toThrow(/maxSize/);
    expect(() => new InMemoryMailbox({ reaperIntervalMs: -1 })).toThrow(/reaperIntervalMs/);
    expect(new InMemoryMailbox().name).toBe("default");
  });

  it("names the parameter, the value and the range in InvalidParameterError", async () => {
    const { mailbox } = setup();
    const error = await mailbox.receive({ visibilityTimeout: 43_201 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as Error).message).toMatch(/visibilityTimeout.*0 and 43200.*43201/);
    await expect(mailbox.receive({ visibilityTimeout: Number.NaN })).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
    await expect(mailbox.receive({ waitTimeSeconds: Number.NaN })).rejects.toThrow(/waitTimeSeconds/);
  });

  it("treats a missing or NaN maxMessages as 1 and rounds fractions down", async () => {
    const { mailbox } = setup();
    for (let i = 0; i < 5; i++) await mailbox.send(String(i));
    expect(await mailbox.receive({ maxMessages: Number.NaN })).toHaveLength(1);
    expect(await mailbox.receive({ maxMessages: 2.9 })).toHaveLength(2);
  });
});

describe("InMemoryMailbox replies", () => {
  it("resolves a reply address given by name through its resolver", async () => {
    const clock = new FakeClock();
    const results = new InMemoryMailbox<string>({ name: "results", clock });
    const requests = new InMemoryMailbox<string, string>({
      name: "requests",
      clock,
      resolver: new MailboxRegistry([results]),
    });
    await requests.send("question", { replyTo: "results" });
    const [msg] = await requests.receive();
    expect(msg?.replyTo).toBe("results");
    await msg?.reply("answer");
    expect(bodies(await results.receive())).toEqual(["answer"]);
  });

  it("fails a reply to an unknown name with MailboxResolutionError listing the known names", async () => {
    const { mailbox } = setup();
    await mailbox.send("question", { replyTo: "nowhere" });
    const [msg] = await mailbox.receive();
    await expect(msg?.reply("answer")).rejects.toBeInstanceOf(MailboxResolutionError);
    await expect(msg?.reply("answer")).rejects.toThrow(/"nowhere".*known: none/);
  });

  it("a reply to a closed mailbox fails and leaves the message unsettled", async () => {
    const { mailbox } = setup();
    const { mailbox: replies } = setup();
    await mailbox.send("question", { replyTo: replies });
    await replies.close();
    const [msg] = await mailbox.receive();
    await expect(msg?.reply("answer")).rejects.toThrow(/closed/);
    expect(msg?.finalized).toBe(false);
  });
});

describe("MailboxRegistry and CompositeResolver", () => {
  it("registers, lists, resolves and unregisters mailboxes by name", () => {
    const a = new InMemoryMailbox({ name: "a" });
    const b = new InMemoryMailbox({ name: "b" });
    const registry = new MailboxRegistry([a]).register(b).register(b);
    expect(registry.names()).toEqual(["a", "b"]);
    expect(registry.resolve("b")).toBe(b);
    expect(registry.unregister("a")).toBe(true);
    expect(registry.unregister("a")).toBe(false);
    expect(() => registry.resolve("a")).toThrow(/No mailbox named "a".*known: "b"/);
  });

  it("refuses a second mailbox under a taken name", () => {
    const registry = new MailboxRegistry([new InMemoryMailbox({ name: "a" })]);
    expect(() => registry.register(new InMemoryMailbox({ name: "a" }))).toThrow(/already registered/);
  });

  it("CompositeResolver tries each resolver in order", () => {
    const fixed = new InMemoryMailbox({ name: "fixed" });
    const made: string[] = [];
    const resolver = new CompositeResolver([
      new MailboxRegistry([fixed]),
      {
        resolve: (name) => {
          made.push(name);
          return new InMemoryMailbox({ name });
        },
      },
    ]);
    expect(resolver.resolve("fixed")).toBe(fixed);
    expect(resolver.resolve("dynamic").name).toBe("dynamic");
    expect(made).toEqual(["dynamic"]);
  });

  it("CompositeResolver reports every reason when nothing resolves, and passes other errors on", () => {
    const failing = new CompositeResolver([new MailboxRegistry(), new MailboxRegistry()]);
    expect(() => failing.resolve("x")).toThrow(/None of the 2 resolvers.*1\. No mailbox.*2\. No mailbox/);
    expect(() => new CompositeResolver([]).resolve("x")).toThrow(MailboxResolutionError);
    const broken = new CompositeResolver([
      {
        resolve: () => {
          throw new TypeError("boom");
        },
      },
    ]);
    expect(() => broken.resolve("x")).toThrow(TypeError);
  });
});

describe("InMemoryMailbox debug logs", () => {
  afterEach(() => resetLogging());

  it("logs mailbox.send, mailbox.receive and mailbox.acknowledge at DEBUG", async () => {
    const logs = captureLogs({ level: "debug" });
    const { mailbox } = setup();
    const id = await mailbox.send("a", { replyTo: "somewhere" });
    const [msg] = await mailbox.receive();
    await msg?.acknowledge();
    const records = logs.records();
    expect(records.map((r) => r.event)).toEqual(["mailbox.send", "mailbox.receive", "mailbox.acknowledge"]);
    expect(records[0]?.context).toMatchObject({ mailbox: mailbox.name, messageId: id, replyTo: "somewhere" });
    expect(records[1]?.context).toMatchObject({ count: 1, messageIds: [id] });
    expect(records[2]?.context).toMatchObject({ messageId: id, deliveryCount: 1 });
  });

  it("writes nothing above DEBUG", async () => {
    const logs = captureLogs({ level: "info" });
    const { mailbox } = setup();
    await mailbox.send("a");
    const [msg] = await mailbox.receive();
    await msg?.acknowledge();
    expect(logs.lines).toEqual([]);
  });
});

type Op =
  | { readonly kind: "send" }
  | { readonly kind: "receive"; readonly max: number; readonly visibility: number }
  | { readonly kind: "ack"; readonly pick: number }
  | { readonly kind: "nack"; readonly pick: number; readonly visibility: number }
  | { readonly kind: "extend"; readonly pick: number; readonly visibility: number }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "purge" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: "send" as const }), weight: 16 },
  {
    arbitrary: fc.record({
      kind: fc.constant("receive" as const),
      max: fc.integer({ min: 1, max: 10 }),
      visibility: fc.integer({ min: 0, max: 3 }),
    }),
    weight: 12,
  },
  { arbitrary: fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }), weight: 12 },
  {
    arbitrary: fc.record({
      kind: fc.constant("nack" as const),
      pick: fc.nat(),
      visibility: fc.integer({ min: 0, max: 3 }),
    }),
    weight: 8,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("extend" as const),
      pick: fc.nat(),
      visibility: fc.integer({ min: 0, max: 3 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 2500 }) }),
    weight: 12,
  },
  { arbitrary: fc.constant({ kind: "purge" as const }), weight: 1 },
);

/** Settling errors an interleaving may legitimately cause: stale handles and double settlement. */
function expectedSettleError(error: unknown): void {
  if (!(error instanceof ReceiptHandleExpiredError || error instanceof MessageFinalizedError)) throw error;
}

describe("InMemoryMailbox under random interleavings", () => {
  it("never loses or duplicates a message: acknowledged + present = sent", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 80 }), async (ops) => {
        const { clock, mailbox } = setup();
        const live = new Set<string>();
        const acked = new Set<string>();
        const held: Message<string, string>[] = [];
        let sent = 0;
        let purged = 0;
        for (const op of ops) {
          const target = held.length > 0 ? held[("pick" in op ? op.pick : 0) % held.length] : undefined;
          switch (op.kind) {
            case "send":
              live.add(await mailbox.send(`m${sent++}`));
              break;
            case "receive":
              held.push(
                ...(await mailbox.receive({ maxMessages: op.max, visibilityTimeout: op.visibility })),
              );
              break;
            case "ack":
              if (target)
                await target.acknowledge().then(() => {
                  expect(acked.has(target.id), `message ${target.id} acknowledged twice`).toBe(false);
                  acked.add(target.id);
                  live.delete(target.id);
                }, expectedSettleError);
              break;
            case "nack":
              if (target) await target.nack(op.visibility).catch(expectedSettleError);
              break;
            case "extend":
              if (target) await target.extendVisibility(op.visibility).catch(expectedSettleError);
              break;
            case "advance":
              clock.advance(op.ms);
              break;
            case "purge":
              purged += await mailbox.purge();
              live.clear();
              break;
          }
          expect(await mailbox.approximateCount()).toBe(live.size);
          expect(acked.size + purged + live.size).toBe(sent);
        }
        // Drain: once every visibility has ended, each live message is delivered exactly once.
        clock.advance(10_000);
        const drained: string[] = [];
        for (
          let batch = await mailbox.receive({ maxMessages: 10, visibilityTimeout: 3600 });
          batch.length > 0;
        ) {
          drained.push(...batch.map((m) => m.id));
          batch = await mailbox.receive({ maxMessages: 10, visibilityTimeout: 3600 });
        }
        expect(new Set(drained).size).toBe(drained.length);
        expect(new Set(drained)).toEqual(live);
      }),
      { numRuns: 300 },
    );
  });
});
