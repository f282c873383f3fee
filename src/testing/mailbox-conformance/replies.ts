/**
 * Conformance checks for replies: they go to the `replyTo` mailbox, may be sent several times
 * before settling, and fail without a reply address or after the delivery is settled.
 */

import assert from "node:assert/strict";
import { MessageFinalizedError, ReplyNotAvailableError } from "../../runtime/mailbox/errors.js";
import { body, expectError, receiveCount, receiveOne } from "./assertions.js";
import type { NamedChecks } from "./types.js";

/** The reply checks, in the order the suite runs them. */
export const REPLY_CHECKS: NamedChecks = [
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
];
