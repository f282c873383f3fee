/**
 * A message whose body is not JSON, on either durable backend, ends up in the dead-letter queue
 * with the reason — once, not cycling through the queue — and without a DLQ it is logged with its
 * body and removed, as every other request that can never succeed.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisMailbox } from "../../../src/contrib/mailbox/redis/index.js";
import { REPLY_TO_ATTRIBUTE, SQSMailbox } from "../../../src/contrib/mailbox/sqs/index.js";
import { resetLogging } from "../../../src/logging/index.js";
import { type DeadLetter, DLQPolicy, type Mailbox } from "../../../src/runtime/mailbox/index.js";
import type { MainLoopResult } from "../../../src/runtime/main-loop/index.js";
import { captureLogs } from "../../logging/capture.js";
import { type AnswerT, QALoop, Question, scripted } from "../../runtime/main-loop/fixtures.js";
import { cleanup, describeRedis, newClient, uniqueName } from "./redis/helpers.js";
import { startSqs, type TestSqs } from "./sqs/fauxqs.js";

type Requests = Mailbox<unknown, MainLoopResult<AnswerT>>;

let sqs: TestSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(async () => {
  await sqs.stop();
  await cleanup();
});
afterEach(() => resetLogging());

/** A loop on `requests` that would answer any valid request; it must never be asked. */
function loopOn(requests: Requests, deadLetters?: Mailbox<DeadLetter>) {
  const { model, adapter } = scripted([{ text: '{"answer": "never"}' }], { repeat: true });
  const dlq = deadLetters ? { dlq: new DLQPolicy({ mailbox: deadLetters, maxDeliveryCount: 5 }) } : {};
  const loop = new QALoop({
    adapter,
    requests,
    requestSchema: Question,
    name: "qa",
    config: { waitTimeSeconds: 1, leaseExtender: false, ...dlq },
  });
  return { loop, model };
}

interface Backend {
  /** The requests queue, holding one message whose stored body is `{oops` and whose reply address is `replies`. */
  poisoned(): Promise<{ requests: Requests; replies: Mailbox<MainLoopResult<AnswerT>>; messageId: string }>;
  deadLetters(): Promise<Mailbox<DeadLetter>>;
}

const backends: Record<"SQS" | "Redis", Backend> = {
  SQS: {
    async poisoned() {
      const [queue, replyQueue] = [await sqs.queue("poison"), await sqs.queue("poison-replies")];
      const requests: Requests = new SQSMailbox({ queueUrl: queue.url, client: sqs.client });
      const replies = new SQSMailbox<MainLoopResult<AnswerT>>({
        queueUrl: replyQueue.url,
        client: sqs.client,
      });
      const out = await sqs.client.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: "{oops",
          MessageAttributes: { [REPLY_TO_ATTRIBUTE]: { DataType: "String", StringValue: replyQueue.name } },
        }),
      );
      return { requests, replies, messageId: out.MessageId ?? "" };
    },
    async deadLetters() {
      return new SQSMailbox<DeadLetter>({
        queueUrl: (await sqs.queue("poison-dlq")).url,
        client: sqs.client,
      });
    },
  },
  Redis: {
    async poisoned() {
      const client = newClient();
      const requests: Requests = new RedisMailbox({ name: uniqueName("poison"), client });
      const replies = new RedisMailbox<MainLoopResult<AnswerT>>({
        name: uniqueName("poison-replies"),
        client,
      });
      const messageId = await requests.send({ placeholder: true }, { replyTo: replies.name });
      await client.hset((requests as RedisMailbox<unknown>).keys[2] as string, messageId, "{oops");
      return { requests, replies, messageId };
    },
    async deadLetters() {
      return new RedisMailbox<DeadLetter>({ name: uniqueName("poison-dlq"), client: newClient() });
    },
  },
};

for (const [name, backend] of Object.entries(backends)) {
  const suite = name === "Redis" ? describeRedis : describe;
  suite(`A body that is not JSON on ${name}`, () => {
    it("is dead-lettered once with the reason, answered with the error, and leaves the queue", async () => {
      const { requests, replies, messageId } = await backend.poisoned();
      const deadLetters = await backend.deadLetters();
      const { loop, model } = loopOn(requests, deadLetters);
      await loop.run({ maxIterations: 1 });
      const [letter] = await deadLetters.receive({ waitTimeSeconds: 2 });
      expect(letter?.body).toMatchObject({
        messageId,
        body: "{oops",
        deliveryCount: 1,
        lastErrorType: "MailboxSerializationError",
        lastErrorCode: "mailbox_serialization",
      });
      expect(letter?.body.lastError).toMatch(new RegExp(`Message ${messageId} .* not JSON`));
      const [reply] = await replies.receive({ waitTimeSeconds: 2 });
      expect(reply?.body).toMatchObject({ requestId: messageId, success: false });
      expect(reply?.body.error?.message).toMatch(/Dead-lettered after 1 attempt\(s\): .*not JSON/);
      expect(await requests.approximateCount()).toBe(0);
      expect(model.requests).toBe(0);
    });

    it("without a DLQ is logged with its body and acknowledged, never left to cycle", async () => {
      const logs = captureLogs({ level: "error" });
      const { requests, messageId } = await backend.poisoned();
      const { loop, model } = loopOn(requests);
      await loop.run({ maxIterations: 1 });
      const failed = logs.records().find((r) => r.event === "main_loop.request_failed");
      expect(failed?.context).toMatchObject({ messageId, body: "{oops" });
      expect(await requests.approximateCount()).toBe(0);
      expect(model.requests).toBe(0);
    });
  });
}
