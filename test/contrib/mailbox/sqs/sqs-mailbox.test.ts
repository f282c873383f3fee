import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { createLocalhostHandler } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { FakeClock } from "../../../../src/clock.js";
import {
  MAX_WAIT_TIME_SECONDS,
  REPLY_TO_ATTRIBUTE,
  SQSMailbox,
  SQSMailboxResolver,
  type SQSMessage,
} from "../../../../src/contrib/mailbox/sqs/index.js";
import { WinkError } from "../../../../src/errors.js";
import {
  InvalidParameterError,
  MailboxConnectionError,
  MailboxRegistry,
  MailboxResolutionError,
  MailboxSerializationError,
  MessageFinalizedError,
  ReceiptHandleExpiredError,
} from "../../../../src/runtime/mailbox/index.js";
import { settled } from "../../../support/settled.js";
import { sleep, startSqs, TEST_CREDENTIALS, type TestSqs } from "./fauxqs.js";

let sqs: TestSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(async () => {
  await sqs.stop();
});

async function mailbox<Body = unknown>(prefix = "box", extra: { bodySchema?: z.ZodType<Body> } = {}) {
  const queue = await sqs.queue(prefix);
  return { queue, box: new SQSMailbox<Body, unknown>({ queueUrl: queue.url, client: sqs.client, ...extra }) };
}

/** Captures the input of every ReceiveMessage a client sends. */
function recordReceives() {
  const client = sqs.newClient();
  const inputs: Record<string, unknown>[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "ReceiveMessageCommand") inputs.push(args.input as Record<string, unknown>);
      return next(args);
    },
    { step: "initialize" },
  );
  return { client, inputs };
}

describe.concurrent("SQSMailbox receive", () => {
  it("clamps a long poll over 20 s to 20 s and rounds fractions up to whole seconds", async () => {
    const queue = await sqs.queue();
    const { client, inputs } = recordReceives();
    const box = new SQSMailbox<string>({ queueUrl: queue.url, client });
    await box.send("a");
    await box.send("b");
    const [a] = await box.receive({ waitTimeSeconds: 30, visibilityTimeout: 1.2 });
    const [b] = await box.receive({ waitTimeSeconds: Number.POSITIVE_INFINITY });
    expect([a?.body, b?.body]).toEqual(["a", "b"]);
    await box.receive({ waitTimeSeconds: 0.4, maxMessages: 3 });
    expect(inputs.map((i) => [i.WaitTimeSeconds, i.VisibilityTimeout, i.MaxNumberOfMessages])).toEqual([
      [MAX_WAIT_TIME_SECONDS, 2, 1],
      [MAX_WAIT_TIME_SECONDS, 30, 1],
      [1, 30, 3],
    ]);
  });

  it("an aborted signal ends a 20 s long poll at once and the receive resolves with []", async () => {
    const { box } = await mailbox();
    const controller = new AbortController();
    const started = performance.now();
    const polling = box.receive({ waitTimeSeconds: 20, signal: controller.signal });
    await sleep(150);
    controller.abort();
    expect(await polling).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("close() ends every waiting receive at once, and returns once SQS has answered their long polls", async () => {
    const { box, queue } = await mailbox<string>();
    const started = performance.now();
    const polls = [box.receive({ waitTimeSeconds: 20 }), box.receive({ waitTimeSeconds: 20 })];
    await sleep(150);
    const closing = box.close();
    expect(await Promise.all(polls)).toEqual([[], []]);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(await settled(closing)).toBe(false);
    // Answer both polls: what they get is put back, and close() returns.
    const sender = new SQSMailbox<string>({ queueUrl: queue.url, client: sqs.client });
    await sender.send("a");
    await sender.send("b");
    await closing;
    const back = await sender.receive({ maxMessages: 10 });
    expect(back.map((m) => m.body).sort()).toEqual(["a", "b"]);
  });

  it("a message SQS hands to a long poll whose caller gave up is made visible again at once", async () => {
    // SQS keeps a long poll open after the client hangs up and hands it the next message; were
    // the request aborted, the message would stay hidden for the whole visibility timeout.
    const { box } = await mailbox<string>();
    const controller = new AbortController();
    const polling = box.receive({ waitTimeSeconds: 20, visibilityTimeout: 600, signal: controller.signal });
    await sleep(150);
    controller.abort();
    expect(await polling).toEqual([]);
    await box.send("after the abort");
    const [message] = await box.receive({ waitTimeSeconds: 5, visibilityTimeout: 600 });
    expect(message?.body).toBe("after the abort");
    expect(message?.deliveryCount).toBe(2);
    await message?.acknowledge();
  });

  it("reads deliveryCount from ApproximateReceiveCount across redeliveries, and enqueuedAt from SentTimestamp", async () => {
    const { box } = await mailbox<string>();
    const before = Date.now();
    await box.send("a");
    const [first] = await box.receive({ visibilityTimeout: 1 });
    await sleep(1100);
    const [second] = await box.receive({ visibilityTimeout: 30 });
    await second?.nack();
    const [third] = await box.receive();
    expect([first?.deliveryCount, second?.deliveryCount, third?.deliveryCount]).toEqual([1, 2, 3]);
    expect(new Set([first?.receiptHandle, second?.receiptHandle, third?.receiptHandle]).size).toBe(3);
    const enqueued = third?.enqueuedAt.getTime() ?? 0;
    expect(enqueued).toBeGreaterThanOrEqual(before - 1000);
    expect(enqueued).toBeLessThanOrEqual(Date.now());
    await third?.acknowledge();
  });

  it("messages received before close can still be settled", async () => {
    const { box } = await mailbox<string>();
    await box.send("a");
    await box.send("b");
    const [a, b] = await box.receive({ maxMessages: 2 });
    await box.close();
    await a?.acknowledge();
    await b?.nack();
    expect(await box.approximateCount()).toBe(1);
    expect(await box.receive()).toEqual([]);
  });
});

describe.concurrent("SQSMailbox replies", () => {
  it("carries the reply address as the wink-reply-to attribute and resolves it by name on the same client", async () => {
    const { box: requests } = await mailbox<string>("requests");
    const results = await mailbox<string>("results");
    await requests.send("question", { replyTo: results.queue.name });
    await requests.send("again", { replyTo: results.box });
    const raw = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: requests.queueUrl,
        MaxNumberOfMessages: 2,
        MessageAttributeNames: ["All"],
        VisibilityTimeout: 0,
      }),
    );
    expect(raw.Messages?.map((m) => m.MessageAttributes?.[REPLY_TO_ATTRIBUTE]?.StringValue)).toEqual([
      results.queue.name,
      results.queue.name,
    ]);
    const got = await requests.receive({ maxMessages: 2 });
    expect(got.map((m) => m.replyTo)).toEqual([results.queue.name, results.queue.name]);
    for (const msg of got) {
      await msg.reply(`answer to ${msg.body}`);
      await msg.acknowledge();
    }
    const answers = await results.box.receive({ maxMessages: 10 });
    expect(answers.map((m) => m.body)).toEqual(["answer to question", "answer to again"]);
  });

  it("refuses an empty reply address before sending", async () => {
    const { box } = await mailbox<string>();
    await expect(box.send("q", { replyTo: "" })).rejects.toThrow(/replyTo .* is empty/);
    expect(await box.approximateCount()).toBe(0);
  });

  it("a reply to a queue that does not exist fails with MailboxResolutionError and leaves the message unsettled", async () => {
    const { box } = await mailbox<string>();
    await box.send("q", { replyTo: "no-such-queue-anywhere" });
    const [msg] = await box.receive();
    const error = await msg?.reply("a").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxResolutionError);
    expect((error as Error).message).toMatch(/no queue named "no-such-queue-anywhere".*Create the queue/);
    expect(msg?.finalized).toBe(false);
  });

  it("the resolver caches mailboxes, opens queue URLs directly and refuses names SQS cannot hold", async () => {
    const queue = await sqs.queue();
    const resolver = new SQSMailboxResolver({ client: sqs.client, cacheSize: 1 });
    const byName = resolver.resolve(queue.name);
    expect(resolver.resolve(queue.name)).toBe(byName);
    const byUrl = resolver.resolve(queue.url);
    expect(byUrl.name).toBe(queue.name);
    expect(resolver.resolve(queue.name)).not.toBe(byName); // evicted by the URL entry
    await byUrl.send("direct");
    expect(await byName.approximateCount()).toBe(1);
    expect(() => resolver.resolve("results:v1")).toThrow(MailboxResolutionError);
    expect(() => resolver.resolve("results:v1")).toThrow(/not an SQS queue name/);
  });

  it("uses a given resolver, and opens a mailbox by queue name with GetQueueUrl once it exists", async () => {
    const { box: results } = await mailbox<string>("results");
    const box = new SQSMailbox<string>({
      queueName: "late-queue-not-created-yet",
      client: sqs.client,
      resolver: new MailboxRegistry([results]),
    });
    expect(box.queueUrl).toBeUndefined();
    await expect(box.send("x")).rejects.toBeInstanceOf(MailboxResolutionError);
    const queue = await sqs.queue("late");
    const late = new SQSMailbox<string>({
      queueName: queue.name,
      client: sqs.client,
      resolver: new MailboxRegistry([results]),
    });
    await late.send("x", { replyTo: results.name });
    expect(late.queueUrl).toBe(queue.url);
    const [msg] = await late.receive();
    await msg?.reply("answer");
    expect((await results.receive()).map((m) => m.body)).toEqual(["answer"]);
  });
});

describe.concurrent("SQSMailbox settling", () => {
  it("without verifyAcknowledge a stale acknowledge is ignored by SQS, as AWS documents", async () => {
    const queue = await sqs.queue();
    const box = new SQSMailbox<string>({ queueUrl: queue.url, client: sqs.client, verifyAcknowledge: false });
    await box.send("a");
    const [first] = await box.receive({ visibilityTimeout: 1 });
    await sleep(1100);
    const [second] = await box.receive({ visibilityTimeout: 30 });
    await first?.acknowledge();
    expect(await box.approximateCount()).toBe(1);
    await second?.acknowledge();
    expect(await box.approximateCount()).toBe(0);
  });

  it("a stale settle leaves the delivery unsettled; a settle in flight finalizes it for concurrent callers", async () => {
    const { box } = await mailbox<string>();
    await box.send("a");
    const [first] = await box.receive({ visibilityTimeout: 1 });
    await sleep(1100);
    const [second] = await box.receive({ visibilityTimeout: 30 });
    const stale = await first?.nack(5).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ReceiptHandleExpiredError);
    expect((stale as ReceiptHandleExpiredError).details).toMatchObject({
      messageId: first?.id,
      receiptHandle: first?.receiptHandle,
      awsCode: "MessageNotInflight",
    });
    expect(first?.finalized).toBe(false);
    const acking = second?.acknowledge();
    await expect(second?.acknowledge()).rejects.toBeInstanceOf(MessageFinalizedError);
    await acking;
    expect(second?.finalized).toBe(true);
  });

  it("purge returns the approximate count it deleted", async () => {
    const { box } = await mailbox<number>();
    for (let i = 0; i < 4; i++) await box.send(i);
    await box.receive();
    expect(await box.purge()).toBe(4);
    expect(await box.approximateCount()).toBe(0);
  });
});

describe.concurrent("SQSMailbox bodies", () => {
  it("refuses a body over 256 KiB before sending, naming the size and the limit", async () => {
    const { box } = await mailbox<string>();
    const error = await box.send("x".repeat(262_144)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxSerializationError);
    expect((error as Error).message).toMatch(/262146 bytes.*limit of 262144 bytes \(256 KiB\)/);
    expect((error as MailboxSerializationError).details).toMatchObject({ size: 262_146, limit: 262_144 });
    expect(await box.approximateCount()).toBe(0);
    await box.send("x".repeat(262_142));
  });

  it("counts the reply attribute in the size, and honours a larger maxMessageBytes", async () => {
    const queue = await sqs.queue();
    const box = new SQSMailbox<string>({ queueUrl: queue.url, client: sqs.client });
    await expect(box.send("x".repeat(262_142), { replyTo: "r" })).rejects.toBeInstanceOf(
      MailboxSerializationError,
    );
    const big = new SQSMailbox<string>({
      queueUrl: queue.url,
      client: sqs.client,
      maxMessageBytes: 1_048_576,
    });
    await big.send("x".repeat(500_000));
    expect((await big.receive())[0]?.body).toHaveLength(500_000);
  });

  it("maps SQS's own size rejection to MailboxSerializationError", async () => {
    const queue = await sqs.queue("small", { MaximumMessageSize: "1024" });
    const box = new SQSMailbox<string>({ queueUrl: queue.url, client: sqs.client });
    const error = await box.send("y".repeat(2000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxSerializationError);
    expect((error as MailboxSerializationError).details).toMatchObject({ awsCode: "InvalidParameterValue" });
  });

  it("round-trips text SQS or its emulators would refuse raw (astral characters, U+FFFF)", async () => {
    const { box } = await mailbox<{ text: string }>();
    const text = "review 👍 done \uFFFF end \u0001";
    await box.send({ text });
    expect((await box.receive())[0]?.body).toEqual({ text });
  });

  it("refuses bodies with no JSON form", async () => {
    const { box } = await mailbox<unknown>();
    await expect(box.send(10n)).rejects.toThrow(/cannot be written as JSON.*BigInt/);
    await expect(box.send(undefined)).rejects.toThrow(/undefined, which has no JSON form/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(box.send(cyclic)).rejects.toBeInstanceOf(MailboxSerializationError);
  });

  it("checks bodies against bodySchema on send and parses them on receive", async () => {
    const schema = z.object({ n: z.number().transform((n) => n * 2) });
    const { box } = await mailbox("schema", {
      bodySchema: schema as unknown as z.ZodType<{ n: number }>,
    });
    await expect(box.send({ n: "one" } as unknown as { n: number })).rejects.toThrow(
      /does not match its bodySchema[\s\S]*n:/,
    );
    await box.send({ n: 2 });
    const [msg] = await box.receive();
    expect(msg?.body).toEqual({ n: 4 });
    expect(msg?.bodyError).toBeUndefined();
  });

  it("delivers a body that is not JSON, or fails bodySchema, with bodyError instead of skipping it", async () => {
    const { box, queue } = await mailbox("invalid", { bodySchema: z.object({ n: z.number() }) });
    const raw = await sqs.client.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "not json" }),
    );
    const off = await sqs.client.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"n":"x"}' }),
    );
    const got: SQSMessage<{ n: number }>[] = [];
    while (got.length < 2) got.push(...(await box.receive({ maxMessages: 10, waitTimeSeconds: 1 })));
    const byId = new Map(got.map((m) => [m.id, m]));
    const text = byId.get(raw.MessageId ?? "");
    expect(text?.body).toBe("not json");
    expect(text?.bodyError).toBeInstanceOf(MailboxSerializationError);
    expect(text?.bodyError?.message).toMatch(new RegExp(`${raw.MessageId}.*not JSON.*dead-letter`));
    const mismatched = byId.get(off.MessageId ?? "");
    expect(mismatched?.body).toEqual({ n: "x" });
    expect(mismatched?.bodyError?.message).toMatch(/does not match the bodySchema[\s\S]*n:/);
    for (const msg of got) await msg.acknowledge();
    expect(await box.approximateCount()).toBe(0);
  });

  it("sends to a FIFO queue with a message group and a fresh deduplication id per send", async () => {
    const queue = await sqs.queue("orders.fifo");
    const box = new SQSMailbox<{ order: number }>({
      queueUrl: queue.url,
      client: sqs.client,
      messageGroupId: (body) => `customer-${body.order % 2}`,
    });
    for (const order of [1, 1, 2]) await box.send({ order });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [msg] = await box.receive();
      if (msg) {
        seen.push(msg.body.order);
        await msg.acknowledge();
      }
    }
    expect(seen.sort()).toEqual([1, 1, 2]);
  });
});

describe.concurrent("SQSMailbox errors", () => {
  it("maps calls on a deleted queue to MailboxConnectionError with the AWS code, message and cause, and no credentials", async () => {
    const { box, queue } = await mailbox<string>();
    await box.send("a");
    const [msg] = await box.receive();
    await sqs.deleteQueue(queue.url);
    const failures = await Promise.all([
      box.send("b").catch((e: unknown) => e),
      box.receive().catch((e: unknown) => e),
      box.approximateCount().catch((e: unknown) => e),
      box.purge().catch((e: unknown) => e),
      msg?.acknowledge().catch((e: unknown) => e),
    ]);
    for (const error of failures) {
      expect(error).toBeInstanceOf(MailboxConnectionError);
      const e = error as MailboxConnectionError;
      expect(e.message).toContain(queue.url);
      expect(e.message).toMatch(/QueueDoesNotExist: The specified queue does not exist\..*Create the queue/);
      expect(e.details).toMatchObject({ awsCode: "QueueDoesNotExist", httpStatus: 400, mailbox: queue.name });
      expect(e.cause).toBeInstanceOf(Error);
      expect(JSON.stringify(e.details) + e.message).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    }
    expect(failures.map((e) => (e as MailboxConnectionError).details.operation)).toEqual([
      "SendMessage",
      "ReceiveMessage",
      "GetQueueAttributes",
      "GetQueueAttributes",
      "acknowledge",
    ]);
    expect(msg?.finalized).toBe(false);
  });

  it("maps an unreachable endpoint to MailboxConnectionError naming the network error", async () => {
    const client = sqs.newClient({ endpoint: "http://127.0.0.1:1", maxAttempts: 1 });
    const box = new SQSMailbox<string>({ queueUrl: "http://127.0.0.1:1/000000000000/gone", client });
    const error = await box.send("a").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxConnectionError);
    expect((error as Error).message).toMatch(/ECONNREFUSED.*could not be reached/);
  });

  it("rejects bad options with errors that say what to pass", () => {
    const client = sqs.client;
    expect(() => new SQSMailbox({ client })).toThrow(/exactly one of queueUrl and queueName/);
    expect(() => new SQSMailbox({ client, queueUrl: "u", queueName: "q" })).toThrow(/exactly one/);
    expect(() => new SQSMailbox({ client, queueName: "a:b" })).toThrow(/not a valid SQS queue name/);
    expect(() => new SQSMailbox({ client, queueUrl: "nope" })).toThrow(/not an SQS queue URL/);
    expect(() => new SQSMailbox({ client, queueName: "q", name: "" })).toThrow(WinkError);
    expect(() => new SQSMailbox({ client, queueName: "q", maxMessageBytes: 2_000_000 })).toThrow(
      /maxMessageBytes/,
    );
    expect(() => new SQSMailbox({ client, queueName: "q", clientConfig: {} })).toThrow(
      /both client and clientConfig/,
    );
    expect(new SQSMailbox({ client, queueName: "q", name: "custom" }).name).toBe("custom");
  });

  it("takes the client's region from the queue URL when none is configured", async () => {
    const box = new SQSMailbox({ queueUrl: "https://sqs.eu-west-3.amazonaws.com/123456789012/q" });
    expect(await box.client.config.region()).toBe("eu-west-3");
    const other = new SQSMailbox({
      queueUrl: "https://sqs.eu-west-3.amazonaws.com/123456789012/q",
      clientConfig: { region: "ap-south-1" },
    });
    expect(await other.client.config.region()).toBe("ap-south-1");
  });
});

describe("SQSMailbox.fromUrl", () => {
  it("opens a local queue from an sqs:// URL with the endpoint and region it names", async () => {
    const queue = await sqs.queue("local");
    // fauxqs names queues http://sqs.<region>.localhost:<port>/…; its handler resolves that host.
    const box = SQSMailbox.fromUrl<string>(
      `sqs://sqs.us-east-1.localhost:${sqs.port}/000000000000/${queue.name}?region=us-east-1`,
      {
        clientConfig: { credentials: TEST_CREDENTIALS, requestHandler: createLocalhostHandler() },
        clock: new FakeClock(),
      },
    );
    expect(box.queueUrl).toBe(queue.url);
    expect(box.name).toBe(queue.name);
    await box.send("hello");
    expect((await box.receive())[0]?.body).toBe("hello");
    expect(await box.client.config.region()).toBe("us-east-1");
    box.client.destroy();
  });

  it("uses a given client as is", () => {
    const box = SQSMailbox.fromUrl("https://sqs.us-east-1.amazonaws.com/123456789012/q", {
      client: sqs.client,
    });
    expect(box.client).toBe(sqs.client);
    expect(box.queueUrl).toBe("https://sqs.us-east-1.amazonaws.com/123456789012/q");
  });

  it("rejects receive arguments before calling SQS", async () => {
    const { box } = await mailbox();
    await expect(box.receive({ visibilityTimeout: 43_201 })).rejects.toBeInstanceOf(InvalidParameterError);
  });
});
