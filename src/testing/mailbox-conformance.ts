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

import { DELIVERY_CHECKS } from "./mailbox-conformance/delivery.js";
import { LIFECYCLE_CHECKS } from "./mailbox-conformance/lifecycle.js";
import { LIMIT_CHECKS } from "./mailbox-conformance/limits.js";
import { REPLY_CHECKS } from "./mailbox-conformance/replies.js";
import { SETTLEMENT_CHECKS } from "./mailbox-conformance/settlement.js";
import type {
  MailboxConformanceCase,
  MailboxConformanceFactory,
  NamedChecks,
} from "./mailbox-conformance/types.js";

export type {
  MailboxConformanceBody,
  MailboxConformanceCase,
  MailboxConformanceFactory,
  MailboxConformanceHarness,
} from "./mailbox-conformance/types.js";

/** Every check, in the order the cases run. */
const CHECKS: NamedChecks = [
  ...DELIVERY_CHECKS,
  ...SETTLEMENT_CHECKS,
  ...REPLY_CHECKS,
  ...LIMIT_CHECKS,
  ...LIFECYCLE_CHECKS,
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
