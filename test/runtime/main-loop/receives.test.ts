/** The receives a MainLoop keeps in flight: how many at once, and a receive that throws. */
import { afterEach, describe, expect, it } from "vitest";
import { resetLogging } from "../../../src/logging/index.js";
import { MAX_RECEIVE, Receives } from "../../../src/runtime/main-loop/internal/receives.js";
import { captureLogs } from "../../logging/capture.js";

afterEach(() => resetLogging());

describe("Receives", () => {
  it("allows a second receive only after one brought a full batch, and only when pipelined", async () => {
    let ended = 0;
    const receives = new Receives(true, () => ended++);
    expect(receives.full).toBe(false);
    receives.start(MAX_RECEIVE, async () => MAX_RECEIVE);
    expect([receives.full, receives.asked]).toEqual([true, MAX_RECEIVE]);
    await receives.settled();
    expect([receives.full, receives.asked, ended]).toEqual([false, 0, 1]);
    receives.start(MAX_RECEIVE, () => new Promise<number>(() => {}));
    // The last one brought ten: a backlog, so a second may run beside this one.
    expect([receives.full, receives.size]).toEqual([false, 1]);
    const single = new Receives(false, () => {});
    single.start(MAX_RECEIVE, async () => MAX_RECEIVE);
    await single.settled();
    single.start(MAX_RECEIVE, () => new Promise<number>(() => {}));
    expect(single.full).toBe(true);
  });

  it("logs a receive that throws instead of leaving a rejection nobody handles", async () => {
    const logs = captureLogs({ level: "error" });
    let ended = 0;
    const receives = new Receives(true, () => ended++);
    receives.start(3, async () => {
      throw new Error("the buffer broke");
    });
    await receives.settled();
    expect([ended, receives.size, receives.asked]).toEqual([1, 0, 0]);
    expect(logs.only()).toMatchObject({ event: "main_loop.receive_failed" });
    expect(JSON.stringify(logs.only().context)).toContain("the buffer broke");
  });
});
