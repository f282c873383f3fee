/**
 * RedisMailbox passes the mailbox conformance suite on a real Redis. The suite's `advance` really
 * sleeps (Redis times visibility with its own clock), so the cases run concurrently: each has its
 * own queues and client, and the longest waits about 3 s.
 */
import { afterAll, describe, expect, it } from "vitest";
import { RedisMailbox } from "../../../../src/contrib/mailbox/redis/index.js";
import {
  type MailboxConformanceBody,
  mailboxConformanceCases,
} from "../../../../src/testing/mailbox-conformance.js";
import { cleanup, describeRedis, newClient, sleep, uniqueName } from "./helpers.js";

// Both ways of waiting on an empty queue: blocking on the wake list (the default) and polling.
for (const blockingReceive of [true, false]) {
  describeRedis(
    `RedisMailbox passes the mailbox conformance suite (blockingReceive: ${blockingReceive})`,
    () => {
      afterAll(cleanup);

      const cases = mailboxConformanceCases(async () => {
        const client = newClient();
        const mailbox = new RedisMailbox<MailboxConformanceBody>({
          name: uniqueName("requests"),
          client,
          blockingReceive,
        });
        const replies = new RedisMailbox({ name: uniqueName("replies"), client });
        return {
          mailbox,
          replies,
          advance: (seconds) => sleep(seconds * 1000),
          close: async () => {
            await mailbox.close();
            await replies.close();
            await client.del(...mailbox.keys, ...replies.keys);
            await client.quit();
          },
        };
      });

      describe.concurrent("cases", () => {
        for (const c of cases) it(c.name, c.run);
      });

      it("runs every case of the suite", () => {
        expect(cases.length).toBeGreaterThanOrEqual(20);
      });
    },
  );
}
