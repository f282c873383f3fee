/**
 * Shared setup of the RedisMailbox tests: a reachability probe (skip locally, fail under CI),
 * queue names unique per run and per test, tracked clients, and key cleanup.
 */

import { createServer } from "node:net";
import { Redis, type RedisOptions } from "ioredis";
import { describe, it } from "vitest";

/** Where the tests expect Redis. */
export const REDIS_HOST = "127.0.0.1";
export const REDIS_PORT = 6379;

/** Every queue name of this run starts with this, so parallel runs never share a key. */
export const RUN = `wink-test-${process.pid}-${Date.now()}`;
let serial = 0;

/** A queue name no other test, run or process uses. */
export function uniqueName(label = "q"): string {
  return `${RUN}-${++serial}-${label}`;
}

async function probe(): Promise<boolean> {
  const client = new Redis({
    host: REDIS_HOST,
    port: REDIS_PORT,
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** True when Redis answers at 127.0.0.1:6379. */
export const redisAvailable = await probe();

const HOW_TO_START =
  `No Redis server answers at ${REDIS_HOST}:${REDIS_PORT}. Install and start redis-server ` +
  "(e.g. `apt-get install -y redis-server && redis-server --daemonize yes`) to run the RedisMailbox tests.";

let warned = false;

/**
 * `describe` when Redis is reachable. Otherwise the block is skipped with a message saying how to
 * start Redis — except under `CI=true`, where a failing test takes its place.
 */
export function describeRedis(name: string, body: () => void): void {
  if (redisAvailable) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("needs a Redis server (CI=true forbids skipping)", () => {
        throw new Error(HOW_TO_START);
      });
    });
  } else {
    if (!warned) console.warn(`Skipping the RedisMailbox tests that need a server: ${HOW_TO_START}`);
    warned = true;
    describe.skip(name, body);
  }
}

const clients = new Set<Redis>();

/** A client to the test Redis, closed by {@link closeClients}. */
export function newClient(options: RedisOptions = {}): Redis {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, ...options });
  clients.add(client);
  return client;
}

/** Delete every key of this run (in db 0) and close every tracked client. */
export async function cleanup(): Promise<void> {
  if (redisAvailable) {
    const admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    let cursor = "0";
    do {
      const [next, keys] = await admin.scan(cursor, "MATCH", `*${RUN}-*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== "0");
    await admin.quit();
  }
  await Promise.all(
    [...clients].map(async (client) => {
      if (client.status === "end") return;
      await client.quit().catch(() => client.disconnect());
    }),
  );
  clients.clear();
}

/** A TCP port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/** Wait `ms` of real time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
