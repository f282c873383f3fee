/**
 * `wink dlq` as a real process against Redis dead letters: list (table and JSON, secrets
 * redacted), show, redrive back to the source queue, and clear errors.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisMailbox } from "../../src/contrib/mailbox/redis/index.js";
import type { DeadLetter } from "../../src/runtime/mailbox/index.js";
import { redisAvailable } from "../support/redis.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "src", "cli", "bin.ts");
const queue = `wink-test-dlq-cli-${process.pid}-${Date.now()}`;
const dlqUrl = `redis://127.0.0.1:6379/0?queue=${queue}-dlq`;
let redisUp = false;

async function wink(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--conditions=wink-source", "--import", "tsx", BIN, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const letter = (n: number): DeadLetter => ({
  messageId: `m-${n}`,
  body: {
    request: { question: `q${n}` },
    requestId: `req-${n}`,
    note: "token=sk-proj-SECRETSECRETSECRET0123",
  },
  sourceMailbox: queue,
  deliveryCount: 5,
  lastError: `handler failed on q${n}`,
  lastErrorType: "TypeError",
  deadLetteredAt: "2026-12-05T00:00:00.000Z",
  firstReceivedAt: "2026-12-04T23:59:00.000Z",
  requestId: `req-${n}`,
});

beforeAll(async () => {
  redisUp = await redisAvailable();
  if (!redisUp) return;
  const client = new Redis({ host: "127.0.0.1", port: 6379 });
  const dlq = new RedisMailbox<DeadLetter>({ name: `${queue}-dlq`, client });
  for (const n of [1, 2]) await dlq.send(letter(n));
  await dlq.close();
  client.disconnect();
});

afterAll(async () => {
  if (!redisUp) return;
  const redis = new Redis({ host: "127.0.0.1", port: 6379 });
  const keys = await redis.keys(`*${queue}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

it("lists, shows and redrives Redis dead letters, redacting secrets", async (context) => {
  if (!redisUp) {
    context.skip("Redis is not running on 127.0.0.1:6379: install and start redis-server to run this test.");
    return;
  }
  const table = await wink("dlq", "list", dlqUrl);
  expect(table.code).toBe(0);
  expect(table.stdout).toContain("req-1");
  expect(table.stdout).toContain("TypeError");
  expect(table.stdout).toMatch(/handler failed on q2/);
  expect(table.stdout).toContain("2 letters");

  const json = await wink("dlq", "list", dlqUrl, "--json");
  const rows = json.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { letterId: string; deliveryCount: number });
  expect(rows).toHaveLength(2);
  expect(rows[0]?.deliveryCount).toBe(5);
  expect(json.stdout).not.toContain("SECRETSECRETSECRET");

  const shown = await wink("dlq", "show", dlqUrl, "m-1");
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout)).toMatchObject({ messageId: "m-1", requestId: "req-1" });

  const redriven = await wink("dlq", "redrive", dlqUrl, "--all");
  expect(redriven.code).toBe(0);
  expect(redriven.stdout).toContain("2 sent back, 0 kept");
  const client = new Redis({ host: "127.0.0.1", port: 6379 });
  const source = new RedisMailbox({ name: queue, client });
  const back = await source.receive({ maxMessages: 10 });
  expect(back.map((m) => (m.body as { requestId: string }).requestId).sort()).toEqual(["req-1", "req-2"]);
  await source.close();
  client.disconnect();
  expect((await wink("dlq", "list", dlqUrl)).stdout).toContain("0 letters");
});

it("says what to fix for a bad URL, a missing letter and a missing choice", async (context) => {
  if (!redisUp) {
    context.skip("Redis is not running on 127.0.0.1:6379: install and start redis-server to run this test.");
    return;
  }
  const bad = await wink("dlq", "list", "kafka://broker/topic");
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/wink: .*(redis|memory|sqs)/i);
  const missing = await wink("dlq", "show", dlqUrl, "no-such-id");
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("wink dlq list");
  const unchosen = await wink("dlq", "redrive", dlqUrl);
  expect(unchosen.code).toBe(1);
  expect(unchosen.stderr).toContain("--id <id...> or --all");
});
