/** RedisMailbox behaviour beyond the shared contract: several consumers, the reaper, keys, errors. */
import type { Redis } from "ioredis";
import { afterAll, afterEach, expect, it, vi } from "vitest";
import { z } from "zod";
import { FakeClock } from "../../../../src/clock.js";
import { RedisMailbox, type RedisMailboxOptions } from "../../../../src/contrib/mailbox/redis/index.js";
import { WinkError } from "../../../../src/errors.js";
import { resetLogging } from "../../../../src/logging/index.js";
import {
  InMemoryMailbox,
  InvalidParameterError,
  MailboxConnectionError,
  MailboxFullError,
  MailboxRegistry,
  MailboxSerializationError,
  MessageFinalizedError,
  ReceiptHandleExpiredError,
} from "../../../../src/runtime/mailbox/index.js";
import { captureLogs } from "../../../logging/capture.js";
import { cleanup, closedPort, describeRedis, newClient, sleep, uniqueName } from "./helpers.js";

afterAll(cleanup);

/** A mailbox on a fresh client; closed by the test's own cleanup (keys go in `cleanup`). */
function open<B = string, R = unknown>(
  options: Partial<RedisMailboxOptions<B>> = {},
): { mailbox: RedisMailbox<B, R>; client: Redis } {
  const client = (options.client as Redis | undefined) ?? newClient();
  const mailbox = new RedisMailbox<B, R>({ name: uniqueName(), ...options, client });
  return { mailbox, client };
}

/** A client to a port nothing listens on, failing at once instead of retrying. */
async function deadClient(): Promise<{ client: Redis; port: number }> {
  const port = await closedPort();
  const client = newClient({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  return { client, port };
}

describeRedis("RedisMailbox with several consumers", () => {
  it("rejects the first consumer's handle after redelivery to a second consumer, whose ack works", async () => {
    const name = uniqueName("shared");
    const a = new RedisMailbox<string>({ name, client: newClient() });
    const b = new RedisMailbox<string>({ name, client: newClient() });
    await a.send("job");
    const [first] = await a.receive({ visibilityTimeout: 1 });
    expect(await b.receive()).toEqual([]);
    await sleep(1200);
    const [second] = await b.receive({ visibilityTimeout: 30 });
    expect(second?.id).toBe(first?.id);
    expect(second?.deliveryCount).toBe(2);
    expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    await expect(first?.acknowledge()).rejects.toBeInstanceOf(ReceiptHandleExpiredError);
    await second?.acknowledge();
    expect(await a.approximateCount()).toBe(0);
    await a.close();
    await b.close();
  });

  it("keeps the delivery count across consumers and nacks", async () => {
    const name = uniqueName("shared");
    const a = new RedisMailbox<string>({ name, client: newClient() });
    const b = new RedisMailbox<string>({ name, client: newClient() });
    await a.send("job");
    await (await a.receive())[0]?.nack();
    await (await b.receive())[0]?.nack();
    const [third] = await a.receive();
    expect(third?.deliveryCount).toBe(3);
    await third?.acknowledge();
  });

  it("shares one queue between consumers without duplicates", async () => {
    const name = uniqueName("shared");
    const a = new RedisMailbox<number>({ name, client: newClient() });
    const b = new RedisMailbox<number>({ name, client: newClient() });
    for (let i = 0; i < 30; i++) await a.send(i);
    const seen: number[] = [];
    const drain = async (box: RedisMailbox<number>): Promise<void> => {
      for (let batch = await box.receive({ maxMessages: 4 }); batch.length > 0; ) {
        for (const msg of batch) {
          seen.push(msg.body);
          await msg.acknowledge();
        }
        batch = await box.receive({ maxMessages: 4 });
      }
    };
    await Promise.all([drain(a), drain(b)]);
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});

describeRedis("RedisMailbox reaper", () => {
  it("returns an expired message to the queue on its clock and clears the old handle", async () => {
    const clock = new FakeClock();
    const { mailbox, client } = open({ clock, reaperIntervalMs: 500 });
    const [pending, invisible, , meta] = mailbox.keys as [string, string, string, string];
    await mailbox.send("a");
    const [msg] = await mailbox.receive({ visibilityTimeout: 0 });
    expect(await client.zcard(invisible)).toBe(1);
    expect(await client.hget(meta, `${msg?.id}:handle`)).not.toBeNull();
    await clock.tick(500);
    await vi.waitFor(async () => expect(await client.llen(pending)).toBe(1));
    expect(await client.zcard(invisible)).toBe(0);
    expect(await client.hget(meta, `${msg?.id}:handle`)).toBeNull();
    await expect(msg?.acknowledge()).rejects.toBeInstanceOf(ReceiptHandleExpiredError);
    await mailbox.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it("reapExpired moves only messages whose visibility ended", async () => {
    const { mailbox } = open({ reaperIntervalMs: 0 });
    await mailbox.send("short");
    await mailbox.send("long");
    const [short] = await mailbox.receive({ maxMessages: 2, visibilityTimeout: 60 });
    await short?.extendVisibility(0);
    await sleep(5);
    expect(await mailbox.reapExpired()).toBe(1);
    expect(await mailbox.reapExpired()).toBe(0);
    expect(await mailbox.approximateCount()).toBe(2);
  });

  it("keeps fractional visibility timeouts in milliseconds", async () => {
    const { mailbox } = open();
    await mailbox.send("a");
    await mailbox.receive({ visibilityTimeout: 0.3 });
    expect(await mailbox.receive()).toEqual([]);
    await sleep(400);
    expect((await mailbox.receive())[0]?.deliveryCount).toBe(2);
  });

  it("logs one warning per outage and a note when Redis is back", async () => {
    const logs = captureLogs({ level: "info" });
    const clock = new FakeClock();
    const client = newClient({ maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    await client.connect();
    const { mailbox } = open({ clock, client, reaperIntervalMs: 100 });
    await mailbox.receive();
    client.disconnect();
    await clock.tick(100);
    await vi.waitFor(() => expect(logs.records().map((r) => r.event)).toContain("mailbox.reaper_failed"));
    await clock.tick(100);
    await vi.waitFor(() => expect(client.status).toBe("end"));
    await client.connect();
    await clock.tick(100);
    await vi.waitFor(() => expect(logs.records().map((r) => r.event)).toContain("mailbox.reaper_recovered"));
    expect(logs.records().filter((r) => r.event === "mailbox.reaper_failed")).toHaveLength(1);
    await mailbox.close();
    resetLogging();
  });
});

describeRedis("RedisMailbox keys and TTL", () => {
  it("keeps every key of a queue in one hash tag {wink:NAME}", async () => {
    const { mailbox, client } = open();
    await mailbox.send("a");
    await mailbox.send("b");
    await mailbox.receive();
    const tag = `{wink:${mailbox.name}}`;
    expect(mailbox.keys).toEqual([
      `${tag}:pending`,
      `${tag}:invisible`,
      `${tag}:data`,
      `${tag}:meta`,
      `${tag}:wake`,
    ]);
    expect((await client.keys(`*${mailbox.name}*`)).sort()).toEqual([...mailbox.keys].sort());
  });

  it("uses keyPrefix for the hash tag", () => {
    const { mailbox } = open({ keyPrefix: "acme" });
    expect(mailbox.keys[0]).toBe(`{acme:${mailbox.name}}:pending`);
  });

  it("sets the TTL on every key and refreshes it", async () => {
    const { mailbox, client } = open({ ttlSeconds: 60 });
    await mailbox.send("a");
    await mailbox.send("b");
    await mailbox.receive();
    for (const key of mailbox.keys) {
      const ttl = await client.ttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(60);
    }
  });

  it("ttlSeconds 0 keeps keys forever", async () => {
    const { mailbox, client } = open({ ttlSeconds: 0 });
    await mailbox.send("a");
    await mailbox.receive();
    expect(await client.ttl(mailbox.keys[1] as string)).toBe(-1);
    expect(await client.ttl(mailbox.keys[2] as string)).toBe(-1);
  });

  it("purge removes every key", async () => {
    const { mailbox, client } = open();
    await mailbox.send("a");
    await mailbox.send("b");
    await mailbox.receive();
    expect(await mailbox.purge()).toBe(2);
    expect(await client.exists(...mailbox.keys)).toBe(0);
  });
});

describeRedis("RedisMailbox bodies", () => {
  it("parses bodies with bodySchema", async () => {
    const { mailbox } = open<{ n: number }>({ bodySchema: z.object({ n: z.number() }) });
    await mailbox.send({ n: 1 });
    const [msg] = await mailbox.receive();
    expect(msg?.body).toEqual({ n: 1 });
    expect(msg?.bodyError).toBeUndefined();
  });

  it("delivers a body that fails bodySchema with bodyError naming the message, so it is not lost", async () => {
    const logs = captureLogs({ level: "warning" });
    const schema = z.object({ n: z.number() });
    const { mailbox, client } = open<{ n: number }>({ bodySchema: schema });
    const raw = new RedisMailbox<unknown>({ name: mailbox.name, client });
    const id = await raw.send({ n: "one" });
    const [msg] = await mailbox.receive();
    expect(msg?.id).toBe(id);
    expect(msg?.body).toEqual({ n: "one" });
    expect(msg?.bodyError).toBeInstanceOf(MailboxSerializationError);
    expect(msg?.bodyError?.message).toContain(id);
    expect(msg?.bodyError?.message).toMatch(/bodySchema/);
    expect(logs.only().event).toBe("mailbox.invalid_body");
    await msg?.acknowledge();
    expect(await mailbox.approximateCount()).toBe(0);
    resetLogging();
  });

  it("delivers a stored body that is not JSON as raw text with bodyError", async () => {
    const { mailbox, client } = open();
    const id = await mailbox.send("fine");
    await client.hset(mailbox.keys[2] as string, id, "{oops");
    const [msg] = await mailbox.receive();
    expect(msg?.body).toBe("{oops");
    expect(msg?.bodyError?.message).toMatch(new RegExp(`${id}.*not JSON`));
  });

  it("refuses a body JSON cannot represent, naming the message, and stores nothing", async () => {
    const { mailbox } = open<unknown>();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const body of [10n, undefined, () => 1, circular]) {
      const error = await mailbox.send(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailboxSerializationError);
      expect((error as MailboxSerializationError).message).toMatch(
        /Message [0-9a-f-]{36} for Redis mailbox .* not JSON-serializable/,
      );
      expect((error as MailboxSerializationError).details.messageId).toEqual(expect.any(String));
    }
    expect(await mailbox.approximateCount()).toBe(0);
  });

  it("takes a batch in send order, skips ids whose body is gone and fills up from the rest", async () => {
    const { mailbox, client } = open<string>();
    const ids: string[] = [];
    for (const body of ["a", "b", "c", "d", "e"])
      ids.push(await mailbox.send(body, { replyTo: `r-${body}` }));
    // The body of "b" vanished (deleted behind the mailbox's back): it is dropped with its meta.
    await client.hdel(mailbox.keys[2] as string, ids[1] as string);
    const batch = await mailbox.receive({ maxMessages: 4, visibilityTimeout: 30 });
    expect(batch.map((m) => [m.body, m.replyTo, m.deliveryCount])).toEqual([
      ["a", "r-a", 1],
      ["c", "r-c", 1],
      ["d", "r-d", 1],
      ["e", "r-e", 1],
    ]);
    expect(await client.hget(mailbox.keys[3] as string, `${ids[1]}:count`)).toBeNull();
    expect(await client.llen(mailbox.keys[0] as string)).toBe(0);
    // "a" is delivered again with a new handle; acknowledging both deliveries of "a" and the
    // rest in one batch settles each message once and refuses the stale handle alone.
    await client.zadd(mailbox.keys[1] as string, "0", batch[0]?.id as string);
    const again = await mailbox.receive({ visibilityTimeout: 30 });
    expect(again.map((m) => [m.body, m.deliveryCount])).toEqual([["a", 2]]);
    const results = await Promise.allSettled([...batch, ...again].map((m) => m.acknowledge()));
    expect(results.map((r) => r.status)).toEqual([
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ReceiptHandleExpiredError);
    expect(await mailbox.approximateCount()).toBe(0);
    expect(await client.hlen(mailbox.keys[3] as string)).toBe(0);
  });

  it("stamps enqueuedAt with the Redis server's time", async () => {
    const { mailbox, client } = open();
    const [seconds] = await client.time();
    await mailbox.send("a");
    const [msg] = await mailbox.receive();
    expect(Math.abs((msg?.enqueuedAt.getTime() ?? 0) - Number(seconds) * 1000)).toBeLessThan(2000);
  });
});

describeRedis("RedisMailbox replies", () => {
  it("resolves a reply address given by name through the default resolver", async () => {
    const { mailbox } = open<string, string>();
    const results = new RedisMailbox<string>({ name: uniqueName("results"), client: newClient() });
    await mailbox.send("question", { replyTo: results.name });
    const [msg] = await mailbox.receive();
    expect(msg?.replyTo).toBe(results.name);
    await msg?.reply("answer");
    await msg?.acknowledge();
    const [reply] = await results.receive();
    expect(reply?.body).toBe("answer");
    expect(reply?.replyTo).toBeUndefined();
  });

  it("uses a given resolver", async () => {
    const local = new InMemoryMailbox<string>({ name: "local-results" });
    const { mailbox } = open<string, string>({ resolver: new MailboxRegistry([local]) });
    await mailbox.send("q", { replyTo: local });
    const [msg] = await mailbox.receive();
    expect(msg?.replyTo).toBe("local-results");
    await msg?.reply("a");
    expect((await local.receive()).map((m) => m.body)).toEqual(["a"]);
  });

  it("refuses an empty reply name", async () => {
    const { mailbox } = open();
    await expect(mailbox.send("q", { replyTo: "" })).rejects.toBeInstanceOf(InvalidParameterError);
  });
});

describeRedis("RedisMailbox settlement, limits and closing", () => {
  it("throws MailboxFullError once maxSize messages are held, in flight included", async () => {
    const { mailbox } = open({ maxSize: 2 });
    await mailbox.send("a");
    await mailbox.send("b");
    const [msg] = await mailbox.receive();
    await expect(mailbox.send("c")).rejects.toBeInstanceOf(MailboxFullError);
    await expect(mailbox.send("c")).rejects.toThrow(/maximum of 2 messages/);
    await msg?.acknowledge();
    await expect(mailbox.send("c")).resolves.toEqual(expect.any(String));
  });

  it("a second settle started before the first finishes throws MessageFinalizedError", async () => {
    const { mailbox } = open();
    await mailbox.send("a");
    const [msg] = await mailbox.receive();
    const results = await Promise.allSettled([msg?.acknowledge(), msg?.acknowledge()]);
    expect(results[0]?.status).toBe("fulfilled");
    expect(results[1]?.status === "rejected" && results[1].reason).toBeInstanceOf(MessageFinalizedError);
    await expect(msg?.extendVisibility(5)).rejects.toBeInstanceOf(MessageFinalizedError);
  });

  it("a settle that fails to reach Redis leaves the delivery unsettled, to be retried", async () => {
    const client = newClient({ maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    await client.connect();
    const { mailbox } = open({ client });
    await mailbox.send("a");
    const [msg] = await mailbox.receive();
    client.disconnect();
    await expect(msg?.acknowledge()).rejects.toBeInstanceOf(MailboxConnectionError);
    expect(msg?.finalized).toBe(false);
    await vi.waitFor(() => expect(client.status).toBe("end"));
    await client.connect();
    await msg?.acknowledge();
    expect(msg?.finalized).toBe(true);
  });

  it("close does not quit a client it was given", async () => {
    const { mailbox, client } = open();
    await mailbox.close();
    await mailbox.close();
    expect(await client.ping()).toBe("PONG");
  });

  it("close wakes an endless long poll; an ended wait returns nothing", async () => {
    const { mailbox } = open();
    const started = performance.now();
    expect(await mailbox.receive({ waitTimeSeconds: 0.3 })).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const polling = mailbox.receive({ waitTimeSeconds: Number.POSITIVE_INFINITY });
    await sleep(50);
    await mailbox.close();
    expect(await polling).toEqual([]);
  });

  it("a long poll picks up a message sent by another client", async () => {
    const { mailbox } = open();
    const other = new RedisMailbox<string>({ name: mailbox.name, client: newClient() });
    const polling = mailbox.receive({ waitTimeSeconds: 5 });
    await sleep(100);
    await other.send("hello");
    expect((await polling).map((m) => m.body)).toEqual(["hello"]);
  });

  it("rejects bad constructor options, naming the option", () => {
    const client = newClient({ lazyConnect: true });
    const make = (options: Partial<RedisMailboxOptions<string>>) => () =>
      new RedisMailbox<string>({ name: "x", client, ...options });
    expect(make({ name: "" })).toThrow(WinkError);
    expect(make({ keyPrefix: "a{b" })).toThrow(/keyPrefix/);
    expect(make({ maxSize: 0 })).toThrow(/maxSize/);
    expect(make({ reaperIntervalMs: -1 })).toThrow(/reaperIntervalMs/);
    expect(make({ pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    expect(make({ ttlSeconds: 1.5 })).toThrow(/ttlSeconds/);
  });
});

describeRedis("RedisMailbox connection errors", () => {
  afterEach(() => resetLogging());

  it("names the queue and the server, says to check the Redis URL, and keeps the cause", async () => {
    const { client, port } = await deadClient();
    const { mailbox } = open({ client });
    for (const action of [
      () => mailbox.send("a"),
      () => mailbox.receive(),
      () => mailbox.approximateCount(),
    ]) {
      const error = await action().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailboxConnectionError);
      const { message, cause } = error as MailboxConnectionError;
      expect(message).toContain(`"${mailbox.name}"`);
      expect(message).toContain(`redis://127.0.0.1:${port}/0`);
      expect(message).toMatch(/Check the Redis URL/);
      expect(cause).toBeInstanceOf(Error);
    }
    await mailbox.close();
  });
});

describeRedis("RedisMailbox debug logs", () => {
  afterEach(() => resetLogging());

  it("logs mailbox.send, mailbox.receive and mailbox.acknowledge at DEBUG", async () => {
    const logs = captureLogs({ level: "debug" });
    const { mailbox } = open();
    const id = await mailbox.send("a", { replyTo: "somewhere" });
    const [msg] = await mailbox.receive();
    await msg?.acknowledge();
    const records = logs.records();
    expect(records.map((r) => r.event)).toEqual(["mailbox.send", "mailbox.receive", "mailbox.acknowledge"]);
    expect(records[0]?.context).toMatchObject({ mailbox: mailbox.name, messageId: id, replyTo: "somewhere" });
    expect(records[1]?.context).toMatchObject({ count: 1, messageIds: [id] });
  });
});
