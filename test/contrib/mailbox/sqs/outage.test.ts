/**
 * SQSMailbox against an endpoint that accepts connections and never answers (a network partition,
 * a wedged proxy): the AWS SDK sets no time limit of its own, so the mailbox does. A receive ends
 * at once on close() or abort and otherwise by its long poll plus `responseTimeoutMs`, which also
 * bounds how long close() waits for the poll; other calls by `responseTimeoutMs`. Timed on a FakeClock: the limits are the mailbox's own timers.
 */
import { createServer, type Server, type Socket } from "node:net";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../../../src/clock.js";
import { DEFAULT_RESPONSE_TIMEOUT_MS, SQSMailbox } from "../../../../src/contrib/mailbox/sqs/index.js";
import { MailboxConnectionError } from "../../../../src/runtime/mailbox/index.js";
import { settled } from "../../../support/settled.js";
import { TEST_CREDENTIALS } from "./fauxqs.js";

let silent: Server;
let endpoint: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.resume(); // read the request, answer nothing
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

function mailbox(clock: FakeClock, location: { queueUrl: string } | { queueName: string }) {
  const client = new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  return new SQSMailbox<string>({ ...location, client, clock, responseTimeoutMs: 1_000 });
}

const queueUrl = (): string => `${endpoint}/000000000000/silent`;

describe("SQSMailbox against an endpoint that never answers", () => {
  it("waits 10 s beyond a long poll by default", () => {
    expect(DEFAULT_RESPONSE_TIMEOUT_MS).toBe(10_000);
  });

  it("close() ends a receive at once, with [], and returns once its unanswered poll is aborted", async () => {
    const clock = new FakeClock();
    const box = mailbox(clock, { queueUrl: queueUrl() });
    const polling = box.receive({ waitTimeSeconds: 20 });
    expect(await settled(polling)).toBe(false);
    const closing = box.close();
    expect(await polling).toEqual([]);
    // The long poll stays open for what SQS may still hand it, up to its wait plus responseTimeoutMs.
    await clock.tick(20_999);
    expect(await settled(closing)).toBe(false);
    await clock.tick(1);
    await closing;
    expect(clock.pendingTimers).toBe(0);
  });

  it("close() ends a receive still looking up its queue URL by name", async () => {
    const clock = new FakeClock();
    const box = mailbox(clock, { queueName: "silent" });
    const polling = box.receive({ waitTimeSeconds: 20 });
    expect(await settled(polling)).toBe(false);
    await box.close();
    expect(await polling).toEqual([]);
  });

  it("an aborted signal ends a receive at once, with []", async () => {
    const box = mailbox(new FakeClock(), { queueUrl: queueUrl() });
    const stop = new AbortController();
    const polling = box.receive({ waitTimeSeconds: 20, signal: stop.signal });
    expect(await settled(polling)).toBe(false);
    stop.abort();
    expect(await polling).toEqual([]);
  });

  it("a receive fails after its long poll plus responseTimeoutMs, naming the limit", async () => {
    const clock = new FakeClock();
    const box = mailbox(clock, { queueUrl: queueUrl() });
    const polling = box.receive({ waitTimeSeconds: 2 });
    const failure = polling.catch((error: unknown) => error);
    await clock.tick(2_999);
    expect(await settled(polling)).toBe(false);
    await clock.tick(1);
    const error = await failure;
    expect(error).toBeInstanceOf(MailboxConnectionError);
    expect((error as Error).message).toMatch(
      /ReceiveMessage .* failed with TimeoutError: no answer within 3000 ms\. The SQS endpoint could not be reached/,
    );
  });

  it("a send fails after responseTimeoutMs instead of hanging", async () => {
    const clock = new FakeClock();
    const box = mailbox(clock, { queueUrl: queueUrl() });
    const sending = box.send("hello");
    const failure = sending.catch((error: unknown) => error);
    await clock.tick(999);
    expect(await settled(sending)).toBe(false);
    await clock.tick(1);
    expect(await failure).toBeInstanceOf(MailboxConnectionError);
  });
});
