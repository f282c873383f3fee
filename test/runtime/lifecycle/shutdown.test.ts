import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SHUTDOWN_SIGNALS, ShutdownCoordinator } from "../../../src/runtime/lifecycle/shutdown.js";
import { captureLogs } from "../../logging/capture.js";

beforeEach(() => {
  captureLogs();
});

afterEach(() => {
  ShutdownCoordinator.reset();
});

describe("ShutdownCoordinator", () => {
  it("runs every registered callback once, in registration order, on trigger", () => {
    const coordinator = new ShutdownCoordinator();
    const calls: string[] = [];
    coordinator.register((reason) => void calls.push(`a:${reason}`));
    coordinator.register((reason) => void calls.push(`b:${reason}`));
    expect(coordinator.triggered).toBe(false);
    coordinator.trigger("test");
    coordinator.trigger("again");
    expect(calls).toEqual(["a:test", "b:test"]);
    expect(coordinator.triggered).toBe(true);
    expect(coordinator.reason).toBe("test");
  });

  it("runs a callback registered after the trigger at once", () => {
    const coordinator = new ShutdownCoordinator();
    coordinator.trigger();
    const calls: string[] = [];
    const unregister = coordinator.register((reason) => void calls.push(reason));
    expect(calls).toEqual(["requested"]);
    unregister();
  });

  it("does not run an unregistered callback", () => {
    const coordinator = new ShutdownCoordinator();
    const calls: string[] = [];
    const unregister = coordinator.register(() => void calls.push("removed"));
    coordinator.register(() => void calls.push("kept"));
    unregister();
    coordinator.trigger();
    expect(calls).toEqual(["kept"]);
  });

  it("keeps running callbacks when one throws or rejects, and logs each failure", async () => {
    const logs = captureLogs();
    const coordinator = new ShutdownCoordinator();
    const calls: string[] = [];
    coordinator.register(() => {
      throw new Error("sync boom");
    });
    coordinator.register(() => Promise.reject(new Error("async boom")));
    coordinator.register(() => void calls.push("last"));
    coordinator.trigger();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(["last"]);
    const failures = logs.records().filter((r) => r.event === "lifecycle.shutdown.callback_failed");
    expect(failures).toHaveLength(2);
  });

  it("triggers on a real signal once installed, with the signal name as reason", async () => {
    const coordinator = new ShutdownCoordinator().install(["SIGUSR2"]);
    const reason = new Promise<string>((resolve) => coordinator.register(resolve));
    process.kill(process.pid, "SIGUSR2");
    expect(await reason).toBe("SIGUSR2");
    expect(coordinator.triggered).toBe(true);
    // A second signal during shutdown is only logged.
    process.kill(process.pid, "SIGUSR2");
    coordinator.uninstall();
  });

  it("install is idempotent and uninstall removes exactly its listeners", () => {
    const before = process.listenerCount("SIGTERM");
    const coordinator = new ShutdownCoordinator();
    coordinator.install();
    coordinator.install();
    coordinator.install(["SIGTERM"]);
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    expect(coordinator.signals).toEqual([...DEFAULT_SHUTDOWN_SIGNALS]);
    coordinator.uninstall();
    expect(process.listenerCount("SIGTERM")).toBe(before);
    expect(coordinator.signals).toEqual([]);
  });

  it("is a process-wide singleton that reset() replaces and unhooks", () => {
    const before = process.listenerCount("SIGINT");
    const first = ShutdownCoordinator.instance();
    expect(ShutdownCoordinator.instance()).toBe(first);
    first.install();
    first.trigger("done");
    expect(process.listenerCount("SIGINT")).toBe(before + 1);
    ShutdownCoordinator.reset();
    expect(process.listenerCount("SIGINT")).toBe(before);
    const second = ShutdownCoordinator.instance();
    expect(second).not.toBe(first);
    expect(second.triggered).toBe(false);
  });
});
