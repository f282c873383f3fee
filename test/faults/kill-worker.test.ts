/**
 * `kill -9` of a worker in the middle of a request, on Redis and on SQS: the request it held comes
 * back after its visibility timeout and another worker (one already running, one started after the
 * crash) answers it. Every request is answered exactly once by request id, none is lost.
 *
 * Exactly once holds here because the kill lands during the model call: the dead worker never
 * replied. (A kill between a reply and its acknowledgement would be answered twice: delivery is at
 * least once, as the runtime guide says.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cleanup, describeRedis } from "../contrib/mailbox/redis/helpers.js";
import { startSqs, type TestSqs } from "../contrib/mailbox/sqs/fauxqs.js";
import {
  FAULT_TEST_TIMEOUT_MS,
  ids,
  killWorkers,
  type Queues,
  ReplyLedger,
  redisQueues,
  sqsQueues,
  startWorker,
  submit,
} from "./harness.js";

const REQUESTS = 24;
const WORKER_ENV = { WORK_MS: "150", VISIBILITY_TIMEOUT: "2", WAIT_TIME_SECONDS: "1", SHUTDOWN_TIMEOUT: "5" };

let sqs: TestSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterEach(killWorkers);
afterAll(async () => {
  await sqs.stop();
  await cleanup();
});

async function crashMidRequest(queues: Queues): Promise<void> {
  const all = ids("job", REQUESTS);
  const env = { ...WORKER_ENV, ...queues.env };
  // The worker to be killed takes a minute per request, so the kill surely lands before its reply.
  const first = startWorker(queues.url, { ...env, WORK_MS: "60000" });
  const second = startWorker(queues.url, env);
  await Promise.all([
    first.waitFor((l) => l.event === "fault.listening"),
    second.waitFor((l) => l.event === "fault.listening"),
  ]);
  await submit(queues.requests, queues.replyName, all);

  const held = await first.waitFor((l) => l.event === "fault.evaluating");
  first.child.kill("SIGKILL");
  expect((await first.exited).signal).toBe("SIGKILL");
  const restarted = startWorker(queues.url, env);

  const ledger = new ReplyLedger(queues.replies);
  await ledger.waitForAll(all, () => `second: ${second.logs()}\nrestarted: ${restarted.logs()}`);
  // Every request acknowledged means every reply was sent (replies go out before the ack).
  await expect.poll(() => queues.requests.approximateCount(), { timeout: 30_000 }).toBe(0);
  await ledger.drain();
  expect(ledger.wrong).toEqual([]);
  expect(ledger.duplicates()).toEqual([]);
  expect([...ledger.counts.keys()].sort()).toEqual([...all].sort());
  expect(ledger.counts.get(held.id as string)).toBe(1);

  for (const worker of [second, restarted]) worker.child.kill("SIGTERM");
  expect((await second.exited).code).toBe(0);
  expect((await restarted.exited).code).toBe(0);
}

describeRedis("kill -9 of a worker on Redis", () => {
  it(
    "loses nothing: every request is answered exactly once by request id",
    async () => crashMidRequest(redisQueues("kill9")),
    FAULT_TEST_TIMEOUT_MS,
  );
});

describe("kill -9 of a worker on SQS", () => {
  it(
    "loses nothing: every request is answered exactly once by request id",
    async () => crashMidRequest(await sqsQueues(sqs, "kill9")),
    FAULT_TEST_TIMEOUT_MS,
  );
});
