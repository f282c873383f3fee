/**
 * Conformance checks for parameter limits: visibility timeouts within 0–43,200 s, no negative
 * wait, and maxMessages clamped to 1–10.
 */

import assert from "node:assert/strict";
import { InvalidParameterError } from "../../runtime/mailbox/errors.js";
import { body, expectError, receiveOne, sendAll } from "./assertions.js";
import type { NamedChecks } from "./types.js";

/** The parameter-limit checks, in the order the suite runs them. */
export const LIMIT_CHECKS: NamedChecks = [
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
];
