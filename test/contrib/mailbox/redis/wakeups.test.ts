/**
 * Blocking wake-ups of RedisMailbox: an empty receive blocks on the queue's wake list and is woken
 * by a send, a released or expired lease, or the reaper — never by its own timer. The receiving
 * mailboxes run on a FakeClock that no test advances unless it says so, so a receive that
 * settles provably did not poll; a blocked receive is seen in `CLIENT LIST` (a `blpop` on the
 * mailbox's `wink-wake:` connection) before anything is sent.
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { FakeClock } from "../../../../src/clock.js";
import { RedisMailbox, type RedisMailboxOptions } from "../../../../src/contrib/mailbox/redis/index.js";
import { BLOCK_SECONDS } from "../../../../src/contrib/mailbox/redis/internal/wakeups.js";
import { settled } from "../../../support/settled.js";
import { describeRequiring } from "../../../support/system-package.js";
import { startProxy } from "../../../support/tcp-proxy.js";
import { cleanup, describeRedis, newClient, REDIS_PORT, uniqueName } from "./helpers.js";
import { REDIS_SERVER, type RedisServer, startRedisServer } from "./server.js";

const opened: RedisMailbox<string>[] = [];

function open(
  name: string,
  options: Partial<RedisMailboxOptions<string>> & { client?: Redis } = {},
): RedisMailbox<string> {
  const mailbox = new RedisMailbox<string>({ name, client: options.client ?? newClient(), ...options });
  opened.push(mailbox);
  return mailbox;
}

/** Waits until `count` connections of mailbox `name` are blocked in BLPOP on `admin`'s server. */
async function blocked(admin: Redis, name: string, count = 1): Promise<void> {
  await vi.waitFor(
    async () => {
      const list = String(await admin.call("CLIENT", "LIST"));
      const waiting = list.split("\n").filter((line) => line.includes(`name=wink-wake:${name}`));
      expect(waiting.filter((line) => line.includes("cmd=blpop")).length).toBe(count);
    },
    { timeout: 5_000, interval: 10 },
  );
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((mailbox) => mailbox.close()));
});

describeRedis("RedisMailbox blocking wake-ups", () => {
  afterAll(cleanup);

  it("wakes a blocked receive on a send from another client, without polling", async () => {
    const name = uniqueName("send");
    const clock = new FakeClock();
    const receiver = open(name, { clock, pollIntervalMs: 60_000 });
    const sender = open(name);
    const receiving = receiver.receive({ waitTimeSeconds: 20 });
    await blocked(newClient(), name);
    expect(await settled(receiving)).toBe(false);
    await sender.send("hello");
    const [message] = await receiving;
    expect(message?.body).toBe("hello");
    expect(clock.monotonic()).toBe(0);
  });

  it("wakes one blocked receive per message, across mailboxes on one queue", async () => {
    const name = uniqueName("fanout");
    const clock = new FakeClock();
    const first = open(name, { clock });
    const second = open(name, { clock });
    const receives = [first, first, first, second, second, second].map((mailbox) =>
      mailbox.receive({ waitTimeSeconds: 20, maxMessages: 1 }),
    );
    const admin = newClient();
    await blocked(admin, name, 2);
    const sender = open(name);
    for (const body of ["a", "b", "c", "d", "e", "f"]) await sender.send(body);
    const bodies = (await Promise.all(receives)).flat().map((message) => message.body);
    expect(bodies.sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(clock.monotonic()).toBe(0);
  });

  it("hands a token its waiter no longer wants to another process's waiter", async () => {
    const name = uniqueName("giveback");
    const clock = new FakeClock();
    const admin = newClient();
    const early = open(name, { clock });
    const stop = new AbortController();
    const abandoned = early.receive({ waitTimeSeconds: 20, signal: stop.signal });
    await blocked(admin, name, 1);
    stop.abort();
    expect(await abandoned).toEqual([]);
    // `early` still blocks on the server (its BLPOP cannot be taken back) and is first in line.
    const late = open(name, { clock });
    const receiving = late.receive({ waitTimeSeconds: 20 });
    await blocked(admin, name, 2);
    await open(name).send("for late");
    expect((await receiving)[0]?.body).toBe("for late");
    expect(clock.monotonic()).toBe(0);
  });

  it("wakes a blocked receive when a nack puts a message back", async () => {
    const name = uniqueName("nack");
    const clock = new FakeClock();
    const worker = open(name);
    await worker.send("retry me");
    const [taken] = await worker.receive({ visibilityTimeout: 60 });
    const receiver = open(name, { clock });
    const receiving = receiver.receive({ waitTimeSeconds: 20 });
    await blocked(newClient(), name);
    await taken?.nack(0);
    const [again] = await receiving;
    expect(again?.body).toBe("retry me");
    expect(again?.deliveryCount).toBe(2);
    expect(clock.monotonic()).toBe(0);
  });

  it("wakes a blocked receive when another mailbox's reaper returns an expired lease", async () => {
    const name = uniqueName("reaper");
    const clock = new FakeClock();
    const crashed = open(name, { reaperIntervalMs: 0 });
    await crashed.send("orphan");
    expect(await crashed.receive({ visibilityTimeout: 0.2 })).toHaveLength(1);
    const receiver = open(name, { clock, reaperIntervalMs: 0 });
    const receiving = receiver.receive({ waitTimeSeconds: 20 });
    await blocked(newClient(), name);
    // A mailbox with a real-clock reaper, as another worker would have.
    open(name, { reaperIntervalMs: 25 }).receive({ waitTimeSeconds: 0 });
    const [message] = await receiving;
    expect(message?.body).toBe("orphan");
    expect(message?.deliveryCount).toBe(2);
    expect(clock.monotonic()).toBe(0);
  });

  it("looks again when the first lease in flight ends, with no reaper anywhere", async () => {
    const name = uniqueName("due");
    const clock = new FakeClock();
    const crashed = open(name, { reaperIntervalMs: 0 });
    await crashed.send("orphan");
    expect(await crashed.receive({ visibilityTimeout: 0.3 })).toHaveLength(1);
    const receiver = open(name, { clock, reaperIntervalMs: 0 });
    // A plain receive finds nothing and learns when the lease ends.
    expect(await receiver.receive({ waitTimeSeconds: 0 })).toEqual([]);
    const started = performance.now();
    // The server-side block is cut to the lease's end (≤ 300 ms), not the usual BLOCK_SECONDS.
    const [message] = await receiver.receive({ waitTimeSeconds: 20 });
    expect(performance.now() - started).toBeLessThan(BLOCK_SECONDS * 1000);
    expect(message?.body).toBe("orphan");
    expect(message?.deliveryCount).toBe(2);
    expect(clock.monotonic()).toBe(0);
  });

  it("close() ends a blocked receive at once and drops the wake connection", async () => {
    const name = uniqueName("close");
    const clock = new FakeClock();
    const admin = newClient();
    const receiver = open(name, { clock });
    const receiving = receiver.receive({ waitTimeSeconds: 20 });
    await blocked(admin, name);
    await receiver.close();
    expect(await receiving).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    await vi.waitFor(async () => expect(String(await admin.call("CLIENT", "LIST"))).not.toContain(name), {
      timeout: 5_000,
    });
  });

  it("close() puts back a message its blocked receive took after the caller gave up", async () => {
    // A rollout: the worker stops waiting, a request arrives, the mailbox closes. The receive
    // pipelined behind the BLPOP takes the request; were its answer dropped by the closing
    // mailbox, the request would stay hidden for 600 s. The proxy makes the answer arrive after
    // close() has started, every time.
    const proxy = await startProxy(REDIS_PORT);
    const name = uniqueName("late");
    const admin = newClient();
    const receiver = open(name, { client: newClient({ port: proxy.port }) });
    const stop = new AbortController();
    const receiving = receiver.receive({ waitTimeSeconds: 20, visibilityTimeout: 600, signal: stop.signal });
    await blocked(admin, name);
    stop.abort();
    expect(await receiving).toEqual([]);
    proxy.hold();
    const sender = open(name);
    await sender.send("during shutdown");
    // Taken by the blocked receive: nothing pending, the answer held in the proxy.
    await vi.waitFor(async () => expect(await admin.llen(receiver.keys[0] as string)).toBe(0));
    const closing = receiver.close();
    proxy.release();
    await closing;
    const [message] = await sender.receive({ visibilityTimeout: 600 });
    expect(message?.body).toBe("during shutdown");
    await proxy.stop();
  });

  it("close() ends the BLPOP of a receive that gave up at once, not when its block runs out", async () => {
    // A BLPOP blocks up to BLOCK_SECONDS; close() unblocks it (CLIENT UNBLOCK) instead of waiting,
    // so an idle worker exits at once. Three times: a close that waited would take 0–2 s each.
    const admin = newClient();
    for (let i = 0; i < 3; i++) {
      const name = uniqueName("unblock");
      const receiver = open(name, { clock: new FakeClock() });
      const stop = new AbortController();
      const receiving = receiver.receive({ waitTimeSeconds: 20, signal: stop.signal });
      await blocked(admin, name);
      stop.abort();
      await receiving;
      const started = performance.now();
      await receiver.close();
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it("keeps waking after its wake connection is killed (it reconnects)", async () => {
    const name = uniqueName("killed");
    const clock = new FakeClock();
    const admin = newClient();
    const receiver = open(name, { clock });
    const first = receiver.receive({ waitTimeSeconds: 20 });
    await blocked(admin, name);
    await admin.call("CLIENT", "KILL", "USER", "default", "SKIPME", "yes").catch(() => 0);
    await blocked(admin, name);
    await open(name).send("after the kill");
    expect((await first)[0]?.body).toBe("after the kill");
  });

  it("keeps one wake token per pending message, and none once the queue is empty", async () => {
    const name = uniqueName("tokens");
    const mailbox = open(name);
    const admin = newClient();
    const wake = mailbox.keys[4] as string;
    for (const body of ["a", "b", "c"]) await mailbox.send(body);
    expect(await admin.llen(wake)).toBe(3);
    const taken = await mailbox.receive({ maxMessages: 2 });
    expect(await admin.llen(wake)).toBe(1);
    await taken[0]?.nack(0);
    expect(await admin.llen(wake)).toBe(2);
    await mailbox.purge();
    expect(await admin.exists(wake)).toBe(0);
  });

  it("polls every pollIntervalMs instead with blockingReceive: false", async () => {
    const name = uniqueName("polling");
    const clock = new FakeClock();
    const receiver = open(name, {
      clock,
      blockingReceive: false,
      pollIntervalMs: 200,
      reaperIntervalMs: 0,
      responseTimeoutMs: Number.POSITIVE_INFINITY,
    });
    const receiving = receiver.receive({ waitTimeSeconds: 20 });
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    await open(name).send("polled");
    expect(await settled(receiving)).toBe(false);
    await clock.tick(200);
    expect((await receiving)[0]?.body).toBe("polled");
    expect(String(await newClient().call("CLIENT", "LIST"))).not.toContain(`wink-wake:${name}`);
  });

  it("rejects a blockingReceive that is not a boolean, naming it", () => {
    expect(() => open(uniqueName(), { blockingReceive: "yes" as unknown as boolean })).toThrow(
      /blockingReceive of Redis mailbox .* must be true or false, got "yes"/,
    );
  });
});

describeRequiring([REDIS_SERVER], "RedisMailbox wake-ups while Redis is down", () => {
  const servers: RedisServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  for (const outage of ["killed", "frozen"] as const) {
    it(`close() ends a blocked receive at once when Redis is ${outage}`, async () => {
      const redis = await startRedisServer();
      servers.push(redis);
      const clock = new FakeClock();
      const mailbox = await RedisMailbox.fromUrl<string>(redis.url("jobs"), { clock });
      const receiving = mailbox.receive({ waitTimeSeconds: 20 });
      const admin = new Redis({ port: redis.port, host: "127.0.0.1" });
      admin.on("error", () => {});
      await blocked(admin, "jobs");
      admin.disconnect();
      if (outage === "killed") await redis.kill();
      else redis.freeze();
      expect(await settled(receiving)).toBe(false);
      // Nothing ticks the clock (closeTimeoutMs never runs out): close() must not wait on Redis.
      const closing = mailbox.close();
      expect(await receiving).toEqual([]);
      if (outage === "killed") await closing;
      else {
        await clock.tick(2_000);
        await closing;
        redis.thaw();
      }
      expect(mailbox.closed).toBe(true);
    });
  }
});

describeRequiring(
  [REDIS_SERVER],
  "RedisMailbox on a server that refuses CLIENT (managed or proxied Redis)",
  () => {
    // Without CLIENT ID/UNBLOCK, close() cannot cut a blocking wait short: it waits for the BLPOP
    // to run out (BLOCK_SECONDS at most). Waking and putting back a late message must still work.
    let redis: RedisServer;
    // Mailboxes leave a client they were given open: every client made here is closed here.
    const clients: Redis[] = [];
    beforeAll(async () => {
      redis = await startRedisServer({ args: ["--rename-command", "CLIENT", ""] });
    });
    afterEach(async () => {
      // The mailboxes first (the file's own afterEach runs after this one), then their clients.
      await Promise.all(opened.splice(0).map((mailbox) => mailbox.close()));
      for (const client of clients.splice(0)) client.disconnect();
    });
    afterAll(async () => {
      await redis.stop();
    });

    const connect = (port = redis.port): Redis => {
      const client = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
      client.on("error", () => {});
      clients.push(client);
      return client;
    };
    /** Waits until `count` clients of the server are blocked (CLIENT LIST is refused here). */
    const blockedClients = async (admin: Redis, count: number): Promise<void> => {
      const pattern = new RegExp(`blocked_clients:${count}\\b`);
      await vi.waitFor(async () => expect(await admin.info("clients")).toMatch(pattern), {
        timeout: 5_000,
        interval: 10,
      });
    };

    it("refuses CLIENT, so the fallback is what runs", async () => {
      await expect(connect().call("CLIENT", "ID")).rejects.toThrow(/unknown command/i);
    });

    it("wakes a blocked receive on a send, without polling", async () => {
      const name = uniqueName("noclient-wake");
      const receiver = open(name, { client: connect(), clock: new FakeClock() });
      const receiving = receiver.receive({ waitTimeSeconds: 20 });
      await blockedClients(connect(), 1);
      await open(name, { client: connect() }).send("hello");
      const [message] = await receiving;
      expect(message?.body).toBe("hello");
      await message?.acknowledge();
    });

    it("close() waits for the BLPOP of a receive that gave up, and puts back what it took", async () => {
      // The rollout of the CLIENT UNBLOCK test above, on a server that refuses the unblock: a
      // request sent while the worker shuts down is taken by the receive pipelined behind the BLPOP.
      // The proxy holds that answer until close() has started; a close that dropped the connection
      // without waiting for it would hide the request for its 600 s visibility timeout.
      const proxy = await startProxy(redis.port);
      try {
        const name = uniqueName("noclient-late");
        const admin = connect();
        const receiver = open(name, { client: connect(proxy.port) });
        const stop = new AbortController();
        const receiving = receiver.receive({
          waitTimeSeconds: 20,
          visibilityTimeout: 600,
          signal: stop.signal,
        });
        await blockedClients(admin, 1);
        stop.abort();
        expect(await receiving).toEqual([]);
        proxy.hold();
        const sender = open(name, { client: connect() });
        await sender.send("during shutdown");
        await vi.waitFor(async () => expect(await admin.llen(receiver.keys[0] as string)).toBe(0));
        const started = performance.now();
        const closing = receiver.close();
        proxy.release();
        await closing;
        expect(performance.now() - started).toBeLessThan(BLOCK_SECONDS * 1000 + 2_000);
        const [message] = await sender.receive({ visibilityTimeout: 600 });
        expect(message?.body).toBe("during shutdown");
        await message?.acknowledge();
      } finally {
        await proxy.stop();
      }
    });
  },
);
