import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { isWinkError } from "../../../src/errors.js";
import { InProcessDispatcher } from "../../../src/events/dispatcher.js";
import { PromptExecuted } from "../../../src/events/types.js";
import { HealthServer } from "../../../src/runtime/lifecycle/health-server.js";
import { LoopGroup, type LoopGroupOptions } from "../../../src/runtime/lifecycle/loop-group.js";
import { WinkMetrics } from "../../../src/runtime/lifecycle/metrics.js";
import { ShutdownCoordinator } from "../../../src/runtime/lifecycle/shutdown.js";
import { type Captured, captureLogs } from "../../logging/capture.js";
import { aborted, FakeLoop, http } from "./helpers.js";

let logs: Captured;

beforeEach(() => {
  logs = captureLogs({ level: "debug" });
});

afterEach(() => {
  ShutdownCoordinator.reset();
});

/** Groups here never install signal handlers and never start the watchdog unless a test says so. */
function group(options: Partial<LoopGroupOptions> & Pick<LoopGroupOptions, "loops">): LoopGroup {
  return new LoopGroup({ installSignals: false, watchdogThreshold: null, ...options });
}

function events(): string[] {
  return logs.records().map((r) => r.event as string);
}

function record(event: string) {
  return logs.records().find((r) => r.event === event);
}

describe("LoopGroup.run", () => {
  it("serves ready 200 while its loops run (health port 0), and 503 once shutdown starts", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const loop = new FakeLoop("reviews", {
      behaviour: async ({ signal }) => {
        await aborted(signal);
        await held;
      },
    });
    const g = group({ loops: [loop], healthPort: 0, healthHost: "127.0.0.1" });
    const running = g.run();
    await g.whenStarted();
    const port = g.healthAddress?.port ?? 0;
    expect(g.running).toBe(true);
    expect(await http(port, "/health/live")).toMatchObject({ status: 200, body: '{"status":"healthy"}' });
    expect(await http(port, "/health/ready")).toMatchObject({ status: 200, body: '{"status":"healthy"}' });
    expect((await http(port, "/metrics")).body).toContain("wink_worker_ready 1");

    const stopped = g.shutdown("test");
    expect(g.shuttingDown).toBe(true);
    expect(await http(port, "/health/ready")).toMatchObject({ status: 503, body: '{"status":"unhealthy"}' });
    release();
    await stopped;
    await running;
    expect(g.running).toBe(false);
    expect(g.healthAddress).toBeUndefined();
    expect(events()).toEqual(
      expect.arrayContaining(["lifecycle.start", "lifecycle.shutdown.start", "lifecycle.shutdown.complete"]),
    );
    expect(record("lifecycle.shutdown.complete")?.context).toMatchObject({ reason: "test", timedOut: false });
  });

  it("passes one signal, visibilityTimeout and waitTimeSeconds to every loop", async () => {
    const a = new FakeLoop("a");
    const b = new FakeLoop("b");
    const g = group({ loops: [a, b], visibilityTimeout: 900, waitTimeSeconds: 10 });
    const running = g.run();
    await g.whenStarted();
    expect(a.calls[0]).toMatchObject({ visibilityTimeout: 900, waitTimeSeconds: 10 });
    expect(a.calls[0]?.signal).toBe(b.calls[0]?.signal);
    await g.shutdown();
    await running;
  });

  it("aborts every loop at once and waits for them together (never one after another)", async () => {
    const order: string[] = [];
    let bSawAbort!: () => void;
    const bAborted = new Promise<void>((resolve) => {
      bSawAbort = resolve;
    });
    const a = new FakeLoop("a", {
      behaviour: async ({ signal }) => {
        await aborted(signal);
        order.push("a aborted");
        // a cannot finish until b was told too: a sequential shutdown would deadlock here.
        await bAborted;
        order.push("a finished");
      },
    });
    const b = new FakeLoop("b", {
      behaviour: async ({ signal }) => {
        await aborted(signal);
        order.push("b aborted");
        bSawAbort();
        order.push("b finished");
      },
    });
    const g = group({ loops: [a, b] });
    const running = g.run();
    await g.whenStarted();
    void g.shutdown();
    expect(a.calls[0]?.signal?.aborted).toBe(true);
    expect(b.calls[0]?.signal?.aborted).toBe(true);
    await running;
    expect(order.indexOf("b aborted")).toBeLessThan(order.indexOf("a finished"));
  });

  it("stops waiting after shutdownTimeout and names the loops that did not finish", async () => {
    const clock = new FakeClock();
    const stuck = new FakeLoop("stuck", { clock, behaviour: () => new Promise<void>(() => undefined) });
    const polite = new FakeLoop("polite", { clock });
    const g = group({ loops: [stuck, polite], shutdownTimeout: 30, clock });
    let settled = false;
    const running = g.run().then(() => {
      settled = true;
    });
    await g.whenStarted();
    void g.shutdown();
    await clock.tick(29_999);
    expect(settled).toBe(false);
    await clock.tick(1);
    await running;
    expect(settled).toBe(true);
    const timeout = record("lifecycle.shutdown.timeout");
    expect(timeout?.level).toBe("ERROR");
    expect(timeout?.context).toMatchObject({ loops: ["stuck"], shutdownTimeoutSeconds: 30 });
    expect(record("lifecycle.shutdown.complete")?.context).toMatchObject({ timedOut: true });
  });

  it("shuts the group down when a loop fails, then rejects with the loop's error as cause", async () => {
    const boom = new Error("boom");
    const failing = new FakeLoop("failing", {
      behaviour: async () => {
        await Promise.resolve();
        throw boom;
      },
    });
    const other = new FakeLoop("other");
    const g = group({ loops: [failing, other] });
    const error = await g.run().catch((e: unknown) => e);
    expect(isWinkError(error, "internal")).toBe(true);
    expect((error as Error).cause).toBe(boom);
    expect((error as Error).message).toContain('Loop "failing" failed');
    expect(other.calls[0]?.signal?.aborted).toBe(true);
    expect(record("lifecycle.loop_failed")?.context).toMatchObject({ loop: "failing" });
    expect(record("lifecycle.shutdown.start")?.context).toMatchObject({ reason: "loop failing failed" });
  });

  it("treats a loop that rethrows the abort reason as stopped, not failed", async () => {
    const loop = new FakeLoop("rethrows", {
      behaviour: async ({ signal }) => {
        await aborted(signal);
        throw signal?.reason;
      },
    });
    const g = group({ loops: [loop] });
    const running = g.run();
    await g.whenStarted();
    await g.shutdown();
    await expect(running).resolves.toBeUndefined();
    expect(events()).not.toContain("lifecycle.loop_failed");
  });

  it("shuts the whole group down when a loop returns on its own, so the worker restarts", async () => {
    const survivor = new FakeLoop("reviews");
    const g = group({ loops: [new FakeLoop("batch", { behaviour: async () => undefined }), survivor] });
    await g.run();
    expect(record("lifecycle.loop_exited")?.context).toMatchObject({ loop: "batch" });
    expect(record("lifecycle.shutdown.complete")?.context).toMatchObject({ reason: "loop batch exited" });
    expect(survivor.calls[0]?.signal?.aborted).toBe(true);
  });

  it("shuts down when the process-wide coordinator triggers, with the trigger's reason", async () => {
    const g = group({ loops: [new FakeLoop("reviews")] });
    const running = g.run();
    await g.whenStarted();
    ShutdownCoordinator.instance().trigger("SIGTERM");
    await running;
    expect(record("lifecycle.shutdown.start")?.context).toMatchObject({ reason: "SIGTERM" });
  });

  it("starts already shutting down when the coordinator was triggered before run", async () => {
    ShutdownCoordinator.instance().trigger("early");
    const loop = new FakeLoop("late");
    await group({ loops: [loop] }).run();
    expect(loop.calls[0]?.signal?.aborted).toBe(true);
  });

  it("installs SIGTERM/SIGINT listeners while running and removes them afterwards", async () => {
    const before = process.listenerCount("SIGTERM");
    const g = group({ loops: [new FakeLoop("reviews")], installSignals: true });
    const running = g.run();
    await g.whenStarted();
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    expect(process.listenerCount("SIGINT")).toBeGreaterThan(0);
    await g.shutdown();
    await running;
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });

  it("leaves listeners it did not install in place", async () => {
    const coordinator = ShutdownCoordinator.instance().install();
    const g = group({ loops: [new FakeLoop("reviews")], installSignals: true });
    const running = g.run();
    await g.whenStarted();
    await g.shutdown();
    await running;
    expect(coordinator.signals).toEqual(["SIGTERM", "SIGINT"]);
  });

  it("counts the dispatcher's events while running and stops counting afterwards", async () => {
    const dispatcher = new InProcessDispatcher();
    const metrics = new WinkMetrics();
    const g = group({ loops: [new FakeLoop("reviews")], dispatcher, metrics });
    expect(g.metrics).toBe(metrics);
    const running = g.run();
    await g.whenStarted();
    dispatcher.dispatch(
      PromptExecuted.create({
        eventId: "e",
        createdAt: "2025-01-01T00:00:00.000Z",
        adapter: "openai",
        promptName: "p",
        result: { promptName: "p" },
        usage: { inputTokens: 10, outputTokens: 5 },
      }),
    );
    expect(await metrics.metrics()).toContain("wink_prompt_executions_total 1");
    await g.shutdown();
    await running;
    expect(dispatcher.handlerCount(PromptExecuted)).toBe(0);
  });

  it("starts the watchdog thread on the system clock and stops it on shutdown", async () => {
    const g = new LoopGroup({
      loops: [new FakeLoop("reviews")],
      installSignals: false,
      watchdogThreshold: 720,
    });
    const running = g.run();
    await g.whenStarted();
    expect(record("watchdog.start")?.context).toMatchObject({ loops: ["reviews"], thresholdSeconds: 720 });
    await g.shutdown();
    await running;
    expect(events()).toContain("watchdog.stop");
  });

  it("does not start the watchdog thread with a custom clock, which it could not follow", async () => {
    const clock = new FakeClock();
    const g = new LoopGroup({ loops: [new FakeLoop("reviews", { clock })], installSignals: false, clock });
    const running = g.run();
    await g.whenStarted();
    expect(events()).toContain("lifecycle.watchdog_disabled");
    expect(events()).not.toContain("watchdog.start");
    await g.shutdown();
    await running;
  });

  it("warns about settings that break a calibration rule", async () => {
    const clock = new FakeClock();
    const g = group({
      loops: [new FakeLoop("reviews", { clock })],
      watchdogThreshold: 60,
      watchdogInterval: 30,
      clock,
    });
    const running = g.run();
    await g.whenStarted();
    await g.shutdown();
    await running;
    const warning = record("lifecycle.calibration");
    expect(warning?.level).toBe("WARNING");
    expect(warning?.context).toMatchObject({ rule: "watchdog_interval", actual: 30, bound: 20 });
  });

  it("rejects run (and whenStarted) when the health port is taken, cleaning up its listeners", async () => {
    const blocker = new HealthServer({ host: "127.0.0.1", port: 0, readiness: () => true });
    const { port } = await blocker.start();
    const before = process.listenerCount("SIGTERM");
    const g = group({
      loops: [new FakeLoop("reviews")],
      healthPort: port,
      healthHost: "127.0.0.1",
      installSignals: true,
    });
    await expect(g.run()).rejects.toMatchObject({ code: "EADDRINUSE" });
    await expect(g.whenStarted()).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(process.listenerCount("SIGTERM")).toBe(before);
    expect(g.running).toBe(false);
    await g.shutdown();
    await blocker.stop();
  });

  it("refuses to run twice", async () => {
    const g = group({ loops: [new FakeLoop("once", { behaviour: async () => undefined })] });
    await g.run();
    await expect(g.run()).rejects.toThrow(/already called/);
  });

  it("shutdown before run resolves at once and does nothing", async () => {
    const g = group({ loops: [new FakeLoop("idle")] });
    await g.shutdown();
    expect(g.shuttingDown).toBe(false);
  });

  it("logs a teardown step that fails and still completes", async () => {
    const metrics = new WinkMetrics();
    metrics.watch = () => () => {
      throw new Error("unwatch broke");
    };
    const g = group({ loops: [new FakeLoop("reviews", { behaviour: async () => undefined })], metrics });
    await g.run();
    expect(events()).toEqual(
      expect.arrayContaining(["lifecycle.teardown_failed", "lifecycle.shutdown.complete"]),
    );
  });
});

describe("LoopGroup options", () => {
  it("needs at least one loop and distinct names", () => {
    expect(() => new LoopGroup({ loops: [] })).toThrow(/at least one loop/);
    expect(() => new LoopGroup({ loops: [new FakeLoop("x"), new FakeLoop("x")] })).toThrow(
      /"x" appears twice/,
    );
  });

  it("rejects non-positive or non-finite durations, naming the option", () => {
    const loops = [new FakeLoop("x")];
    expect(() => new LoopGroup({ loops, watchdogThreshold: 0 })).toThrow(/watchdogThreshold/);
    expect(() => new LoopGroup({ loops, watchdogInterval: -1 })).toThrow(/watchdogInterval/);
    expect(() => new LoopGroup({ loops, shutdownTimeout: Number.NaN })).toThrow(/shutdownTimeout/);
    expect(() => new LoopGroup({ loops, healthPort: 99_999 })).toThrow(/port/);
  });

  it("defaults to no health server, so healthAddress stays undefined", () => {
    expect(new LoopGroup({ loops: [new FakeLoop("x")] }).healthAddress).toBeUndefined();
  });
});
