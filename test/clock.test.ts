import { describe, expect, it } from "vitest";
import { FakeClock, isoNow, SYSTEM_CLOCK } from "../src/clock.js";
import { isWinkError } from "../src/errors.js";

describe("isoNow", () => {
  it("formats the clock's time exactly like toISOString, millisecond after millisecond", async () => {
    const clock = new FakeClock({ start: new Date("2030-01-01T00:00:00.000Z") });
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      expect(isoNow(clock)).toBe(clock.now().toISOString());
      expect(isoNow(clock)).toBe(clock.now().toISOString());
      seen.push(isoNow(clock));
      await clock.tick(i % 2 === 0 ? 1 : 1_000);
    }
    expect(new Set(seen).size).toBe(5);
  });
});

describe("isoNow across seconds", () => {
  it("matches toISOString at second, day and year boundaries, before 1970 and for fractional times", () => {
    const at = (ms: number) => isoNow({ epochMs: () => ms, now: () => new Date(ms) });
    const instants = [
      0, 999, 1_000, 1_001, -1, -999, -1_000, -1_001, 1.5, 253_402_300_799_999, 253_402_300_800_000,
    ];
    for (const ms of instants) {
      // Each after a neighbour in the same second and in the one before, so both paths are taken.
      for (const before of [ms - 1, ms - 1_000, ms + 1, ms - 500]) {
        at(before);
        expect(at(ms)).toBe(new Date(ms).toISOString());
      }
    }
    const start = Date.parse("2030-12-31T23:59:59.000Z");
    for (let ms = start - 1_500; ms < start + 2_500; ms += 7) expect(at(ms)).toBe(new Date(ms).toISOString());
  });
});

describe("FakeClock", () => {
  it("moves monotonic and wall time together on advance", () => {
    const clock = new FakeClock({ start: new Date("2030-01-01T00:00:00Z"), monotonic: 100 });
    clock.advance(1_500);
    expect(clock.monotonic()).toBe(1_600);
    expect(clock.now().toISOString()).toBe("2030-01-01T00:00:01.500Z");
    expect(clock.epochMs()).toBe(Date.parse("2030-01-01T00:00:01.500Z"));
  });

  it("rejects negative or non-finite advances with the value in the message", () => {
    const clock = new FakeClock();
    expect(() => clock.advance(-1)).toThrow(/got -1/);
    expect(() => clock.advance(Number.NaN)).toThrow(/got NaN/);
  });

  it("fires timers in due order, ties in creation order, each at its own time", () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    clock.setTimer(30, () => seen.push(`c@${clock.monotonic()}`));
    clock.setTimer(10, () => seen.push(`a@${clock.monotonic()}`));
    clock.setTimer(10, () => seen.push(`b@${clock.monotonic()}`));
    clock.advance(29);
    expect(seen).toEqual(["a@10", "b@10"]);
    clock.advance(1);
    expect(seen).toEqual(["a@10", "b@10", "c@30"]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("fires timers scheduled by a firing timer when they fall inside the same advance", () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    clock.setTimer(10, () => clock.setTimer(5, () => seen.push(clock.monotonic())));
    clock.advance(20);
    expect(seen).toEqual([15]);
  });

  it("does not fire a cancelled timer", () => {
    const clock = new FakeClock();
    let fired = false;
    const handle = clock.setTimer(10, () => {
      fired = true;
    });
    handle.cancel();
    clock.advance(100);
    expect(fired).toBe(false);
  });

  it("resolves sleeps only when time reaches them", async () => {
    const clock = new FakeClock();
    let done = false;
    const sleeping = clock.sleep(1_000).then(() => {
      done = true;
    });
    await clock.tick(999);
    expect(done).toBe(false);
    await clock.tick(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it("runs chained sleeps to completion with tick", async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const chain = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        times.push(clock.monotonic());
      }
    })();
    await clock.tick(300);
    await chain;
    expect(times).toEqual([100, 200, 300]);
  });

  it("runNext jumps to the next timer and reports when none is left", async () => {
    const clock = new FakeClock();
    const sleeping = clock.sleep(5_000);
    expect(await clock.runNext()).toBe(true);
    await sleeping;
    expect(clock.monotonic()).toBe(5_000);
    expect(await clock.runNext()).toBe(false);
  });

  it("rejects a sleep when its signal aborts, with the signal's reason", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects at once for an already-aborted signal", async () => {
    const clock = new FakeClock();
    await expect(clock.sleep(10, AbortSignal.abort(new Error("early")))).rejects.toThrow("early");
  });

  it("rejects a negative sleep with a clear error", () => {
    const clock = new FakeClock();
    try {
      void clock.sleep(-5);
      expect.unreachable();
    } catch (err) {
      expect(isWinkError(err, "invalid_argument")).toBe(true);
      expect(String(err)).toContain("-5");
    }
  });

  it("setWall moves only the wall clock", () => {
    const clock = new FakeClock();
    clock.setWall(new Date("2040-02-02T00:00:00Z"));
    expect(clock.monotonic()).toBe(0);
    expect(clock.now().toISOString()).toBe("2040-02-02T00:00:00.000Z");
  });
});

describe("SystemClock", () => {
  it("reads increasing monotonic time and the real wall time", async () => {
    const before = SYSTEM_CLOCK.monotonic();
    await SYSTEM_CLOCK.sleep(5);
    expect(SYSTEM_CLOCK.monotonic()).toBeGreaterThan(before);
    expect(Math.abs(SYSTEM_CLOCK.epochMs() - Date.now())).toBeLessThan(1_000);
    expect(SYSTEM_CLOCK.now()).toBeInstanceOf(Date);
  });

  it("cancels a real timer", async () => {
    let fired = false;
    const handle = SYSTEM_CLOCK.setTimer(1, () => {
      fired = true;
    });
    handle.cancel();
    await SYSTEM_CLOCK.sleep(20);
    expect(fired).toBe(false);
  });
});

describe("SystemClock long timers", () => {
  it("does not fire a timer longer than setTimeout's 24.8-day limit early", async () => {
    let fired = false;
    const handle = SYSTEM_CLOCK.setTimer(30 * 24 * 3_600_000, () => {
      fired = true;
    });
    await SYSTEM_CLOCK.sleep(30);
    expect(fired).toBe(false);
    handle.cancel();
  });
});
