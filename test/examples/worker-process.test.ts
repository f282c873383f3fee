/**
 * The code-review worker as a real process: probes answer, and SIGTERM during a slow request lets
 * that request finish and reply, returns the unstarted messages to the queue, and exits 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const FIXTURE = join(import.meta.dirname, "fixtures", "slow-worker.ts");
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  child = undefined;
});

interface Line {
  event: string;
  [key: string]: unknown;
}

function start(): {
  lines: Line[];
  waitFor: (pred: (l: Line) => boolean, ms?: number) => Promise<Line>;
  exited: Promise<number | null>;
} {
  child = spawn(process.execPath, ["--conditions=wink-source", "--import", "tsx", FIXTURE], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLOW_MS: "800" },
  });
  const lines: Line[] = [];
  const waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const part of parts) {
      if (!part.startsWith("{")) continue;
      const line = JSON.parse(part) as Line;
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child?.on("exit", (code) => resolve(code)));
  const waitFor = (pred: (l: Line) => boolean, ms = 10_000): Promise<Line> => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; stdout lines: ${JSON.stringify(lines)}; stderr: ${stderr}`)),
        ms,
      );
      waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  };
  return { lines, waitFor, exited };
}

describe("code-review worker process", () => {
  it("serves probes, and on SIGTERM finishes the slow request, returns the rest and exits 0", async () => {
    const worker = start();
    const { port } = (await worker.waitFor((l) => l.event === "listening")) as Line & { port: number };
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect([live.status, ready.status]).toEqual([200, 200]);
    expect(await ready.json()).toEqual({ status: "healthy" });

    await worker.waitFor((l) => l.event === "evaluating");
    const signalledAt = performance.now();
    child?.kill("SIGTERM");
    const code = await worker.exited;
    const elapsed = performance.now() - signalledAt;

    expect(code).toBe(0);
    expect(elapsed).toBeLessThan(10_000);
    const outcomes = worker.lines.filter((l) => l.event === "handled").map((l) => l.outcome);
    expect(outcomes.sort()).toEqual(["returned", "returned", "succeeded"]);
    const replies = worker.lines.filter((l) => l.event === "reply");
    expect(replies).toHaveLength(1);
    expect(replies[0]?.success).toBe(true);
    expect(worker.lines.at(-1)).toEqual({ event: "stopped", remaining: 2 });
  });
});
