/**
 * A rollout: SIGTERM reaches an idle worker in the middle of its long poll, and a request arrives
 * while it shuts down. The worker gives up the poll at once, but the broker may still hand that
 * poll the new request. On SQS it does (SQS keeps a long poll open after its client hangs up),
 * and the request would stay hidden for the worker's whole visibility timeout (600 s here). The
 * mailbox keeps the poll open and puts the request back, so the next worker answers it at once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cleanup, describeRedis } from "../contrib/mailbox/redis/helpers.js";
import { startSqs, type TestSqs } from "../contrib/mailbox/sqs/fauxqs.js";
import {
  FAULT_TEST_TIMEOUT_MS,
  killWorkers,
  type Queues,
  ReplyLedger,
  redisQueues,
  sqsQueues,
  startWorker,
  submit,
} from "./harness.js";

/** Far longer than the test's patience: a request hidden for it fails the test. */
const WORKER_ENV = {
  WORK_MS: "10",
  VISIBILITY_TIMEOUT: "600",
  WAIT_TIME_SECONDS: "20",
  SHUTDOWN_TIMEOUT: "30",
};

let sqs: TestSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterEach(killWorkers);
afterAll(async () => {
  await sqs.stop();
  await cleanup();
});

async function requestDuringShutdown(queues: Queues): Promise<void> {
  const env = { ...WORKER_ENV, ...queues.env };
  const ledger = new ReplyLedger(queues.replies);
  const old = startWorker(queues.url, env);
  await old.waitFor((l) => l.event === "fault.listening");
  // One request answered: the worker is in its receive loop, and back in a long poll right after.
  await submit(queues.requests, queues.replyName, ["before"]);
  await ledger.waitForAll(["before"], () => old.logs());

  old.child.kill("SIGTERM");
  await old.waitFor((l) => l.event === "fault.stopping");
  await submit(queues.requests, queues.replyName, ["during"]);
  const next = startWorker(queues.url, env);
  const describe = () =>
    `old: ${JSON.stringify(old.lines)} ${old.logs()}\nnext: ${JSON.stringify(next.lines)} ${next.logs()}`;
  await ledger.waitForAll(["before", "during"], describe);

  const exit = await old.exited;
  expect(exit.code).toBe(0);
  expect(ledger.duplicates()).toEqual([]);
  expect(ledger.wrong).toEqual([]);
  next.child.kill("SIGTERM");
  expect((await next.exited).code).toBe(0);
}

describe("a request sent while an SQS worker shuts down", () => {
  it(
    "is answered by the next worker, not hidden for the old one's visibility timeout",
    async () => requestDuringShutdown(await sqsQueues(sqs, "rollout")),
    FAULT_TEST_TIMEOUT_MS,
  );
});

describeRedis("a request sent while a Redis worker shuts down", () => {
  it(
    "is answered by the next worker, not hidden for the old one's visibility timeout",
    async () => requestDuringShutdown(redisQueues("rollout")),
    FAULT_TEST_TIMEOUT_MS,
  );
});
