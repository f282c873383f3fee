/** Redis mailbox URLs and RedisMailbox.fromUrl. */
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  parseRedisMailboxUrl,
  RedisMailbox,
  redactRedisUrl,
} from "../../../../src/contrib/mailbox/redis/index.js";
import { WinkError } from "../../../../src/errors.js";
import { MailboxConnectionError } from "../../../../src/runtime/mailbox/index.js";
import { cleanup, closedPort, describeRedis, REDIS_HOST, REDIS_PORT, uniqueName } from "./helpers.js";

afterAll(cleanup);

describe("parseRedisMailboxUrl", () => {
  it("reads host, port, db, credentials and the queue", () => {
    expect(parseRedisMailboxUrl("redis://user:p%40ss@redis.local:6380/2?queue=reviews")).toEqual({
      host: "redis.local",
      port: 6380,
      db: 2,
      username: "user",
      password: "p@ss",
      tls: false,
      queue: "reviews",
      redacted: "redis://user:***@redis.local:6380/2?queue=reviews",
    });
  });

  it("defaults to port 6379 and db 0, and reads rediss:// as TLS and IPv6 hosts", () => {
    expect(parseRedisMailboxUrl("redis://localhost")).toMatchObject({
      host: "localhost",
      port: 6379,
      db: 0,
      username: undefined,
      password: undefined,
      queue: undefined,
    });
    expect(parseRedisMailboxUrl("rediss://[::1]/")).toMatchObject({ host: "::1", tls: true, db: 0 });
  });

  it.each([
    ["not a url", /not a URL/],
    ["http://localhost:6379", /scheme "http:"/],
    ["redis://localhost/abc", /database number/],
    ["redis://localhost/0?queue=a&prefx=b", /unknown parameter "prefx"/],
    ["redis://localhost/0?queue=", /queue parameter is empty/],
  ])("rejects %s with an error saying how to fix it", (url, pattern) => {
    expect(() => parseRedisMailboxUrl(url)).toThrow(pattern);
    expect(() => parseRedisMailboxUrl(url)).toThrow(WinkError);
  });

  it("never shows the password in an error", () => {
    const error = (() => {
      try {
        parseRedisMailboxUrl("redis://:hunter2@localhost/x");
      } catch (e) {
        return e as WinkError;
      }
    })();
    expect(error?.code).toBe("invalid_config");
    expect(error?.message).toContain("redis://:***@localhost/x");
    expect(error?.message).not.toContain("hunter2");
  });

  it("redacts passwords even from URLs that do not parse", () => {
    expect(redactRedisUrl("redis://u:sec ret@h:x")).toBe("redis://u:***@h:x");
    expect(redactRedisUrl("redis://h:6379/0")).toBe("redis://h:6379/0");
  });
});

describe("RedisMailbox.fromUrl without a server", () => {
  it("needs a queue name from the URL or the options", async () => {
    await expect(RedisMailbox.fromUrl("redis://:pw@localhost:6379/0")).rejects.toThrow(
      /"redis:\/\/:\*\*\*@localhost:6379\/0" names no queue\. Add \?queue=NAME/,
    );
  });

  it("fails with MailboxConnectionError naming the redacted URL when nothing listens", async () => {
    const port = await closedPort();
    const url = `redis://:hunter2@127.0.0.1:${port}/0?queue=q`;
    const error = await RedisMailbox.fromUrl(url, { redisOptions: { retryStrategy: () => null } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailboxConnectionError);
    const { message, cause } = error as MailboxConnectionError;
    expect(message).toContain(`redis://:***@127.0.0.1:${port}/0?queue=q`);
    expect(message).toMatch(/Check the Redis URL/);
    expect(message).not.toContain("hunter2");
    expect(cause).toBeInstanceOf(Error);
  });
});

describeRedis("RedisMailbox.fromUrl", () => {
  it("opens the queue named in the URL on the URL's database and closes its client on close()", async () => {
    const name = uniqueName("url");
    const mailbox = await RedisMailbox.fromUrl<string>(`redis://${REDIS_HOST}:${REDIS_PORT}/3?queue=${name}`);
    expect(mailbox.name).toBe(name);
    await mailbox.send("a");
    const db3 = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: 3 });
    expect(await db3.llen(mailbox.keys[0] as string)).toBe(1);
    const [msg] = await mailbox.receive();
    await mailbox.purge();
    await db3.quit();
    await mailbox.close();
    await expect(msg?.acknowledge()).rejects.toBeInstanceOf(MailboxConnectionError);
  });

  it("lets options.name win over the URL's queue", async () => {
    const name = uniqueName("url");
    const mailbox = await RedisMailbox.fromUrl(`redis://${REDIS_HOST}:${REDIS_PORT}/0?queue=other`, { name });
    expect(mailbox.name).toBe(name);
    await mailbox.close();
  });

  it("closes the client it made when the options are invalid", async () => {
    await expect(
      RedisMailbox.fromUrl(`redis://${REDIS_HOST}:${REDIS_PORT}/0?queue=q`, { ttlSeconds: -1 }),
    ).rejects.toThrow(/ttlSeconds/);
  });
});

describe("openMailbox passes ttlSeconds to Redis", () => {
  it("keeps a dead-letter queue's keys forever with ttlSeconds 0", async (context) => {
    const { redisAvailable } = await import("../../../support/redis.js");
    if (!(await redisAvailable())) {
      context.skip(
        "Redis is not running on 127.0.0.1:6379: install and start redis-server to run this test.",
      );
      return;
    }
    const { openMailbox } = await import("../../../../src/contrib/mailbox/index.js");
    const name = `wink-test-ttl-${process.pid}-${Date.now()}`;
    const mailbox = await openMailbox(`redis://127.0.0.1:6379/0?queue=${name}`, { ttlSeconds: 0 });
    await mailbox.send({ n: 1 });
    await mailbox.close();
    const redis = new Redis({ host: "127.0.0.1", port: 6379 });
    const keys = await redis.keys(`*${name}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await redis.ttl(key)).toBe(-1);
    await redis.del(...keys);
    redis.disconnect();
  });
});
