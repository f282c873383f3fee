/**
 * Conformance checks for the mailbox as a whole: counting and purging, long polls that end on a
 * send or an abort, and close.
 */

import assert from "node:assert/strict";
import { MailboxClosedError } from "../../runtime/mailbox/errors.js";
import { body, expectError, expectNothing, receiveOne, sendAll } from "./assertions.js";
import type { NamedChecks } from "./types.js";

/** The count, purge, long-poll and close checks, in the order the suite runs them. */
export const LIFECYCLE_CHECKS: NamedChecks = [
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
