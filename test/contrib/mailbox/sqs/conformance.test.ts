import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SQSMailbox } from "../../../../src/contrib/mailbox/sqs/index.js";
import {
  type MailboxConformanceBody,
  mailboxConformanceCases,
} from "../../../../src/testing/mailbox-conformance.js";
import { sleep, startSqs, type TestSqs } from "./fauxqs.js";

let sqs: TestSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(async () => {
  await sqs.stop();
});

// SQS time is real time, so `advance` sleeps. The suite's longest single advance is 2 s and no
// case advances more than 3 s in total; the cases run concurrently on separate queues.
const cases = mailboxConformanceCases(async () => {
  const requests = await sqs.queue("requests");
  const replyQueue = await sqs.queue("replies");
  const mailbox = new SQSMailbox<MailboxConformanceBody>({ queueUrl: requests.url, client: sqs.client });
  const replies = new SQSMailbox({ queueUrl: replyQueue.url, client: sqs.client });
  return {
    mailbox,
    replies,
    advance: (seconds) => sleep(seconds * 1000),
    close: async () => {
      await mailbox.close();
      await replies.close();
      await sqs.deleteQueue(requests.url);
      await sqs.deleteQueue(replyQueue.url);
    },
  };
});

describe.concurrent("SQSMailbox passes the mailbox conformance suite (on fauxqs)", () => {
  for (const c of cases) it(c.name, c.run);

  it("runs every case of the suite", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });
});
