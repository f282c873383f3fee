/**
 * The waiting primitives every mailbox backend shares: one abort listener per signal whatever the
 * number of waiters, a close-time wake list, and a wait that ends on work, abort, close or a
 * time limit on the mailbox's clock.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { onAbort, WakeList } from "../../../src/runtime/mailbox/internal/abort-fanout.js";
import { interruptible } from "../../../src/runtime/mailbox/internal/interruptible.js";

const never = (): Promise<never> => new Promise<never>(() => {});

describe("onAbort", () => {
  it("keeps one listener on the signal however many waiters, and calls each once on abort", () => {
    const controller = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 50; i++) onAbort(controller.signal, () => calls.push(i));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    controller.abort();
    expect(calls).toHaveLength(50);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("removes its listener when the last waiter leaves, and a cancelled waiter is not called", () => {
    const controller = new AbortController();
    let called = 0;
    const cancels = [1, 2, 3].map(() => onAbort(controller.signal, () => called++));
    for (const cancel of cancels) cancel();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    const keep = onAbort(controller.signal, () => called++);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    keep();
    expect(called).toBe(1);
  });

  it("calls at once for a signal already aborted, adding no listener", () => {
    let called = 0;
    onAbort(AbortSignal.abort(), () => called++);
    expect(called).toBe(1);
  });
});

describe("WakeList", () => {
  it("wakes every waiter once, and a waiter added after close at once", () => {
    const list = new WakeList();
    const woken: string[] = [];
    list.add(() => woken.push("a"));
    const cancelB = list.add(() => woken.push("b"));
    cancelB();
    expect(list.woken).toBe(false);
    list.wakeAll();
    list.wakeAll();
    list.add(() => woken.push("late"));
    expect(woken).toEqual(["a", "late"]);
    expect(list.woken).toBe(true);
  });
});

describe("registration lists", () => {
  it("call the waiters in the order they came, after cancels at the head, middle and tail", () => {
    const list = new WakeList();
    const controller = new AbortController();
    const woken: string[] = [];
    const aborted: string[] = [];
    const cancels = new Map<string, () => void>();
    for (const name of ["a", "b", "c", "d", "e"]) {
      cancels.set(
        name,
        list.add(() => woken.push(name)),
      );
      cancels.set(
        `signal-${name}`,
        onAbort(controller.signal, () => aborted.push(name)),
      );
    }
    for (const name of ["a", "c", "e"]) {
      cancels.get(name)?.();
      cancels.get(name)?.(); // idempotent
      cancels.get(`signal-${name}`)?.();
    }
    list.wakeAll();
    controller.abort();
    expect(woken).toEqual(["b", "d"]);
    expect(aborted).toEqual(["b", "d"]);
    // Cancelling after the call changes nothing and throws nothing.
    cancels.get("b")?.();
    cancels.get("signal-d")?.();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("call a waiter once even when an earlier one cancels it during the wake-up", () => {
    const list = new WakeList();
    const woken: string[] = [];
    let cancelSecond = (): void => {};
    list.add(() => {
      woken.push("first");
      cancelSecond();
    });
    cancelSecond = list.add(() => woken.push("second"));
    list.wakeAll();
    expect(woken).toEqual(["first", "second"]);
  });

  it("stay usable over many register-and-cancel cycles, and a waiter left in wakes", () => {
    const list = new WakeList();
    let kept = 0;
    list.add(() => kept++);
    for (let i = 0; i < 10_000; i++) list.add(() => kept--)();
    list.wakeAll();
    expect(kept).toBe(1);
  });
});

describe("interruptible", () => {
  it("resolves with the work's value and leaves no timer behind", async () => {
    const clock = new FakeClock();
    expect(await interruptible(Promise.resolve(7), { clock, timeoutMs: 1_000 })).toEqual({
      kind: "done",
      value: 7,
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects with the work's error when the work fails first", async () => {
    const clock = new FakeClock();
    await expect(
      interruptible(Promise.reject(new Error("down")), { clock, timeoutMs: 1_000 }),
    ).rejects.toThrow("down");
  });

  it("times out on the clock, and a later rejection of the work is absorbed", async () => {
    const clock = new FakeClock();
    let fail: (error: Error) => void = () => {};
    const work = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const waiting = interruptible(work, { clock, timeoutMs: 500 });
    await clock.tick(500);
    expect(await waiting).toEqual({ kind: "timed_out" });
    fail(new Error("late")); // must not surface as an unhandled rejection
    await new Promise((resolve) => setImmediate(resolve));
  });

  it("stops on the caller's signal or on close, without a timer", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const bySignal = interruptible(never(), {
      clock,
      timeoutMs: Number.POSITIVE_INFINITY,
      signal: controller.signal,
    });
    const closing = new WakeList();
    const byClose = interruptible(never(), { clock, timeoutMs: 60_000, closing: [new WakeList(), closing] });
    controller.abort();
    closing.wakeAll();
    expect(await bySignal).toEqual({ kind: "stopped" });
    expect(await byClose).toEqual({ kind: "stopped" });
    expect(clock.pendingTimers).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("stops at once for a signal already aborted", async () => {
    const clock = new FakeClock();
    const waiting = interruptible(never(), { clock, timeoutMs: 1_000, signal: AbortSignal.abort() });
    expect(await waiting).toEqual({ kind: "stopped" });
    expect(clock.pendingTimers).toBe(0);
  });
});
