/**
 * Process-level lifecycle guarantees, on real child processes: the watchdog kills a stalled or
 * CPU-blocked worker with SIGKILL after logging CRITICAL lines, and SIGTERM drains a worker
 * gracefully. Conditions are awaited by watching output and polling HTTP, never by fixed sleeps.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/worker.ts", import.meta.url));
const THRESHOLD_MS = 1_000;
const INTERVAL_MS = 200;
/**
 * The hang case's interval. The watchdog kills at the second check past the threshold, so
 * readiness reports 503 for at least this long before the kill: long enough for polling to see.
 */
const HANG_INTERVAL_MS = 400;
/** Scheduling, thread start-up and log writing on a loaded CI machine. */
const SLACK_MS = 1_500;

interface Worker {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the time `pattern` first appears on stdout. */
  readonly waitForLine: (pattern: RegExp) => Promise<{ at: number; match: RegExpExecArray }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});

function startWorker(mode: string, env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ["--conditions=wink-source", "--import", "tsx", FIXTURE, mode], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  const waiters: { pattern: RegExp; resolve: (v: { at: number; match: RegExpExecArray }) => void }[] = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(out);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve({ at: performance.now(), match });
      }
    }
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    check();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => {
      child.on("exit", (code, signal) => resolve({ code, signal, at: performance.now() }));
    },
  );
  const waitForLine = (pattern: RegExp): Promise<{ at: number; match: RegExpExecArray }> =>
    new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve });
      check();
      exited.then(() => {
        // Output may still be draining when exit fires; give the stream its end first.
        child.stdout?.once("end", () => {
          check();
          reject(new Error(`exited before ${pattern}; stdout: ${out}\nstderr: ${err}`));
        });
      });
    });
  return { child, stdout: () => out, stderr: () => err, waitForLine, exited };
}

type Probe = { status: number; body: string } | "timeout" | "error";

function probe(port: number, path: string, timeoutMs = 500): Promise<Probe> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => {
      req.destroy();
      resolve("timeout");
    });
    req.on("error", () => resolve("error"));
    req.end();
  });
}

/** Probe every 10 ms until `done` holds for an answer, or the process exits. */
async function pollUntil(
  port: number,
  path: string,
  exited: Promise<unknown>,
  done: (p: Probe) => boolean,
  ask: (path: string) => Promise<Probe> = (at) => probe(port, at),
) {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const seen: Probe[] = [];
  while (!gone) {
    const answer = await ask(path);
    seen.push(answer);
    if (done(answer)) return { answer, seen, at: performance.now() };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`process exited before ${path} met the condition; saw ${JSON.stringify(seen)}`);
}

describe("watchdog kills a stalled worker", () => {
  it("a loop awaiting forever turns /health/ready to 503 first, then dies by SIGKILL with CRITICAL JSON lines", async () => {
    const worker = startWorker("hang", {
      WEAKINCENTIVES_LOG_FORMAT: "json",
      WEAKINCENTIVES_LOG_LEVEL: "info",
      WATCHDOG_INTERVAL: String(HANG_INTERVAL_MS / 1_000),
    });
    const hanging = await worker.waitForLine(/^HANGING$/m);
    const port = Number((await worker.waitForLine(/^PORT (\d+)$/m)).match[1]);

    const first = await probe(port, "/health/ready");
    expect(first).toEqual({ status: 200, body: '{"status":"healthy"}' });
    // Readiness and liveness are probed together, so the liveness answer is from the same moment.
    let live: Probe = "error";
    const unready = await pollUntil(
      port,
      "/health/ready",
      worker.exited,
      (p) => {
        return p !== "timeout" && p !== "error" && p.status === 503;
      },
      (path) =>
        Promise.all([probe(port, path), probe(port, "/health/live")]).then(([ready, alive]) => {
          live = alive;
          return ready;
        }),
    );
    expect(unready.answer).toEqual({ status: 503, body: '{"status":"unhealthy"}' });
    expect(live).toMatchObject({ status: 200 });

    const exit = await worker.exited;
    expect(exit.signal).toBe("SIGKILL");
    expect(unready.at).toBeLessThan(exit.at);
    const lived = exit.at - hanging.at;
    expect(lived).toBeGreaterThan(THRESHOLD_MS);
    expect(lived).toBeLessThan(THRESHOLD_MS + 2 * HANG_INTERVAL_MS + SLACK_MS);

    const critical = worker
      .stderr()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record.level === "CRITICAL");
    expect(critical.map((r) => r.event)).toEqual(["watchdog.stall", "watchdog.terminate"]);
    expect(critical[0]).toMatchObject({
      logger: "weakincentives.runtime.lifecycle.watchdog",
      context: { loop: "fixture-hang", thresholdSeconds: 1 },
    });
    expect(critical[0]?.message).toMatch(
      /^Watchdog: fixture-hang stalled for \d+\.\ds \(threshold: 1\.0s\)$/,
    );
    // Killed at the second check past the threshold, not the first.
    const stalled = critical[0]?.context as { stalledSeconds: number } | undefined;
    expect((stalled?.stalledSeconds ?? 0) * 1_000).toBeGreaterThan(THRESHOLD_MS + HANG_INTERVAL_MS - 5);
    expect(critical[1]?.message).toBe("Watchdog: terminating process due to stalled workers");
    expect(Object.keys(critical[0] ?? {})).toEqual([
      "level",
      "timestamp",
      "logger",
      "event",
      "context",
      "message",
    ]);
  });

  it("a CPU-bound loop blocks the probes, yet the watchdog thread kills it by SIGKILL with CRITICAL text lines", async () => {
    const worker = startWorker("busy", {
      WEAKINCENTIVES_LOG_FORMAT: "text",
      WEAKINCENTIVES_LOG_LEVEL: "critical",
    });
    const port = Number((await worker.waitForLine(/^PORT (\d+)$/m)).match[1]);
    expect(await probe(port, "/health/live")).toEqual({ status: 200, body: '{"status":"healthy"}' });

    worker.child.stdin?.write("go\n");
    const busy = await worker.waitForLine(/^BUSY$/m);
    expect(await probe(port, "/health/live", 300)).toBe("timeout");

    const exit = await worker.exited;
    expect(exit.signal).toBe("SIGKILL");
    const lived = exit.at - busy.at;
    expect(lived).toBeGreaterThan(THRESHOLD_MS);
    expect(lived).toBeLessThan(THRESHOLD_MS + 2 * INTERVAL_MS + SLACK_MS);

    const lines = worker.stderr().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z CRITICAL weakincentives\.runtime\.lifecycle\.watchdog watchdog\.stall Watchdog: fixture-busy stalled for \d+\.\ds \(threshold: 1\.0s\) \{"loop":"fixture-busy",/,
    );
    expect(lines[1]).toMatch(
      / CRITICAL weakincentives\.runtime\.lifecycle\.watchdog watchdog\.terminate Watchdog: terminating process due to stalled workers \{/,
    );
  });
});

describe("graceful shutdown on SIGTERM", () => {
  it("aborts the loop mid-work, lets it finish, and exits 0 within shutdownTimeout", async () => {
    const worker = startWorker("graceful", {
      WEAKINCENTIVES_LOG_FORMAT: "json",
      WEAKINCENTIVES_LOG_LEVEL: "info",
    });
    const port = Number((await worker.waitForLine(/^PORT (\d+)$/m)).match[1]);
    await worker.waitForLine(/^WORKING$/m);
    expect(await probe(port, "/health/ready")).toMatchObject({ status: 200 });

    const sentAt = performance.now();
    worker.child.kill("SIGTERM");
    const exit = await worker.exited;

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - sentAt).toBeLessThan(5_000);
    expect(worker.stdout().split("\n").filter(Boolean).slice(-3)).toEqual([
      "ABORT_SEEN",
      "LOOP_FINISHED",
      "RUN_RESOLVED",
    ]);
    const events = worker
      .stderr()
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(
      expect.arrayContaining([
        "lifecycle.start",
        "lifecycle.signal",
        "lifecycle.shutdown.start",
        "lifecycle.shutdown.complete",
      ]),
    );
    expect(events.indexOf("lifecycle.shutdown.start")).toBeLessThan(
      events.indexOf("lifecycle.shutdown.complete"),
    );
    expect(events).not.toContain("lifecycle.shutdown.timeout");
    expect(events).not.toContain("watchdog.stall");
  });
});
