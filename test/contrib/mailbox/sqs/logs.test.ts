import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SQSMailbox } from "../../../../src/contrib/mailbox/sqs/index.js";
import { resetLogging } from "../../../../src/logging/index.js";
import { captureLogs } from "../../../logging/capture.js";
import { startSqs, type TestSqs } from "./fauxqs.js";

let sqs: TestSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(async () => {
  await sqs.stop();
});
afterEach(() => resetLogging());

async function mailbox(): Promise<SQSMailbox<string>> {
  const queue = await sqs.queue("logs");
  return new SQSMailbox<string>({ queueUrl: queue.url, client: sqs.client });
}

// Logging is process-wide, so these run one at a time.
describe("SQSMailbox logs", () => {
  it("warns once per mailbox (mailbox.sqs.wait_clamped) when a long poll over 20 s is clamped, naming both numbers", async () => {
    const logs = captureLogs({ level: "warning" });
    const box = await mailbox();
    const other = await mailbox();
    for (const target of [box, box, other]) {
      await target.send("m");
      await target.receive({ waitTimeSeconds: target === other ? 60 : 30 });
    }
    const records = logs.records();
    expect(records.map((r) => [r.event, r.level, r.context.mailbox])).toEqual([
      ["mailbox.sqs.wait_clamped", "WARNING", box.name],
      ["mailbox.sqs.wait_clamped", "WARNING", other.name],
    ]);
    expect(records[0]?.message).toMatch(/waitTimeSeconds 30 is over SQS's long-poll limit of 20 s/);
    expect(records[0]?.context).toMatchObject({ requestedWaitTimeSeconds: 30, appliedWaitTimeSeconds: 20 });
    expect(records[1]?.context).toMatchObject({ requestedWaitTimeSeconds: 60 });
  });

  it("logs a body it cannot read as mailbox.invalid_body and delivers it with bodyError", async () => {
    const logs = captureLogs({ level: "warning" });
    const box = await mailbox();
    const out = await sqs.client.send(
      new SendMessageCommand({ QueueUrl: box.queueUrl, MessageBody: "{oops" }),
    );
    const [msg] = await box.receive();
    expect(msg?.body).toBe("{oops");
    const record = logs.only();
    expect(record.event).toBe("mailbox.invalid_body");
    expect(record.level).toBe("WARNING");
    expect(record.context).toMatchObject({ mailbox: box.name, messageId: out.MessageId, deliveryCount: 1 });
    expect(JSON.stringify(record.context.error)).toMatch(/not JSON/);
  });

  it("logs mailbox.send, mailbox.receive and mailbox.acknowledge at DEBUG", async () => {
    const logs = captureLogs({ level: "debug" });
    const box = await mailbox();
    const id = await box.send("a", { replyTo: "somewhere" });
    const [msg] = await box.receive();
    await msg?.acknowledge();
    const records = logs.records().filter((r) => r.logger === "weakincentives.contrib.mailbox.sqs");
    expect(records.map((r) => r.event)).toEqual(["mailbox.send", "mailbox.receive", "mailbox.acknowledge"]);
    expect(records[0]?.context).toMatchObject({ mailbox: box.name, messageId: id, replyTo: "somewhere" });
    expect(records[1]?.context).toMatchObject({ count: 1, messageIds: [id] });
    expect(records[2]?.context).toMatchObject({ messageId: id });
  });
});
