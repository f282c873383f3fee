/**
 * Resume, not restart, with real processes: a scripted 10-turn request (9 tool turns, then the
 * answer) whose worker is `kill -9`'d after turn 6. The next worker resumes from the Redis
 * checkpoint: it makes 4 model calls, not 10, the tool runs 9 times in all (as in a clean run),
 * the reply equals a clean run's, and the checkpoint is gone once the request is answered.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { RedisMailbox } from "../../src/contrib/mailbox/redis/index.js";
import type { MainLoopRequest, MainLoopResult } from "../../src/runtime/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/model-server/index.js";
import { redisAvailable } from "../support/redis.js";
import { FAULT_TEST_TIMEOUT_MS, killWorkers, PATIENCE_MS, startWorker } from "./harness.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/resume-worker.ts", import.meta.url));
const run = `wink-resume-${process.pid}-${Date.now()}`;
let redisUp = false;
let dir: string;

beforeAll(async () => {
  redisUp = await redisAvailable();
  dir = mkdtempSync(join(tmpdir(), "wink-resume-"));
});
afterEach(killWorkers);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!redisUp) return;
  const redis = new Redis({ host: "127.0.0.1", port: 6379 });
  const keys = await redis.keys(`*${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** The 10-turn script: step 1…9, one per turn, then the answer. */
function script(): ReturnType<typeof turn.json>[] {
  const steps = Array.from({ length: 9 }, (_, i) =>
    turn.toolCalls([{ id: `call_${i + 1}`, name: "step", arguments: { n: i + 1 } }]),
  );
  return [...steps, turn.json({ total: 45 })] as ReturnType<typeof turn.json>[];
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > PATIENCE_MS) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function request(name: string, server: ScriptedModelServer, toolLog: string) {
  const client = new Redis({ host: "127.0.0.1", port: 6379 });
  const requests = new RedisMailbox<MainLoopRequest<unknown>, MainLoopResult<unknown>>({ name, client });
  const replies = new RedisMailbox<MainLoopResult<unknown>>({ name: `${name}-replies`, client });
  const env = {
    MODEL_BASE_URL: server.openaiBaseUrl,
    TOOL_LOG: toolLog,
    CHECKPOINT_PREFIX: `${run}:checkpoints`,
  };
  await requests.send({ request: { task: "t" }, requestId: `${name}-r1` }, { replyTo: replies.name });
  return { client, requests, replies, env, url: `redis://127.0.0.1:6379/0?queue=${name}` };
}

const tools = (path: string): string[] => {
  try {
    return readFileSync(path, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

it(
  "resumes a request after kill -9: 4 more model calls, no tool run twice, the clean run's reply",
  async (context) => {
    if (!redisUp) {
      context.skip(
        "Redis is not running on 127.0.0.1:6379: install and start redis-server to run this test.",
      );
      return;
    }
    // A clean run first, for the reference reply and counts.
    const clean = await ScriptedModelServer.start();
    clean.enqueue(...script());
    const cleanLog = join(dir, "clean.log");
    const a = await request(`${run}-clean`, clean, cleanLog);
    const cleanWorker = startWorker(a.url, a.env, FIXTURE);
    const [cleanReply] = await a.replies.receive({ waitTimeSeconds: 20 });
    cleanWorker.child.kill("SIGTERM");
    expect(cleanReply?.body).toMatchObject({ success: true, output: { total: 45 } });
    expect(clean.requests).toHaveLength(10);
    expect(tools(cleanLog)).toHaveLength(9);

    // The interrupted run: the 7th model call hangs, so the worker is killed after turn 6.
    const server = await ScriptedModelServer.start();
    const full = script();
    server.enqueue(...full.slice(0, 6), turn.hang(), ...full.slice(6));
    const log = join(dir, "interrupted.log");
    const b = await request(`${run}-killed`, server, log);
    const first = startWorker(b.url, b.env, FIXTURE);
    await until(() => server.requests.length === 7, "the 7th model call");
    expect(tools(log)).toEqual(["1", "2", "3", "4", "5", "6"]);
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startWorker(b.url, b.env, FIXTURE);
    const [reply] = await b.replies.receive({ waitTimeSeconds: 20 });
    // Settled: the checkpoint goes once the request is acknowledged, just after the reply.
    const checkpoint = `${run}:checkpoints:${run}-killed-r1`;
    await vi.waitFor(async () => expect(await b.client.exists(checkpoint)).toBe(0), {
      timeout: PATIENCE_MS,
      interval: 50,
    });
    second.child.kill("SIGTERM");
    // The second attempt asked the model 4 times (turns 7–10), not 10.
    expect(server.requests.length - 7).toBe(4);
    expect(tools(log)).toEqual(tools(cleanLog));
    expect(reply?.body).toMatchObject({ success: true, attempt: 2 });
    const outputOf = (body: unknown): unknown => (body as { output?: unknown } | undefined)?.output;
    expect(outputOf(reply?.body)).toEqual(outputOf(cleanReply?.body));
    // The model was told it was interrupted.
    expect(JSON.stringify(server.requests[7]?.body)).toContain("interrupted");

    for (const m of [a, b]) {
      await m.requests.close();
      await m.replies.close();
      m.client.disconnect();
    }
    await clean.close();
    await server.close();
  },
  FAULT_TEST_TIMEOUT_MS,
);
