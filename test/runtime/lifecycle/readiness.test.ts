/**
 * Readiness rules of LoopGroup (scenario 6): every loop running, and every heartbeat at most
 * `watchdogThreshold` old unless the threshold is null. Driven by a FakeClock; nothing runs.
 */

import { beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { LoopGroup } from "../../../src/runtime/lifecycle/loop-group.js";
import { captureLogs } from "../../logging/capture.js";
import { FakeLoop } from "./helpers.js";

beforeEach(() => {
  captureLogs();
});

describe("LoopGroup readiness", () => {
  it("is not ready while the loop is not running", () => {
    const clock = new FakeClock();
    const loop = new FakeLoop("reviews", { clock });
    const group = new LoopGroup({ loops: [loop], watchdogThreshold: 0.1, clock });
    expect(group.isReady()).toBe(false);
  });

  it("is ready when running with a fresh beat, unready once the beat is older than the threshold, ready again after a beat", () => {
    const clock = new FakeClock();
    const loop = new FakeLoop("reviews", { clock });
    const group = new LoopGroup({ loops: [loop], watchdogThreshold: 0.1, clock });
    loop.running = true;
    expect(group.isReady()).toBe(true);
    clock.advance(100);
    expect(group.isReady()).toBe(true);
    clock.advance(1);
    expect(group.isReady()).toBe(false);
    loop.heartbeat.beat();
    expect(group.isReady()).toBe(true);
  });

  it("ignores heartbeat age when the threshold is null", () => {
    const clock = new FakeClock();
    const loop = new FakeLoop("reviews", { clock });
    const group = new LoopGroup({ loops: [loop], watchdogThreshold: null, clock });
    loop.running = true;
    clock.advance(86_400_000);
    expect(group.isReady()).toBe(true);
    loop.running = false;
    expect(group.isReady()).toBe(false);
  });

  it("needs every loop: one stopped or one stale loop makes the group unready", () => {
    const clock = new FakeClock();
    const a = new FakeLoop("a", { clock });
    const b = new FakeLoop("b", { clock });
    const group = new LoopGroup({ loops: [a, b], watchdogThreshold: 1, clock });
    a.running = true;
    expect(group.isReady()).toBe(false);
    b.running = true;
    expect(group.isReady()).toBe(true);
    clock.advance(1_500);
    a.heartbeat.beat();
    expect(group.isReady()).toBe(false);
    b.heartbeat.beat();
    expect(group.isReady()).toBe(true);
  });
});
