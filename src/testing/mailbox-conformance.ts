/**
 * The mailbox conformance suite: the guarantees of the {@link Mailbox} contract written as
 * runnable cases, so every backend (in-memory, Redis, SQS, your own) proves the same behaviour.
 * It depends on no test framework: each case is a name and an async function that throws on
 * failure (`node:assert`), so any runner can host it.
 *
 * Durations are small whole seconds, so a backend on real time finishes in seconds and a backend
 * with integer-only timeouts (SQS) can run it too.
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { InMemoryMailbox } from "weakincentives/runtime";
 * import { FakeClock, type MailboxConformanceBody, mailboxConformanceCases } from "weakincentives/testing";
 *
 * let n = 0;
 * describe("InMemoryMailbox conformance", () => {
 *   for (const c of mailboxConformanceCases(async () => {
 *     const clock = new FakeClock();
 *     const mailbox = new InMemoryMailbox<MailboxConformanceBody>({ name: `requests-${++n}`, clock });
 *     const replies = new InMemoryMailbox({ name: `replies-${n}`, clock });
 *     return {
 *       mailbox,
 *       replies,
 *       advance: (seconds) => clock.tick(seconds * 1000),
 *       close: async () => { await mailbox.close(); await replies.close(); },
 *     };
 *   })) it(c.name, c.run);
 * });
 * ```
 */

import assert from "node:assert/strict";
import {
  InvalidParameterError,
  MailboxClosedError,
  MessageFinalizedError,
  ReceiptHandleExpiredError,
  ReplyNotAvailableError,
} from "../runtime/mailbox/errors.js";
import type { Mailbox, Message, ReceiveOptions } from "../runtime/mailbox/types.js";

/** The body the suite sends. */
export interface MailboxConformanceBody {
  readonly seq: number;
  readonly text: string;
}

/** A fresh pair of mailboxes for one case, and a way to let time pass. */
export interface MailboxConformanceHarness {
  /** The mailbox under test; empty, open, with a name no other case uses. */
  readonly mailbox: Mailbox<MailboxConformanceBody, unknown>;
  /**
   * Where replies go. The suite passes it as `replyTo`; a backend that stores only the name must
   * be able to resolve `replies.name` with its resolver.
   */
  readonly replies: Mailbox<unknown>;
  /** Let `seconds` pass: advance a fake clock, or sleep for real. */
  advance(seconds: number): Promise<void>;
  /** Close both mailboxes and release what the factory created. Called once per case. */
  close(): Promise<void>;
}

/** Creates a fresh harness for each case. */
export type MailboxConformanceFactory = () => Promise<MailboxConformanceHarness>;

/** One guarantee: a name that reads as a specification and the check itself. */
export interface MailboxConformanceCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

type Body = MailboxConformanceBody;
type Check = (h: MailboxConformanceHarness) => Promise<void>;
type ErrorClass = abstract new (...args: never[]) => Error;

const body = (seq: number): Body => ({ seq, text: `message ${seq}` });

async function sendAll(mailbox: Mailbox<Body, unknown>, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let seq = 0; seq < count; seq++) ids.push(await mailbox.send(body(seq)));
  return ids;
}

/** Receive until `count` messages arrived; a backend may return fewer than asked per call. */
async function receiveCount<B>(
  mailbox: Mailbox<B, unknown>,
  count: number,
  options: ReceiveOptions = {},
): Promise<Message<B, unknown>[]> {
  const got: Message<B, unknown>[] = [];
  for (let attempt = 0; attempt < 20 && got.length < count; attempt++) {
    got.push(...(await mailbox.receive({ maxMessages: count - got.length, ...options })));
  }
  assert.equal(got.length, count, `expected ${count} messages from "${mailbox.name}", got ${got.length}`);
  return got;
}

async function receiveOne<B>(
  mailbox: Mailbox<B, unknown>,
  options: ReceiveOptions = {},
): Promise<Message<B, unknown>> {
  const [msg] = await receiveCount(mailbox, 1, options);
  return msg as Message<B, unknown>;
}

async function expectNothing(mailbox: Mailbox<Body, unknown>, why: string): Promise<void> {
  const got = await mailbox.receive({ maxMessages: 10 });
  assert.deepEqual(
    got.map((m) => m.body),
    [],
    `expected no visible message (${why}), got ${got.length}`,
  );
}

async function expectError(
  action: Promise<unknown>,
  errorClass: ErrorClass,
  ...mentions: string[]
): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(
      error instanceof errorClass,
      `expected ${errorClass.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    for (const text of mentions) {
      assert.ok(
        error.message.includes(text),
        `expected the error message to mention "${text}": ${error.message}`,
      );
    }
    return true;
  });
}

const CHECKS: readonly (readonly [string, Check])[] = [
  [
    "delivers messages in the order they were sent",
    async ({ mailbox }) => {
      await sendAll(mailbox, 5);
      const got = await receiveCount(mailbox, 5, { maxMessages: 10 });
      assert.deepEqual(
        got.map((m) => m.body.seq),
        [0, 1, 2, 3, 4],
      );
      for (const msg of got) await msg.acknowledge();
    },
  ],
  [
    "a received message carries its id, body, a receipt handle and a first delivery count of 1",
    async ({ mailbox }) => {
      const id = await mailbox.send(body(7));
      const msg = await receiveOne(mailbox);
      assert.equal(msg.id, id);
      assert.deepEqual(msg.body, body(7));
      assert.equal(typeof msg.receiptHandle, "string");
      assert.ok(msg.receiptHandle.length > 0, "the receipt handle is empty");
      assert.equal(msg.deliveryCount, 1);
      assert.ok(msg.enqueuedAt instanceof Date && !Number.isNaN(msg.enqueuedAt.getTime()));
      assert.equal(msg.replyTo, undefined);
      assert.equal(msg.finalized, false);
      await msg.acknowledge();
      assert.equal(msg.finalized, true);
    },
  ],
  [
    "a message whose visibility timeout ends is delivered again with the same body and deliveryCount 2",
    async (h) => {
      const id = await h.mailbox.send(body(1));
      const first = await receiveOne(h.mailbox, { visibilityTimeout: 1 });
      await expectNothing(h.mailbox, "the message is in flight");
      await h.advance(2);
      const second = await receiveOne(h.mailbox, { visibilityTimeout: 30 });
      assert.equal(second.id, id);
      assert.equal(first.id, id);
      assert.deepEqual(second.body, body(1));
      assert.equal(second.deliveryCount, 2);
      await second.acknowledge();
    },
  ],
  [
    "deliveryCount grows by one on every delivery",
    async (h) => {
      await h.mailbox.send(body(1));
      const counts: number[] = [(await receiveOne(h.mailbox, { visibilityTimeout: 1 })).deliveryCount];
      await h.advance(2);
      const second = await receiveOne(h.mailbox);
      counts.push(second.deliveryCount);
      await second.nack();
      const third = await receiveOne(h.mailbox);
      counts.push(third.deliveryCount);
      assert.deepEqual(counts, [1, 2, 3]);
      await third.acknowledge();
    },
  ],
  [
    "every delivery gets a new receipt handle and the old one can no longer acknowledge",
    async (h) => {
      await h.mailbox.send(body(1));
      const first = await receiveOne(h.mailbox, { visibilityTimeout: 1 });
      await h.advance(2);
      const second = await receiveOne(h.mailbox, { visibilityTimeout: 30 });
      assert.equal(second.id, first.id);
      assert.notEqual(second.receiptHandle, first.receiptHandle);
      await expectError(first.acknowledge(), ReceiptHandleExpiredError, first.id);
      await expectError(first.nack(), ReceiptHandleExpiredError, first.id);
      await expectError(first.extendVisibility(10), ReceiptHandleExpiredError, first.id);
      await second.acknowledge();
      assert.equal(await h.mailbox.approximateCount(), 0);
    },
  ],
  [
    "nack() makes the message visible again at once and finalizes the delivery",
    async ({ mailbox }) => {
      await mailbox.send(body(1));
      const first = await receiveOne(mailbox, { visibilityTimeout: 30 });
      await first.nack();
      assert.equal(first.finalized, true);
      const again = await receiveOne(mailbox);
      assert.equal(again.id, first.id);
      assert.equal(again.deliveryCount, 2);
      assert.notEqual(again.receiptHandle, first.receiptHandle);
      await again.acknowledge();
    },
  ],
  [
    "nack(t) keeps the message invisible for t seconds",
    async (h) => {
      await h.mailbox.send(body(1));
      const first = await receiveOne(h.mailbox, { visibilityTimeout: 30 });
      await first.nack(2);
      await expectNothing(h.mailbox, "just nacked with 2 s");
      await h.advance(1);
      await expectNothing(h.mailbox, "1 s into a 2 s nack");
      await h.advance(2);
      const again = await receiveOne(h.mailbox);
      assert.equal(again.id, first.id);
      assert.equal(again.deliveryCount, 2);
      await again.acknowledge();
    },
  ],
  [
    "extendVisibility counts from now, prevents the redelivery, and keeps the handle valid",
    async (h) => {
      await h.mailbox.send(body(1));
      const msg = await receiveOne(h.mailbox, { visibilityTimeout: 2 });
      await h.advance(1);
      await msg.extendVisibility(10);
      await h.advance(2);
      await expectNothing(h.mailbox, "visibility was extended to 10 s");
      assert.equal(msg.finalized, false);
      await msg.acknowledge();
      assert.equal(await h.mailbox.approximateCount(), 0);
    },
  ],
  [
    "acknowledge deletes the message for good",
    async (h) => {
      await h.mailbox.send(body(1));
      const msg = await receiveOne(h.mailbox, { visibilityTimeout: 1 });
      await msg.acknowledge();
      assert.equal(await h.mailbox.approximateCount(), 0);
      await h.advance(2);
      await expectNothing(h.mailbox, "the message was acknowledged");
    },
  ],
  [
    "settling a delivery twice throws MessageFinalizedError",
    async ({ mailbox }) => {
      await sendAll(mailbox, 2);
      const [acked, nacked] = await receiveCount(mailbox, 2, { visibilityTimeout: 30 });
      assert.ok(acked && nacked);
      await acked.acknowledge();
      await expectError(acked.acknowledge(), MessageFinalizedError, acked.id);
      await expectError(acked.nack(), MessageFinalizedError, acked.id);
      await nacked.nack(5);
      await expectError(nacked.acknowledge(), MessageFinalizedError, nacked.id);
      await expectError(nacked.nack(), MessageFinalizedError, nacked.id);
    },
  ],
  [
    "reply after acknowledge or nack throws MessageFinalizedError",
    async ({ mailbox, replies }) => {
      await mailbox.send(body(1), { replyTo: replies });
      await mailbox.send(body(2), { replyTo: replies });
      const [acked, nacked] = await receiveCount(mailbox, 2, { visibilityTimeout: 30 });
      assert.ok(acked && nacked);
      await acked.acknowledge();
      await expectError(acked.reply("late"), MessageFinalizedError, acked.id);
      await nacked.nack(5);
      await expectError(nacked.reply("late"), MessageFinalizedError, nacked.id);
      assert.equal(await replies.approximateCount(), 0);
    },
  ],
  [
    "reply without a reply address throws ReplyNotAvailableError",
    async ({ mailbox }) => {
      await mailbox.send(body(1));
      const msg = await receiveOne(mailbox);
      assert.equal(msg.replyTo, undefined);
      await expectError(msg.reply("answer"), ReplyNotAvailableError, msg.id);
      assert.equal(msg.finalized, false);
      await msg.acknowledge();
    },
  ],
  [
    "reply sends to the replyTo mailbox, several times before settling",
    async ({ mailbox, replies }) => {
      await mailbox.send(body(1), { replyTo: replies });
      const msg = await receiveOne(mailbox);
      assert.equal(msg.replyTo, replies.name);
      assert.equal(typeof (await msg.reply({ answer: 1 })), "string");
      await msg.reply({ answer: 2 });
      await msg.acknowledge();
      const got = await receiveCount(replies, 2, { maxMessages: 10 });
      assert.deepEqual(
        got.map((m) => m.body),
        [{ answer: 1 }, { answer: 2 }],
      );
      for (const reply of got) await reply.acknowledge();
    },
  ],
  [
    "receive rejects a visibility timeout outside 0–43,200 s and a negative wait with InvalidParameterError",
    async ({ mailbox }) => {
      await mailbox.send(body(1));
      await expectError(mailbox.receive({ visibilityTimeout: 43_201 }), InvalidParameterError, "43201");
      await expectError(mailbox.receive({ visibilityTimeout: -1 }), InvalidParameterError, "-1");
      await expectError(mailbox.receive({ waitTimeSeconds: -1 }), InvalidParameterError, "-1");
      assert.equal(await mailbox.approximateCount(), 1);
      const msg = await receiveOne(mailbox, { visibilityTimeout: 43_200 });
      await msg.acknowledge();
    },
  ],
  [
    "nack and extendVisibility reject timeouts outside 0–43,200 s and leave the delivery unsettled",
    async ({ mailbox }) => {
      await mailbox.send(body(1));
      const msg = await receiveOne(mailbox, { visibilityTimeout: 30 });
      await expectError(msg.nack(43_201), InvalidParameterError, "43201");
      await expectError(msg.nack(-1), InvalidParameterError, "-1");
      await expectError(msg.extendVisibility(43_201), InvalidParameterError, "43201");
      await expectError(msg.extendVisibility(-1), InvalidParameterError, "-1");
      assert.equal(msg.finalized, false);
      await msg.acknowledge();
    },
  ],
  [
    "maxMessages is clamped to 1–10",
    async ({ mailbox }) => {
      await sendAll(mailbox, 12);
      const many = await mailbox.receive({ maxMessages: 50, visibilityTimeout: 30 });
      assert.equal(many.length, 10);
      const one = await mailbox.receive({ maxMessages: 0, visibilityTimeout: 30 });
      assert.equal(one.length, 1);
      for (const msg of [...many, ...one]) await msg.acknowledge();
      assert.equal(await mailbox.approximateCount(), 1);
    },
  ],
  [
    "approximateCount counts waiting and in-flight messages and purge deletes them all",
    async ({ mailbox }) => {
      assert.equal(await mailbox.approximateCount(), 0);
      await sendAll(mailbox, 3);
      assert.equal(await mailbox.approximateCount(), 3);
      await receiveOne(mailbox, { visibilityTimeout: 30 });
      assert.equal(await mailbox.approximateCount(), 3);
      assert.equal(await mailbox.purge(), 3);
      assert.equal(await mailbox.approximateCount(), 0);
      await expectNothing(mailbox, "the mailbox was purged");
    },
  ],
  [
    "a long poll returns as soon as a message is sent",
    async ({ mailbox }) => {
      const polling = mailbox.receive({ waitTimeSeconds: 10, visibilityTimeout: 30 });
      await mailbox.send(body(42));
      const got = await polling;
      assert.deepEqual(
        got.map((m) => m.body),
        [body(42)],
      );
      for (const msg of got) await msg.acknowledge();
    },
  ],
  [
    "aborting the signal ends a long poll with no messages",
    async ({ mailbox }) => {
      const controller = new AbortController();
      const polling = mailbox.receive({ waitTimeSeconds: 20, signal: controller.signal });
      controller.abort();
      assert.deepEqual(await polling, []);
      assert.deepEqual(await mailbox.receive({ waitTimeSeconds: 20, signal: controller.signal }), []);
    },
  ],
  [
    "close wakes a waiting receiver; afterwards receive returns nothing and send throws MailboxClosedError",
    async ({ mailbox }) => {
      const polling = mailbox.receive({ waitTimeSeconds: 20 });
      await mailbox.close();
      assert.deepEqual(await polling, []);
      assert.equal(mailbox.closed, true);
      await expectError(mailbox.send(body(1)), MailboxClosedError, mailbox.name);
      assert.deepEqual(await mailbox.receive({ waitTimeSeconds: 20 }), []);
      await mailbox.close();
    },
  ],
];

/**
 * The conformance cases, each on a fresh harness from `factory` that it closes when done. Run them
 * with any test runner: `for (const c of mailboxConformanceCases(factory)) it(c.name, c.run)`.
 */
export function mailboxConformanceCases(factory: MailboxConformanceFactory): MailboxConformanceCase[] {
  return CHECKS.map(([name, check]) => ({
    name,
    run: async () => {
      const harness = await factory();
      try {
        await check(harness);
      } finally {
        await harness.close();
      }
    },
  }));
}
