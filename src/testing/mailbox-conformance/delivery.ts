/**
 * Conformance checks for delivery: order, the fields of a received message, and redelivery once
 * the visibility timeout ends (same body, a growing delivery count, a new receipt handle).
 */

import assert from "node:assert/strict";
import { ReceiptHandleExpiredError } from "../../runtime/mailbox/errors.js";
import { body, expectError, expectNothing, receiveCount, receiveOne, sendAll } from "./assertions.js";
import type { NamedChecks } from "./types.js";

/** The delivery and redelivery checks, in the order the suite runs them. */
export const DELIVERY_CHECKS: NamedChecks = [
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
];
