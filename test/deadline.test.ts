import { describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { anySignal, Deadline } from "../src/deadline.js";
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
});
