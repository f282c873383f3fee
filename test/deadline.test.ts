import { getEventListeners, once } from "node:events";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { anySignal, Deadline, linkSignal } from "../src/deadline.js";
import { DeadlineExceededError, isWinkError } from "../src/errors.js";

describe("Deadline", () => {
  it("reports remaining milliseconds on its clock, negative once passed", () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(1_000, clock);
    expect(deadline.remaining()).toBe(1_000);
    clock.advance(1_500);
    expect(deadline.remaining()).toBe(-500);
    expect(deadline.expired()).toBe(true);
  });

  it("rejects a time that is not in the future, naming both times", () => {
    const clock = new FakeClock({ start: new Date("2030-01-01T00:00:00Z") });
    expect(() => new Deadline(new Date("2029-12-31T23:59:59Z"), clock)).toThrow(
      /2029-12-31T23:59:59.000Z is not in the future \(now is 2030-01-01T00:00:00.000Z\)/,
    );
  });

  it("rejects a non-positive timeout with the value in the message", () => {
    expect(() => Deadline.after(0, new FakeClock())).toThrow(/got 0/);
    expect(() => Deadline.after(Number.NaN, new FakeClock())).toThrow(/got NaN/);
    expect(() => new Deadline(Number.NaN, new FakeClock())).toThrow(/valid time/);
  });

  it("check throws DeadlineExceededError naming the operation after expiry", () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(10, clock);
    expect(() => deadline.check("the provider call")).not.toThrow();
    clock.advance(10);
    expect(() => deadline.check("the provider call")).toThrow(DeadlineExceededError);
    expect(() => deadline.check("the provider call")).toThrow(/before the provider call finished/);
  });

  it("signal aborts with DeadlineExceededError when the deadline passes", () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(250, clock);
    const signal = deadline.signal();
    expect(signal.aborted).toBe(false);
    clock.advance(249);
    expect(signal.aborted).toBe(false);
    clock.advance(1);
    expect(signal.aborted).toBe(true);
    expect(isWinkError(signal.reason, "deadline_exceeded")).toBe(true);
    expect(deadline.signal()).toBe(signal);
  });

  it("signal is already aborted for an expired deadline", () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(5, clock);
    clock.advance(6);
    expect(deadline.signal().aborted).toBe(true);
  });

  it("serializes to its ISO expiry", () => {
    const clock = new FakeClock({ start: new Date("2030-01-01T00:00:00Z") });
    expect(JSON.stringify(Deadline.after(1_000, clock))).toBe('{"expiresAt":"2030-01-01T00:00:01.000Z"}');
  });
});

describe("anySignal", () => {
  it("aborts when any input aborts, with that reason, skipping undefined", () => {
    const a = new AbortController();
    const b = new AbortController();
    const combined = anySignal(a.signal, undefined, b.signal);
    b.abort(new Error("b went"));
    expect(combined.aborted).toBe(true);
    expect((combined.reason as Error).message).toBe("b went");
  });

  it("returns the only signal unchanged", () => {
    const a = new AbortController();
    expect(anySignal(undefined, a.signal)).toBe(a.signal);
  });
});

describe("anySignal with nothing to combine", () => {
  it("returns a signal that never aborts", () => {
    expect(anySignal(undefined).aborted).toBe(false);
  });

  it("returns a signal that ignores listeners, so none pile up however often it is shared", () => {
    for (let i = 0; i < 20; i++) anySignal().addEventListener("abort", () => {});
    expect(getEventListeners(anySignal(), "abort")).toHaveLength(0);
  });
});

const listeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

describe("linkSignal", () => {
  it("aborts the child with the reason of whichever parent aborts first, skipping undefined", () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkSignal(a.signal, undefined, b.signal);
    expect(link.signal.aborted).toBe(false);
    b.abort(new Error("b went"));
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as Error).message).toBe("b went");
  });

  it("leaves no listener on its parents once a parent aborted", () => {
    const a = new AbortController();
    const b = new AbortController();
    linkSignal(a.signal, b.signal);
    a.abort();
    expect(listeners(b.signal)).toBe(0);
  });

  it("removes its listener from every parent on release, and the child then never aborts", () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkSignal(a.signal, b.signal);
    expect(listeners(a.signal)).toBe(1);
    link.release();
    link.release();
    expect(listeners(a.signal)).toBe(0);
    expect(listeners(b.signal)).toBe(0);
    a.abort();
    expect(link.signal.aborted).toBe(false);
  });

  it("releases at the end of a using block", () => {
    const parent = new AbortController();
    {
      using link = linkSignal(parent.signal);
      expect(link.signal.aborted).toBe(false);
      expect(listeners(parent.signal)).toBe(1);
    }
    expect(listeners(parent.signal)).toBe(0);
  });

  it("is aborted at once, attaching nothing, when a parent already aborted", () => {
    const live = new AbortController();
    const gone = new AbortController();
    gone.abort(new Error("gone"));
    const link = linkSignal(live.signal, gone.signal);
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as Error).message).toBe("gone");
    expect(listeners(live.signal)).toBe(0);
  });

  it("creates no signal when no parent can abort: the shared one ignores listeners", () => {
    const first = linkSignal();
    const second = linkSignal(undefined, first.signal);
    expect(second.signal).toBe(first.signal);
    for (let i = 0; i < 20; i++) second.signal.addEventListener("abort", () => {});
    second.release();
    expect(first.signal.aborted).toBe(false);
    expect(listeners(first.signal)).toBe(0);
  });

  it("keeps no record of the signals AbortSignal.any combines the never-aborting signal with", () => {
    const never = linkSignal().signal;
    for (let i = 0; i < 100; i++) AbortSignal.any([never, new AbortController().signal]);
    const record = Object.getOwnPropertySymbols(never).find((s) => s.description === "kDependantSignals");
    const kept =
      record === undefined ? undefined : (never as unknown as Record<symbol, Set<unknown>>)[record];
    expect(kept?.size ?? 0).toBe(0);
    const live = new AbortController();
    const combined = AbortSignal.any([never, live.signal]);
    live.abort(new Error("still combines"));
    expect((combined.reason as Error).message).toBe("still combines");
  });

  it("keeps a long-lived parent clean across thousands of linked requests", () => {
    const shutdown = new AbortController();
    for (let i = 0; i < 5_000; i++) {
      using request = linkSignal(shutdown.signal);
      // What an SDK does with the signal it is given: add a listener and never remove it.
      request.signal.addEventListener("abort", () => {}, { once: true });
    }
    expect(listeners(shutdown.signal)).toBe(0);
  });
});
