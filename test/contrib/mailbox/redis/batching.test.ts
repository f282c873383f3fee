/**
 * RedisMailbox sends and acknowledgements issued in the same tick go to Redis as one script call,
 * and each still succeeds or fails on its own. Calls are counted with a spy on the real client's
 * `evalsha` (the commands still run against Redis); TTLs are read back from the server.
 */
import { afterAll, expect, it, vi } from "vitest";
import { RedisMailbox } from "../../../../src/contrib/mailbox/redis/index.js";
import { MailboxFullError, ReceiptHandleExpiredError } from "../../../../src/runtime/mailbox/index.js";
import { cleanup, describeRedis, newClient, uniqueName } from "./helpers.js";

describeRedis("RedisMailbox batching", () => {
  afterAll(cleanup);

  it("stores sends of one tick with one script call, in order", async () => {
    const client = newClient();
    const mailbox = new RedisMailbox<number>({ name: uniqueName("sends"), client });
    await mailbox.send(0); // loads the script
    const calls = vi.spyOn(client, "evalsha");
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => mailbox.send(n)));
    expect(calls).toHaveBeenCalledTimes(1);
    expect(new Set(ids).size).toBe(5);
    const bodies = (await mailbox.receive({ maxMessages: 10 })).map((message) => message.body);
    expect(bodies).toEqual([0, 1, 2, 3, 4, 5]);
    await mailbox.close();
  });

  it("refuses only the sends of a batch that do not fit under maxSize", async () => {
    const mailbox = new RedisMailbox<number>({ name: uniqueName("full"), client: newClient(), maxSize: 3 });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => mailbox.send(n)));
    expect(results.map((result) => result.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
      "rejected",
    ]);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(MailboxFullError);
    expect(await mailbox.approximateCount()).toBe(3);
    await mailbox.close();
  });

  it("acknowledges a batch with one script call, failing only the stale handle", async () => {
    const client = newClient();
    const mailbox = new RedisMailbox<string>({ name: uniqueName("acks"), client });
    for (const body of ["a", "b", "c"]) await mailbox.send(body);
    const [early] = await mailbox.receive({ visibilityTimeout: 0.2 });
    const rest = await mailbox.receive({ maxMessages: 2, visibilityTimeout: 60 });
    expect(rest).toHaveLength(2);
    // Its lease runs out and it is delivered again: the first delivery's handle is now stale.
    let again: Awaited<ReturnType<typeof mailbox.receive>>[number] | undefined;
    await vi.waitFor(
      async () => {
        [again] = await mailbox.receive({ visibilityTimeout: 60 });
        expect(again?.id).toBe(early?.id);
      },
      { timeout: 5_000, interval: 50 },
    );
    const calls = vi.spyOn(client, "evalsha");
    const results = await Promise.allSettled([
      early?.acknowledge(),
      rest[0]?.acknowledge(),
      rest[1]?.acknowledge(),
    ]);
    expect(calls).toHaveBeenCalledTimes(1);
    expect(results.map((result) => result.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ReceiptHandleExpiredError);
    expect(await mailbox.approximateCount()).toBe(1);
    await again?.acknowledge();
    expect(await mailbox.approximateCount()).toBe(0);
    await mailbox.close();
  });

  it("gives a key created after the last TTL refresh its TTL at once", async () => {
    const client = newClient();
    const mailbox = new RedisMailbox<string>({ name: uniqueName("ttl"), client, ttlSeconds: 60 });
    const [pending, invisible] = mailbox.keys as [string, string];
    await mailbox.send("a");
    await mailbox.send("b");
    const taken = await mailbox.receive({ maxMessages: 2 });
    expect(await client.exists(pending)).toBe(0); // emptied, while the queue's meta hash lives on
    await mailbox.send("c"); // within the same second: no refresh is due, pending is new
    expect(await client.pttl(pending)).toBeGreaterThan(0);
    for (const message of taken) await message.acknowledge();
    expect(await client.exists(invisible)).toBe(0);
    await mailbox.receive(); // invisible is new
    expect(await client.pttl(invisible)).toBeGreaterThan(0);
    for (const key of mailbox.keys) {
      if ((await client.exists(key)) === 1) expect(await client.pttl(key), key).toBeGreaterThan(0);
    }
    await mailbox.close();
  });
});
