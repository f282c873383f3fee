/**
 * With a durable mailbox the code-review worker serves a shared queue, and `wink submit` (another
 * process) sends it a request and prints the typed result. Real Redis on 127.0.0.1.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable } from "../support/redis.js";

const ROOT = join(import.meta.dirname, "..", "..");
const TSX = ["--conditions=wink-source", "--import", "tsx"];
const run = promisify(execFile);
const queue = `wink-test-shared-${process.pid}-${Date.now()}`;
const url = `redis://127.0.0.1:6379/0?queue=${queue}`;
let redisUp = false;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  redisUp = await redisAvailable();
});

afterEach(() => {
  if (worker && worker.exitCode === null) worker.kill("SIGKILL");
});

afterAll(async () => {
  if (!redisUp) return;
  const redis = new Redis({ host: "127.0.0.1", port: 6379 });
  const keys = await redis.keys(`*${queue}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("a worker on a shared Redis queue", () => {
  it("answers a request sent by wink submit from another process", async (context) => {
    if (!redisUp) {
      context.skip(
        "Redis is not running on 127.0.0.1:6379: install and start redis-server to run this test.",
      );
      return;
    }
    worker = spawn(process.execPath, [...TSX, join(import.meta.dirname, "fixtures", "redis-worker.ts")], {
      cwd: ROOT,
      env: { ...process.env, WINK_QUEUE_URL: url },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      worker?.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes('"listening"')) resolve();
      });
      worker?.on("exit", (code) => reject(new Error(`worker exited with ${code}`)));
    });
    const { stdout } = await run(
      process.execPath,
      [
        ...TSX,
        join(ROOT, "src", "cli", "bin.ts"),
        "submit",
        "--mailbox",
        url,
        "--reply-to",
        `redis://127.0.0.1:6379/0?queue=${queue}-replies`,
        "--timeout",
        "20",
        JSON.stringify({ change: "Add retries", files: ["src/http.ts"] }),
      ],
      { cwd: ROOT },
    );
    const result = JSON.parse(stdout.trim()) as { success: boolean; output: unknown };
    expect(result.success).toBe(true);
    expect(result.output).toEqual({ summary: "looks fine", issues: [], approve: true });
    worker.kill("SIGTERM");
    const code = await new Promise((resolve) => worker?.on("exit", resolve));
    expect(code).toBe(0);
  });
});
