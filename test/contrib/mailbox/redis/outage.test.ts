/**
 * RedisMailbox while Redis is unreachable: close() is bounded, receives end on time, abort and
 * close, nothing a late answer took is stranded, and the mailbox serves again when Redis is back.
 * Each test runs its own redis-server (killed, frozen or restarted by PID), never the shared one.
 * The timing rules live in the mailbox and run on a FakeClock: a promise that settles without the
 * clock being advanced provably waited on no timer.
 */
import { Redis } from "ioredis";
import { afterEach, expect, it, vi } from "vitest";
import { FakeClock } from "../../../../src/clock.js";
import { RedisMailbox } from "../../../../src/contrib/mailbox/redis/index.js";
import { MailboxConnectionError } from "../../../../src/runtime/mailbox/index.js";
import { settled } from "../../../support/settled.js";
import { describeRequiring } from "../../../support/system-package.js";
import { REDIS_SERVER, type RedisServer, startRedisServer } from "./server.js";

const servers: RedisServer[] = [];
const admins: Redis[] = [];

afterEach(async () => {
  for (const admin of admins.splice(0)) admin.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function server(persistent = false): Promise<RedisServer> {
  const started = await startRedisServer({ persistent });
  servers.push(started);
  return started;
}

/** A separate connection to `target`, for looking at the queue behind the mailbox's back. */
function admin(target: RedisServer): Redis {
  const client = new Redis({ port: target.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  admins.push(client);
  return client;
}

describeRequiring([REDIS_SERVER], "RedisMailbox during a Redis outage", () => {
  it("close() returns without waiting while a receive is stuck on a dead Redis, and the receive gets []", async () => {
    const redis = await server();
    const clock = new FakeClock();
    const mailbox = await RedisMailbox.fromUrl<string>(redis.url("jobs"), { clock });
    await redis.kill();
    const polling = mailbox.receive({ waitTimeSeconds: 20 });
    expect(await settled(polling)).toBe(false);
    // Nothing ticks the clock: close() must not wait on any timer, nor on the dead server.
    await mailbox.close();
    expect(await polling).toEqual([]);
    expect(mailbox.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it("close() drops an owned connection whose QUIT goes unanswered, after closeTimeoutMs", async () => {
    const redis = await server();
    const clock = new FakeClock();
    const mailbox = await RedisMailbox.fromUrl<string>(redis.url("jobs"), { clock, closeTimeoutMs: 2_000 });
    redis.freeze();
    const polling = mailbox.receive({ waitTimeSeconds: 20 });
    const closing = mailbox.close();
    expect(await polling).toEqual([]);
    await clock.tick(1_999);
    expect(await settled(closing)).toBe(false);
    await clock.tick(1);
    await closing;
    expect(mailbox.closed).toBe(true);
  });

  it("a receive ends at once when its signal aborts, even while Redis does not answer", async () => {
    const redis = await server();
    const clock = new FakeClock();
    const mailbox = await RedisMailbox.fromUrl<string>(redis.url("jobs"), { clock });
    redis.freeze();
    const stop = new AbortController();
    const polling = mailbox.receive({ waitTimeSeconds: 20, signal: stop.signal });
    expect(await settled(polling)).toBe(false);
    stop.abort();
    expect(await polling).toEqual([]);
    redis.thaw();
    await mailbox.close();
  });

  it("gives up on an unanswered poll after responseTimeoutMs, and puts back what Redis took later", async () => {
    const redis = await server();
    const clock = new FakeClock();
    const mailbox = await RedisMailbox.fromUrl<string>(redis.url("jobs"), {
      clock,
      responseTimeoutMs: 5_000,
    });
    await mailbox.send("first");
    await mailbox.send("second");
    redis.freeze();
    // A blocked receive waits on the wake connection at most SAFETY_POLL_MS (5 s), then asks on
    // the command connection, which gives up after responseTimeoutMs (5 s more).
    const polling = mailbox.receive({ waitTimeSeconds: 20 });
    const failure = polling.catch((error: unknown) => error);
    await clock.tick(5_000);
    await clock.tick(4_999);
    expect(await settled(polling)).toBe(false);
    await clock.tick(1);
    const error = await failure;
    expect(error).toBeInstanceOf(MailboxConnectionError);
    expect((error as Error).message).toMatch(/could not receive messages .* did not answer within 5000 ms/);
    // Redis runs the queued receives once it answers again; no message may sit invisible.
    redis.thaw();
    const pending = mailbox.keys[0] as string;
    const peek = admin(redis);
    await vi.waitFor(async () => expect(await peek.llen(pending)).toBe(2), { timeout: 5_000 });
    const again = await mailbox.receive({ maxMessages: 2 });
    expect(again.map((message) => message.body).sort()).toEqual(["first", "second"]);
    expect(again.map((message) => message.deliveryCount)).toEqual([1, 1]);
    await mailbox.close();
  });

  it("serves again after its connection is killed and after Redis restarts with its data", async () => {
    const redis = await server(true);
    const mailbox = await RedisMailbox.fromUrl<string>(redis.url("jobs"));
    await mailbox.send("before");
    expect(await admin(redis).call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")).toBeGreaterThan(0);
    await vi.waitFor(async () => expect(await mailbox.approximateCount()).toBe(1), { timeout: 5_000 });
    await redis.restart();
    const [msg] = await mailbox.receive({ waitTimeSeconds: 5 });
    expect(msg?.body).toBe("before");
    await msg?.acknowledge();
    await mailbox.send("after");
    expect((await mailbox.receive())[0]?.body).toBe("after");
    await mailbox.close();
  });
});
