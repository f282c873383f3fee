/**
 * Many long polls at once — a worker with high concurrency, or several loops sharing one shutdown
 * signal — must not make Node print `MaxListenersExceededWarning`: listeners were always removed,
 * but an operator reads that warning as a leak. Every backend waits on a signal (and on its own
 * close) through one listener, however many receives wait.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { RedisMailbox } from "../../../src/contrib/mailbox/redis/index.js";
import { SQSMailbox } from "../../../src/contrib/mailbox/sqs/index.js";
import { InMemoryMailbox, type Mailbox } from "../../../src/runtime/mailbox/index.js";
import { cleanup, describeRedis, newClient, uniqueName } from "./redis/helpers.js";
import { startSqs, type TestSqs } from "./sqs/fauxqs.js";

const RECEIVES = 24;
const warnings: Error[] = [];
const record = (warning: Error): void => {
  warnings.push(warning);
};
let sqs: TestSqs;

beforeAll(async () => {
  sqs = await startSqs();
  process.on("warning", record);
});
afterAll(async () => {
  process.off("warning", record);
  await sqs.stop();
  await cleanup();
});
afterEach(() => {
  warnings.length = 0;
});

/** Node emits warnings on a later tick: give it a few before looking. */
async function warningsSoFar(): Promise<string[]> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  return warnings.map((w) => `${w.name}: ${w.message}`);
}

/**
 * {@link RECEIVES} long polls on one signal; abort it, then {@link RECEIVES} more ended by close().
 * `answer` makes the backend answer polls the caller gave up on, where close() waits for them (SQS).
 */
async function manyPolls(mailbox: Mailbox<unknown>, answer?: () => Promise<void>): Promise<void> {
  const shutdown = new AbortController();
  const bySignal = Array.from({ length: RECEIVES }, () =>
    mailbox.receive({ waitTimeSeconds: 20, signal: shutdown.signal }),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  shutdown.abort();
  expect((await Promise.all(bySignal)).flat()).toEqual([]);
  const byClose = Array.from({ length: RECEIVES }, () => mailbox.receive({ waitTimeSeconds: 20 }));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closing = mailbox.close();
  expect((await Promise.all(byClose)).flat()).toEqual([]);
  await answer?.();
  await closing;
  expect(await warningsSoFar()).toEqual([]);
}

it(`InMemoryMailbox: ${RECEIVES} concurrent long polls on one signal emit no process warning`, async () => {
  await manyPolls(new InMemoryMailbox({ name: "many-polls" }));
});

it(`SQSMailbox: ${RECEIVES} concurrent long polls on one signal emit no process warning`, async () => {
  const queue = await sqs.queue("many-polls");
  const mailbox = new SQSMailbox<number>({ queueUrl: queue.url, client: sqs.client });
  const sender = new SQSMailbox<number>({ queueUrl: queue.url, client: sqs.client });
  // Each abandoned poll puts back what it gets: every message ends up visible again.
  await manyPolls(mailbox, async () => {
    for (let i = 0; i < 2 * RECEIVES; i++) await sender.send(i);
  });
  const back = new Set<number>();
  for (let batch = await sender.receive({ maxMessages: 10 }); batch.length > 0; ) {
    for (const message of batch) back.add(message.body);
    batch = await sender.receive({ maxMessages: 10 });
  }
  expect(back.size).toBe(2 * RECEIVES);
});

describeRedis("RedisMailbox listeners", () => {
  it(`${RECEIVES} concurrent long polls on one signal emit no process warning`, async () => {
    await manyPolls(new RedisMailbox({ name: uniqueName("many-polls"), client: newClient() }));
  });
});
