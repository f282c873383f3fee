import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { configureLogging, resetLogging } from "../../../src/logging/index.js";
import { Heartbeat } from "../../../src/runtime/lifecycle/heartbeat.js";
import { ReceiptHandleExpiredError } from "../../../src/runtime/mailbox/errors.js";
import type { Message } from "../../../src/runtime/mailbox/types.js";
import { LeaseExtender } from "../../../src/runtime/main-loop/lease-extender.js";

function fakeMessage(fail?: () => Error) {
  const extensions: number[] = [];
  const message = {
    id: "m1",
    extendVisibility: async (seconds: number) => {
      if (fail) throw fail();
      extensions.push(seconds);
    },
  } as unknown as Message<unknown>;
  return { message, extensions };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("LeaseExtender", () => {
  it("extends on a beat, at most once per interval, the first interval counted from receipt", async () => {
    const clock = new FakeClock();
    const heartbeat = new Heartbeat({ clock });
    const { message, extensions } = fakeMessage();
    const extender = new LeaseExtender({ intervalSeconds: 0.2, extensionSeconds: 300 }, clock);
    const detach = extender.attach(message, heartbeat, { visibilityTimeout: 30 });
    heartbeat.beat();
    await settle();
    expect(extensions).toEqual([]);
    clock.advance(200);
    heartbeat.beat();
    heartbeat.beat();
    await settle();
    clock.advance(250);
    heartbeat.beat();
    await settle();
    expect(extensions).toEqual([300, 300]);
    detach();
    clock.advance(1_000);
    heartbeat.beat();
    await settle();
    expect(extensions).toHaveLength(2);
  });

  it("never shortens a longer lease the message was received with", async () => {
    const clock = new FakeClock();
    const heartbeat = new Heartbeat({ clock });
    const { message, extensions } = fakeMessage();
    const extender = new LeaseExtender({ intervalSeconds: 0, extensionSeconds: 300 }, clock);
    extender.attach(message, heartbeat, { visibilityTimeout: 1_800 });
    heartbeat.beat();
    await settle();
    expect(extensions).toEqual([]);
    clock.advance(1_600_000);
    heartbeat.beat();
    await settle();
    expect(extensions).toEqual([300]);
  });

  it("logs a stale handle as a warning and keeps processing", async () => {
    const lines: string[] = [];
    configureLogging({
      level: "WARNING",
      json: true,
      destination: { write: (line: string) => lines.push(line) },
    });
    try {
      const clock = new FakeClock();
      const heartbeat = new Heartbeat({ clock });
      const { message } = fakeMessage(() => new ReceiptHandleExpiredError("stale"));
      new LeaseExtender({ intervalSeconds: 0 }, clock).attach(message, heartbeat, { visibilityTimeout: 1 });
      expect(() => heartbeat.beat()).not.toThrow();
      await settle();
      expect(lines.some((l) => l.includes('"event":"lease.extend_expired"'))).toBe(true);
    } finally {
      resetLogging();
    }
  });

  it("tracks a lease from the time the message was received, not from attach time", async () => {
    const clock = new FakeClock();
    const { message, extensions } = fakeMessage();
    const extender = new LeaseExtender({ intervalSeconds: 0, extensionSeconds: 30 }, clock);
    const receivedAtMs = clock.monotonic();
    clock.advance(25_000);
    const lease = extender.track(message, { visibilityTimeout: 30, receivedAtMs });
    lease.beat();
    await settle();
    expect(extensions).toEqual([30]);
    lease.release();
    clock.advance(60_000);
    lease.beat();
    await settle();
    expect(extensions).toEqual([30]);
  });

  it("does nothing when disabled and validates its numbers", () => {
    const clock = new FakeClock();
    const heartbeat = new Heartbeat({ clock });
    const { message, extensions } = fakeMessage();
    new LeaseExtender({ enabled: false }, clock).attach(message, heartbeat, { visibilityTimeout: 1 })();
    heartbeat.beat();
    expect(extensions).toEqual([]);
    expect(() => new LeaseExtender({ extensionSeconds: 0 })).toThrow(
      /0 < extensionSeconds <= 43200, got 60 and 0/,
    );
  });
});
