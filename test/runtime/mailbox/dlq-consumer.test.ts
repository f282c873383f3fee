/**
 * DLQConsumer over the real dead letters of a MainLoop, on the in-memory mailbox, Redis and SQS
 * (fauxqs): a poison request is dead-lettered, listed with its reason and attempts without being
 * consumed, shown by id, redriven to its source queue where the fixed loop answers it, and the DLQ
 * is then empty; a letter whose send fails stays. Then the finer rules on the in-memory mailbox:
 * choosing letters, targets, letters that are not records, purge, the duplicate window, limits.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { RedisMailbox } from "../../../src/contrib/mailbox/redis/index.js";
import { SQSMailbox } from "../../../src/contrib/mailbox/sqs/index.js";
import {
  type DeadLetter,
  DLQConsumer,
  DLQPolicy,
  InMemoryMailbox,
  type Mailbox,
  MailboxRegistry,
  type Message,
} from "../../../src/runtime/mailbox/index.js";
import type { MainLoopResult } from "../../../src/runtime/main-loop/index.js";
import {
  cleanup,
  closedPort,
  describeRedis,
  newClient,
  uniqueName,
} from "../../contrib/mailbox/redis/helpers.js";
import { startSqs, TEST_CREDENTIALS, type TestSqs } from "../../contrib/mailbox/sqs/fauxqs.js";
import { type AnswerT, envelope, failing, QALoop, Question, scripted } from "../main-loop/fixtures.js";

type Requests = Mailbox<unknown, MainLoopResult<AnswerT>>;
type Results = Mailbox<MainLoopResult<AnswerT>>;

/** The queues of one backend, and how to get a nacked request delivered again. */
interface World {
  readonly requests: Requests;
  readonly results: Results;
  readonly deadLetters: Mailbox<DeadLetter>;
  /** Deliveries before the loop dead-letters (2 where the retry backoff can be skipped). */
  readonly maxDeliveryCount: number;
  readonly clock?: FakeClock;
  /** Seconds each DLQ receive waits (SQS short polls may return nothing). */
  readonly waitSeconds: number;
  /** A mailbox whose sends fail as an unreachable broker's do. */
  unreachable(): Promise<Mailbox<unknown>>;
}

let sqs: TestSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(async () => {
  await sqs.stop();
  await cleanup();
});

function memoryWorld(): World {
  const clock = new FakeClock();
  const results: Results = new InMemoryMailbox({ name: uniqueName("results"), clock });
  return {
    requests: new InMemoryMailbox({
      name: uniqueName("requests"),
      clock,
      resolver: new MailboxRegistry([results]),
    }),
    results,
    deadLetters: new InMemoryMailbox<DeadLetter>({ name: uniqueName("dlq"), clock }),
    maxDeliveryCount: 2,
    clock,
    waitSeconds: 0,
    async unreachable() {
      const closed = new InMemoryMailbox({ name: uniqueName("gone"), clock });
      await closed.close();
      return closed;
    },
  };
}

function redisWorld(): World {
  const client = newClient();
  return {
    requests: new RedisMailbox({ name: uniqueName("requests"), client }),
    results: new RedisMailbox({ name: uniqueName("results"), client }),
    deadLetters: new RedisMailbox<DeadLetter>({ name: uniqueName("dlq"), client, ttlSeconds: 0 }),
    maxDeliveryCount: 1,
    waitSeconds: 0,
    async unreachable() {
      const dead = newClient({ port: await closedPort(), lazyConnect: true, retryStrategy: () => null });
      dead.on("error", () => {});
      return new RedisMailbox({ name: uniqueName("gone"), client: dead, responseTimeoutMs: 1_000 });
    },
  };
}

async function sqsWorld(): Promise<World> {
  const client = sqs.client;
  return {
    requests: new SQSMailbox<unknown, MainLoopResult<AnswerT>>({
      queueUrl: (await sqs.queue("requests")).url,
      client,
    }),
    results: new SQSMailbox<MainLoopResult<AnswerT>>({ queueUrl: (await sqs.queue("results")).url, client }),
    deadLetters: new SQSMailbox<DeadLetter>({ queueUrl: (await sqs.queue("dlq")).url, client }),
    maxDeliveryCount: 1,
    waitSeconds: 1,
    async unreachable() {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const client = new SQSClient({
        endpoint,
        region: "us-east-1",
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      });
      return new SQSMailbox({ queueUrl: `${endpoint}/000000000000/gone`, client, responseTimeoutMs: 1_000 });
    },
  };
}

function loopOn(world: World, adapter: ReturnType<typeof scripted>["adapter"] | ReturnType<typeof failing>) {
  return new QALoop({
    adapter,
    requests: world.requests,
    requestSchema: Question,
    name: "qa",
    ...(world.clock ? { clock: world.clock } : {}),
    config: {
      waitTimeSeconds: world.clock ? 0 : 1,
      leaseExtender: false,
      dlq: new DLQPolicy({ mailbox: world.deadLetters, maxDeliveryCount: world.maxDeliveryCount }),
    },
  });
}

/** Send `requestIds` with the results queue as reply address, and fail them into the DLQ. */
async function deadLetter(world: World, ...requestIds: string[]): Promise<void> {
  for (const id of requestIds) {
    await world.requests.send(envelope(`question of ${id}`, id), { replyTo: world.results.name });
  }
  const broken = loopOn(
    world,
    failing(() => new TypeError("cannot read the question")),
  );
  for (let attempt = 1; attempt <= world.maxDeliveryCount; attempt++) {
    for (const _ of requestIds) await broken.run({ maxIterations: 1 });
    world.clock?.advance(900_000); // past the retry backoff
  }
  // The senders were answered with the error; take those replies out of the way.
  for (const _ of requestIds) {
    const [reply] = await world.results.receive({ waitTimeSeconds: world.clock ? 0 : 2 });
    expect(reply?.body).toMatchObject({ success: false });
    await reply?.acknowledge();
  }
}

const backends: [string, (typeof describe)["skip"] | typeof describe, () => World | Promise<World>][] = [
  ["the in-memory mailbox", describe, memoryWorld],
  ["Redis", describeRedis as typeof describe, redisWorld],
  ["SQS", describe, sqsWorld],
];

for (const [name, suite, make] of backends) {
  suite(`DLQConsumer on ${name}`, () => {
    it("lists a poison request with its reason and attempts, redrives it, and the fixed loop answers it", async () => {
      const world = await make();
      await deadLetter(world, "req-1");
      const dlq = new DLQConsumer(world.deadLetters, { waitSeconds: world.waitSeconds });

      const letters = await dlq.list();
      expect(letters).toEqual([
        expect.objectContaining({
          recorded: true,
          requestId: "req-1",
          sourceMailbox: world.requests.name,
          lastErrorType: "TypeError",
          lastError: "cannot read the question",
          deliveryCount: world.maxDeliveryCount,
          replyTo: world.results.name,
          body: envelope("question of req-1", "req-1"),
        }),
      ]);
      const letter = letters[0]!;
      expect(Date.parse(letter.deadLetteredAt)).toBeGreaterThan(0);
      // Listing consumed nothing.
      expect((await dlq.list()).map((l) => l.letterId)).toEqual([letter.letterId]);
      expect((await dlq.show(letter.letterId))?.requestId).toBe("req-1");
      expect((await dlq.show(letter.messageId))?.letterId).toBe(letter.letterId);
      expect(await dlq.show("no-such-letter")).toBeUndefined();

      const report = await dlq.redrive({ ids: [letter.letterId], to: world.requests });
      expect(report.kept).toEqual([]);
      expect(report.notFound).toEqual([]);
      expect(report.sent).toEqual([
        expect.objectContaining({ letterId: letter.letterId, requestId: "req-1", to: world.requests.name }),
      ]);
      expect(await dlq.list()).toEqual([]);
      expect(await world.deadLetters.approximateCount()).toBe(0);

      const { adapter } = scripted([{ text: '{"answer": "42"}' }]);
      await loopOn(world, adapter).run({ maxIterations: 1 });
      const [answer] = await world.results.receive({ waitTimeSeconds: world.clock ? 0 : 2 });
      expect(answer?.body).toMatchObject({ requestId: "req-1", success: true, output: { answer: "42" } });
      await answer?.acknowledge();
      expect(await world.requests.approximateCount()).toBe(0);
    });

    it("keeps letters it cannot send, reporting why, and sends them once the target is back", async () => {
      const world = await make();
      await deadLetter(world, "req-a", "req-b");
      const dlq = new DLQConsumer(world.deadLetters, { waitSeconds: world.waitSeconds });
      const before = (await dlq.list()).map((l) => l.letterId).sort();
      expect(before).toHaveLength(2);

      const down = await world.unreachable();
      const failed = await dlq.redrive({ all: true, to: down });
      expect(failed.sent).toEqual([]);
      expect(failed.kept.map((k) => k.letterId).sort()).toEqual(before);
      for (const kept of failed.kept) expect(kept.error).not.toBe("");
      expect((await dlq.list()).map((l) => l.letterId).sort()).toEqual(before);

      const retried = await dlq.redrive({ all: true, to: world.requests });
      expect(retried.sent.map((s) => s.requestId).sort()).toEqual(["req-a", "req-b"]);
      expect(await dlq.list()).toEqual([]);
      await down.close();
    });
  });
}

describe("DLQConsumer on SQS, over a queue's own redrive policy", () => {
  it("lists the moved request as not a record and redrives it with `to`, reply address kept", async () => {
    const dlqQueue = await sqs.queue("native-dlq");
    const attributes = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqQueue.url, AttributeNames: ["QueueArn"] }),
    );
    const policy = JSON.stringify({
      deadLetterTargetArn: attributes.Attributes?.QueueArn,
      maxReceiveCount: 1,
    });
    const source = await sqs.client.send(
      new CreateQueueCommand({ QueueName: uniqueName("native"), Attributes: { RedrivePolicy: policy } }),
    );
    const requests = new SQSMailbox({ queueUrl: source.QueueUrl ?? "", client: sqs.client });
    const results = new SQSMailbox({ queueUrl: (await sqs.queue("native-results")).url, client: sqs.client });
    await requests.send(envelope("q", "req-native"), { replyTo: results.name });
    // Received and returned twice: SQS moves it to the DLQ on the second receive.
    for (let i = 0; i < 2; i++) for (const m of await requests.receive()) await m.nack(0);

    const dlq = new DLQConsumer(new SQSMailbox({ queueUrl: dlqQueue.url, client: sqs.client }), {
      waitSeconds: 1,
    });
    const [letter] = await dlq.list();
    expect(letter).toMatchObject({
      recorded: false,
      requestId: "req-native",
      sourceMailbox: "",
      lastErrorType: "",
      replyTo: results.name,
      body: envelope("q", "req-native"),
    });
    const unknownSource = await dlq.redrive({
      all: true,
      to: (source) => (source ? requests : Promise.reject(new Error(`no source`))),
    });
    expect(unknownSource.kept).toEqual([expect.objectContaining({ error: "no source" })]);

    const report = await dlq.redrive({ all: true, to: requests });
    expect(report.sent).toEqual([expect.objectContaining({ requestId: "req-native", to: requests.name })]);
    const [back] = await requests.receive({ waitTimeSeconds: 2 });
    expect(back?.body).toEqual(envelope("q", "req-native"));
    expect(back?.replyTo).toBe(results.name);
    expect(await dlq.list()).toEqual([]);
  });
});

/** A record as DLQPolicy writes it, for the in-memory rules below. */
function record(n: number, source = "requests"): DeadLetter {
  return {
    messageId: `m-${n}`,
    body: envelope(`q${n}`, `req-${n}`),
    sourceMailbox: source,
    deliveryCount: 3,
    lastError: `failed ${n}`,
    lastErrorType: "TypeError",
    deadLetteredAt: "2026-01-01T00:00:00.000Z",
    firstReceivedAt: "2026-01-01T00:00:00.000Z",
    requestId: `req-${n}`,
    replyTo: "results",
  };
}

async function filled(...letters: DeadLetter[]) {
  const deadLetters = new InMemoryMailbox<DeadLetter>({ name: uniqueName("dlq") });
  for (const letter of letters) await deadLetters.send(letter);
  return deadLetters;
}

async function drain(mailbox: Mailbox<unknown>): Promise<Message<unknown>[]> {
  return mailbox.receive({ maxMessages: 10 });
}

describe("DLQConsumer rules", () => {
  it("redrives only the chosen letters, keeps the others in order, and names ids it did not find", async () => {
    const deadLetters = await filled(record(1), record(2), record(3));
    const requests = new InMemoryMailbox({ name: "requests" });
    const dlq = new DLQConsumer(deadLetters);
    const [first, second, third] = await dlq.list();
    const report = await dlq.redrive({ ids: [second!.letterId, "m-3", "nope"], to: requests });
    expect(report.sent.map((s) => s.requestId)).toEqual(["req-2", "req-3"]);
    expect(report.notFound).toEqual(["nope"]);
    expect((await dlq.list()).map((l) => l.letterId)).toEqual([first!.letterId]);
    const sent = await drain(requests);
    expect(sent.map((m) => [m.body, m.replyTo])).toEqual([
      [envelope("q2", "req-2"), "results"],
      [envelope("q3", "req-3"), "results"],
    ]);
    expect(third?.messageId).toBe("m-3");
  });

  it("finds each letter's source mailbox through its resolver, and needs a target and a choice", async () => {
    const a = new InMemoryMailbox({ name: "a" });
    const b = new InMemoryMailbox({ name: "b" });
    const deadLetters = await filled(record(1, "a"), record(2, "b"), record(3, "c"));
    const report = await new DLQConsumer(deadLetters, { resolver: new MailboxRegistry([a, b]) }).redrive({
      all: true,
    });
    expect(report.sent.map((s) => s.to)).toEqual(["a", "b"]);
    expect(report.kept).toEqual([expect.objectContaining({ requestId: "req-3", to: "c" })]);
    expect(report.kept[0]?.error).toMatch(/No mailbox named "c"/);
    expect(await a.approximateCount()).toBe(1);

    const bare = new DLQConsumer(deadLetters);
    await expect(bare.redrive({ all: true })).rejects.toThrow(
      /pass `to`.*or give the DLQConsumer a `resolver`/,
    );
    await expect(bare.redrive({ to: a })).rejects.toThrow(/needs `ids`.*or `all: true`/);
    await expect(bare.redrive({ ids: ["x"], all: true, to: a })).rejects.toThrow(/not both/);
    await expect(bare.redrive({ all: true, to: deadLetters })).resolves.toMatchObject({
      kept: [expect.objectContaining({ error: expect.stringMatching(/dead-letter mailbox itself/) })],
    });
  });

  it("lists a message that is not a record, and redrives it only to an explicit target", async () => {
    const deadLetters = new InMemoryMailbox<unknown>({ name: uniqueName("dlq") });
    await deadLetters.send(envelope("raw", "req-raw"), { replyTo: "results" });
    const dlq = new DLQConsumer(deadLetters, { resolver: new MailboxRegistry() });
    const [letter] = await dlq.list();
    expect(letter).toMatchObject({
      recorded: false,
      requestId: "req-raw",
      replyTo: "results",
      sourceMailbox: "",
    });
    expect((await dlq.redrive({ all: true })).kept[0]?.error).toMatch(/not a dead-letter record.*`to`/);
    const requests = new InMemoryMailbox({ name: "requests" });
    expect((await dlq.redrive({ all: true, to: requests })).sent).toHaveLength(1);
    const [back] = await drain(requests);
    expect(back?.replyTo).toBe("results");
  });

  it("reports a letter sent but not deleted: the duplicate window is visible, not silent", async () => {
    const inner = await filled(record(1));
    const flaky: Mailbox<unknown> = {
      name: inner.name,
      get closed() {
        return inner.closed;
      },
      send: (body, options) => inner.send(body as DeadLetter, options),
      receive: async (options) => (await inner.receive(options)).map(failingAck),
      purge: () => inner.purge(),
      approximateCount: () => inner.approximateCount(),
      close: () => inner.close(),
    };
    const requests = new InMemoryMailbox({ name: "requests" });
    const report = await new DLQConsumer(flaky).redrive({ all: true, to: requests });
    expect(report.sent).toEqual([
      expect.objectContaining({ requestId: "req-1", deleteError: "connection lost" }),
    ]);
    expect(await requests.approximateCount()).toBe(1);
    expect(await new DLQConsumer(inner).list()).toHaveLength(1);
  });

  it("purges chosen letters, honours limit, and checks its options", async () => {
    const deadLetters = await filled(record(1), record(2), record(3));
    const dlq = new DLQConsumer(deadLetters);
    expect(await dlq.list({ limit: 2 })).toHaveLength(2);
    const purged = await dlq.purge({ ids: ["m-1", "missing"] });
    expect(purged).toMatchObject({ failed: [], notFound: ["missing"] });
    expect(purged.deleted).toHaveLength(1);
    // The two listed first went back behind the third: a partial read rotates the queue.
    expect((await dlq.list()).map((l) => l.messageId)).toEqual(["m-3", "m-2"]);
    await expect(dlq.purge({ ids: [] })).rejects.toThrow(/purge needs `ids`/);
    await expect(dlq.list({ limit: 0 })).rejects.toThrow(/limit must be a whole number >= 1, got 0/);
    expect(() => new DLQConsumer(deadLetters, { holdSeconds: 0 })).toThrow(
      /holdSeconds .* from 1 to 43200, got 0/,
    );
    expect(() => new DLQConsumer(deadLetters, { waitSeconds: 21 })).toThrow(/waitSeconds .* from 0 to 20/);
  });
});

/** `message` with an acknowledge that fails as a dropped connection would. */
function failingAck(message: Message<unknown>): Message<unknown> {
  return {
    id: message.id,
    body: message.body,
    bodyError: message.bodyError,
    receiptHandle: message.receiptHandle,
    deliveryCount: message.deliveryCount,
    enqueuedAt: message.enqueuedAt,
    replyTo: message.replyTo,
    get finalized() {
      return message.finalized;
    },
    reply: (body) => message.reply(body),
    acknowledge: async () => {
      throw new Error("connection lost");
    },
    nack: (timeout) => message.nack(timeout),
    extendVisibility: (timeout) => message.extendVisibility(timeout),
  };
}
