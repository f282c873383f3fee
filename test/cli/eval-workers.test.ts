/**
 * Evaluations spread over worker processes: three `wink worker --evals` processes serve the
 * code-review example's EvalLoop on one Redis queue, `wink eval --mailbox` (a fourth process)
 * sends the 20 samples under two experiments and collects the results — the same per-sample
 * outcomes as the in-process run, every worker taking part, and each worker exiting 0 on SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ExperimentReport } from "../../src/evals/index.js";
import { redisAvailable } from "../support/redis.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const TSX = ["--conditions=wink-source", "--import", "tsx"];
const BIN = join(ROOT, "src", "cli", "bin.ts");
const AGENT = join(ROOT, "examples", "code-review", "eval.ts");
const DATASET = join(ROOT, "examples", "code-review", "evals", "dataset.jsonl");
const queue = `wink-test-evals-${process.pid}-${Date.now()}`;
const url = (name: string) => `redis://127.0.0.1:6379/0?queue=${name}`;

let redisUp = false;
const workers: { process: ChildProcess; log: string }[] = [];
const out = mkdtempSync(join(tmpdir(), "wink-eval-workers-"));

beforeAll(async () => {
  redisUp = await redisAvailable();
});

afterAll(async () => {
  for (const worker of workers) if (worker.process.exitCode === null) worker.process.kill("SIGKILL");
  rmSync(out, { recursive: true, force: true });
  if (!redisUp) return;
  const redis = new Redis({ host: "127.0.0.1", port: 6379 });
  const keys = await redis.keys(`*${queue}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function startWorker(): { process: ChildProcess; log: string } {
  const child = spawn(process.execPath, [...TSX, BIN, "worker", AGENT, "--evals"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", WINK_MAILBOX: url(queue), HEALTH_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const worker = { process: child, log: "" };
  const append = (chunk: Buffer) => {
    worker.log += chunk.toString();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  workers.push(worker);
  return worker;
}

describe("an evaluation spread over three worker processes on Redis", () => {
  it("gives the same results as one process", async (context) => {
    if (!redisUp) {
      context.skip(
        "Redis is not running on 127.0.0.1:6379: install and start redis-server to run this test.",
      );
      return;
    }
    const started = [startWorker(), startWorker(), startWorker()];
    await vi.waitFor(
      () => {
        for (const worker of started) {
          expect(worker.process.exitCode, worker.log).toBeNull();
          expect(worker.log).toContain("main_loop.start");
        }
      },
      { timeout: 60_000, interval: 100 },
    );
    const { stdout } = await run(
      process.execPath,
      [
        ...TSX,
        BIN,
        "eval",
        DATASET,
        "--agent",
        AGENT,
        "--mailbox",
        url(queue),
        "--reply-to",
        url(`${queue}-results`),
      ].concat(["--out", out, "--timeout", "60"]),
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, timeout: 90_000 },
    );
    expect(stdout).toContain(
      "strict vs baseline: pass rate +10.0 pp, mean score +0.130; 2 regressed, 4 improved",
    );
    const report = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as ExperimentReport;
    const outcomes = report.runs.map((each) =>
      each.report.results.map((result) => (result.score.passed ? "+" : "-")).join(""),
    );
    // As in the in-process run (test/cli/eval.test.ts).
    expect(outcomes).toEqual(["++-++--++++-++-+++++", "++++++-++-+++++++++-"]);
    expect(
      report.runs.flatMap((each) => each.report.results).every((result) => result.agentError === undefined),
    ).toBe(true);
    const handled = started.map((worker) => worker.log.split("adapter.evaluate.complete").length - 1);
    expect(handled.reduce((sum, n) => sum + n, 0)).toBe(40);
    expect(
      handled.every((n) => n > 0),
      `trials per worker: ${handled.join(", ")}`,
    ).toBe(true);
    for (const worker of started) worker.process.kill("SIGTERM");
    const codes = await Promise.all(
      started.map(
        (worker) =>
          new Promise<number | null>((resolve) =>
            worker.process.exitCode === null
              ? worker.process.on("exit", resolve)
              : resolve(worker.process.exitCode),
          ),
      ),
    );
    expect(codes).toEqual([0, 0, 0]);
  }, 150_000);
});
