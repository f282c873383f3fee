import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { Heartbeat, HeartbeatBoard } from "../../../src/runtime/lifecycle/heartbeat.js";
import {
  confirmedStalls,
  findStalledLoops,
  stallMessage,
  Watchdog,
} from "../../../src/runtime/lifecycle/watchdog.js";
import { captureLogs } from "../../logging/capture.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/watchdog.ts", import.meta.url));

beforeEach(() => {
  captureLogs({ level: "debug" });
});

/** Two loops, `loop-a` and `loop-b`, beating on one board under a fake clock. */
function setup() {
  const clock = new FakeClock();
  const board = new HeartbeatBoard(4);
  const a = new Heartbeat({ clock, board });
  const b = new Heartbeat({ clock, board });
  const slots = new Map([
    [a.slot, "loop-a"],
    [b.slot, "loop-b"],
  ]);
  return { clock, board, a, b, slots };
}

describe("findStalledLoops (the stall rule)", () => {
  it("reports nothing while every beat is within the threshold", () => {
    const { clock, board, slots } = setup();
    clock.advance(720_000);
    expect(findStalledLoops(board, slots, clock.epochMs(), 720_000)).toEqual([]);
  });

  it("is strict: a beat exactly threshold old is not stalled, one millisecond more is", () => {
    const { clock, board, a, slots } = setup();
    const start = clock.epochMs();
    expect(findStalledLoops(board, slots, start + 1_000, 1_000)).toEqual([]);
    const stalled = findStalledLoops(board, slots, start + 1_001, 1_000);
    expect(stalled).toEqual([
      { name: "loop-a", slot: a.slot, lastBeatMs: start, stalledMs: 1_001 },
      expect.objectContaining({ name: "loop-b", stalledMs: 1_001 }),
    ]);
  });

  it("clears a stall after a fresh beat, and reports only the stale loop", () => {
    const { clock, board, b, slots } = setup();
    clock.advance(65_200);
    b.beat();
    const stalled = findStalledLoops(board, slots, clock.epochMs(), 60_000);
    expect(stalled.map((s) => [s.name, s.stalledMs])).toEqual([["loop-a", 65_200]]);
  });

  it("ignores slots that were never written", () => {
    const board = new HeartbeatBoard(2);
    expect(findStalledLoops(board, new Map([[1, "never"]]), 10_000_000, 1)).toEqual([]);
  });

  it("formats the stall line with one decimal of seconds", () => {
    expect(stallMessage("main-loop", 65_240, 60_000)).toBe(
      "Watchdog: main-loop stalled for 65.2s (threshold: 60.0s)",
    );
  });
});

describe("confirmedStalls (the kill rule)", () => {
  function checked() {
    const { clock, board, a, b, slots } = setup();
    const check = () => findStalledLoops(board, slots, clock.epochMs(), 1_000);
    return { clock, a, b, check };
  }

  it("spares a loop at its first check past the threshold and kills it at the second", () => {
    const { clock, b, check } = checked();
    b.beat();
    clock.advance(1_001);
    const first = check();
    expect(first.map((s) => s.name)).toEqual(["loop-a", "loop-b"]);
    expect(confirmedStalls(first, [])).toEqual([]);
    clock.advance(200);
    const second = check();
    expect(confirmedStalls(second, first).map((s) => [s.name, s.stalledMs])).toEqual([
      ["loop-a", 1_201],
      ["loop-b", 1_201],
    ]);
  });

  it("starts over for a loop that beat between the two checks, even if stalled again", () => {
    const { clock, a, check } = checked();
    clock.advance(1_001);
    const first = check();
    a.beat();
    clock.advance(1_001);
    const second = check();
    expect(second.map((s) => s.name)).toEqual(["loop-a", "loop-b"]);
    // loop-a's beat is new: only loop-b, stalled on the same beat twice, is confirmed.
    expect(confirmedStalls(second, first).map((s) => s.name)).toEqual(["loop-b"]);
    expect(confirmedStalls(check(), second).map((s) => s.name)).toEqual(["loop-a", "loop-b"]);
  });
});

describe("Watchdog thread (in process, never firing)", () => {
  it("starts once, stops promptly even mid-wait, and can be stopped twice", async () => {
    const logs = captureLogs({ level: "debug" });
    const watchdog = new Watchdog({
      loops: [{ name: "fresh", heartbeat: new Heartbeat() }],
      thresholdMs: 720_000,
      intervalMs: 60_000,
    });
    expect(watchdog.running).toBe(false);
    watchdog.start();
    watchdog.start();
    expect(watchdog.running).toBe(true);
    const began = performance.now();
    await watchdog.stop();
    // Atomics.notify wakes the thread out of its 60 s wait.
    expect(performance.now() - began).toBeLessThan(5_000);
    expect(watchdog.running).toBe(false);
    await watchdog.stop();
    const events = logs.records().map((r) => r.event);
    expect(events.filter((e) => e === "watchdog.start")).toHaveLength(1);
    expect(events).toContain("watchdog.stop");
    expect(events).not.toContain("watchdog.exited");
  });

  it("does not start without loops to watch", () => {
    const watchdog = new Watchdog({ loops: [] });
    watchdog.start();
    expect(watchdog.running).toBe(false);
  });

  it("rejects a non-positive threshold or interval", () => {
    expect(() => new Watchdog({ loops: [], thresholdMs: 0 })).toThrow(/thresholdMs/);
    expect(() => new Watchdog({ loops: [], intervalMs: Number.NaN })).toThrow(/intervalMs/);
  });
});

describe("Watchdog thread (child process)", () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  function run(
    mode: string,
  ): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ["--conditions=wink-source", "--import", "tsx", FIXTURE, mode], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    return new Promise((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
    );
  }

  it("watches heartbeats spread over several boards and names only the stalled loops", async () => {
    const result = await run("boards");
    expect(result.stdout).toBe("STARTED\n");
    expect(result.signal).toBe("SIGKILL");
    const critical = result.stderr
      .trim()
      .split("\n")
      // The main thread logs in text; the watchdog was told to write JSON.
      .filter((line) => line.startsWith("{"))
      .map(
        (line) =>
          JSON.parse(line) as {
            level: string;
            event: string;
            context: { loop?: string; loops?: string[]; stalledSeconds?: number };
          },
      )
      .filter((r) => r.level === "CRITICAL");
    expect(critical.map((r) => r.context.loop ?? r.event)).toEqual([
      "stale-shared",
      "stale-own",
      "watchdog.terminate",
    ]);
    expect(critical[2]?.context.loops).toEqual(["stale-shared", "stale-own"]);
    // Threshold 500 ms, interval 100 ms: killed at the second check past the threshold.
    for (const stall of critical.slice(0, 2)) {
      expect(stall.context.stalledSeconds ?? 0).toBeGreaterThan(0.595);
    }
  });

  it("never kills once stopped", async () => {
    const result = await run("stopped");
    expect(result).toMatchObject({ code: 0, signal: null, stdout: "STARTED\nSURVIVED\n" });
  });
});
