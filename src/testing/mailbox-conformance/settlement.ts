/**
 * Conformance checks for settling a delivery: nack (at once or after a delay), extendVisibility,
 * acknowledge, and the error on settling the same delivery twice.
 */

import assert from "node:assert/strict";
import { MessageFinalizedError } from "../../runtime/mailbox/errors.js";
import { body, expectError, expectNothing, receiveCount, receiveOne, sendAll } from "./assertions.js";
import type { NamedChecks } from "./types.js";

/** The nack, extendVisibility and acknowledge checks, in the order the suite runs them. */
export const SETTLEMENT_CHECKS: NamedChecks = [
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
];
