/**
 * A worker whose broker cannot be reached keeps running and retrying — it is not the worker's
 * place to give up on its queue — and serves as soon as the broker answers. Every wait of a running
 * loop is on unref'd timers, so without the loop holding the process open, Node used to end such a
 * worker after its first failed receive (exit code 13, no log saying why).
 */
import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { SQSMailbox } from "../../src/contrib/mailbox/sqs/index.js";
import type { MainLoopResult } from "../../src/runtime/main-loop/index.js";
import { closedPort } from "../contrib/mailbox/redis/helpers.js";
import { startSqs, type TestSqs } from "../contrib/mailbox/sqs/fauxqs.js";
import {
  FAULT_TEST_TIMEOUT_MS,
  ids,
  killWorkers,
  PATIENCE_MS,
  ReplyLedger,
  startWorker,
  submit,
} from "./harness.js";

let sqs: TestSqs | undefined;
afterEach(async () => {
  await killWorkers();
  await sqs?.stop();
  sqs = undefined;
});

describe("a worker whose SQS endpoint is unreachable", () => {
  it(
    "keeps retrying instead of exiting, serves once the endpoint is up, and stops on SIGTERM",
    async () => {
      const port = await closedPort();
      const name = `late-${process.pid}-${Date.now()}`;
      const endpoint = `sqs.us-east-1.localhost:${port}`;
      const worker = startWorker(`sqs://${endpoint}/000000000000/${name}?region=us-east-1`, {
        FAUXQS_DNS: "1",
        WORK_MS: "50",
        VISIBILITY_TIMEOUT: "5",
        WAIT_TIME_SECONDS: "1",
        SHUTDOWN_TIMEOUT: "2",
      });
      await worker.waitFor((l) => l.event === "fault.listening");
      await expect
        .poll(() => worker.logs().split("main_loop.receive_failed").length - 1, { timeout: PATIENCE_MS })
        .toBeGreaterThanOrEqual(2);
      expect(worker.child.exitCode).toBeNull();

      sqs = await startSqs(port);
      const queueUrl = (queue: string) =>
        sqs?.client.send(new CreateQueueCommand({ QueueName: queue })).then((out) => out.QueueUrl ?? "");
      const requests = new SQSMailbox({ queueUrl: (await queueUrl(name)) as string, client: sqs.client });
      const replies = new SQSMailbox<MainLoopResult<{ echo: string }>>({
        queueUrl: (await queueUrl(`${name}-replies`)) as string,
        client: sqs.client,
      });
      const all = ids("late", 5);
      await submit(requests, `${name}-replies`, all);
      const ledger = new ReplyLedger(replies);
      await ledger.waitForAll(all, () => worker.logs());
      expect(ledger.wrong).toEqual([]);

      worker.child.kill("SIGTERM");
      expect((await worker.exited).code).toBe(0);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
