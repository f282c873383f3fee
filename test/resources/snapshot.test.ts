import { describe, expect, it } from "vitest";
import { isWinkError } from "../../src/errors.js";
import {
  Binding,
  isSnapshotable,
  ResourceClosedError,
  ResourceRegistry,
  resourceKey,
  type SingletonSnapshot,
  type Snapshotable,
} from "../../src/resources/index.js";

class Counter implements Snapshotable<number> {
  value = 0;
  failRestore = false;
  snapshot(): number {
    return this.value;
  }
  restore(snapshot: number): void {
    if (this.failRestore) throw new Error("restore refused");
    this.value = snapshot;
  }
}
const Shared = resourceKey<Counter>("Shared");
const Other = resourceKey<Counter>("Other");

describe("isSnapshotable", () => {
  it("is true only for objects with snapshot() and restore()", () => {
    expect(isSnapshotable(new Counter())).toBe(true);
    expect(isSnapshotable({ snapshot: () => 1 })).toBe(false);
    expect(isSnapshotable(null)).toBe(false);
    expect(isSnapshotable("text")).toBe(false);
  });
});

describe("singleton snapshots", () => {
  it("restoreSingletons puts back the state of built singletons", () => {
    const ctx = ResourceRegistry.of(Binding.factory(Counter, () => new Counter())).open();
    const counter = ctx.get(Counter);
    counter.value = 1;
    const snapshot = ctx.snapshotSingletons();
    counter.value = 5;
    ctx.restoreSingletons(snapshot);
    expect(counter.value).toBe(1);
  });

  it("instance bindings are snapshotted even before they are requested", () => {
    const shared = new Counter();
    const ctx = ResourceRegistry.build([[Shared, shared]]).open();
    const snapshot = ctx.snapshotSingletons();
    ctx.get(Shared).value = 9;
    ctx.restoreSingletons(snapshot);
    expect(shared.value).toBe(0);
  });

  it("the snapshot covers only snapshotable singletons, not prototypes or plain objects", () => {
    class Plain {}
    const ctx = ResourceRegistry.of(
      Binding.factory(Counter, () => new Counter()),
      Binding.factory(Plain, () => new Plain()),
      Binding.factory(Other, () => new Counter(), { scope: "prototype" }),
    ).open();
    ctx.get(Counter);
    ctx.get(Plain);
    ctx.get(Other);
    const snapshot = ctx.snapshotSingletons();
    expect(snapshot.keys).toEqual([Counter]);
    expect(snapshot.has(Other)).toBe(false);
  });

  it("a snapshot from another context is rejected", () => {
    const registry = ResourceRegistry.of(Binding.factory(Counter, () => new Counter()));
    const snapshot = registry.open().snapshotSingletons();
    expect(() => registry.open().restoreSingletons(snapshot)).toThrow(
      /snapshot from another ResourceContext/,
    );
  });

  it("a value that is not a snapshot is rejected", () => {
    const ctx = ResourceRegistry.empty.open();
    expect(() => ctx.restoreSingletons({} as SingletonSnapshot)).toThrow(/not a snapshot at all/);
  });

  it("a failing snapshot() aborts the capture with a transaction error naming the key", () => {
    const broken = {
      snapshot: () => {
        throw new Error("disk gone");
      },
      restore: () => {},
    };
    const ctx = ResourceRegistry.build([[Shared, broken as unknown as Counter]]).open();
    try {
      ctx.snapshotSingletons();
      expect.unreachable();
    } catch (error) {
      expect(isWinkError(error, "transaction")).toBe(true);
      expect((error as Error).message).toContain('snapshot() of resource "Shared" threw: Error: disk gone');
    }
  });

  it("a failing restore() still restores the others, then reports the failure", () => {
    const a = new Counter();
    const b = new Counter();
    const ctx = ResourceRegistry.build([
      [Shared, a],
      [Other, b],
    ]).open();
    const snapshot = ctx.snapshotSingletons();
    a.value = 3;
    b.value = 3;
    a.failRestore = true;
    expect(() => ctx.restoreSingletons(snapshot)).toThrow(
      /restore\(\) failed for "Shared": Error: restore refused/,
    );
    expect(b.value).toBe(0);
  });

  it("several failing restores are reported together as an AggregateError cause", () => {
    const a = new Counter();
    const b = new Counter();
    const ctx = ResourceRegistry.build([
      [Shared, a],
      [Other, b],
    ]).open();
    const snapshot = ctx.snapshotSingletons();
    a.failRestore = true;
    b.failRestore = true;
    try {
      ctx.restoreSingletons(snapshot);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('"Shared", "Other"');
      expect((error as Error).cause).toBeInstanceOf(AggregateError);
    }
  });

  it("snapshots cannot be taken or restored after close", async () => {
    const ctx = ResourceRegistry.of(Binding.factory(Counter, () => new Counter())).open();
    const snapshot = ctx.snapshotSingletons();
    await ctx.close();
    expect(() => ctx.snapshotSingletons()).toThrow(ResourceClosedError);
    expect(() => ctx.restoreSingletons(snapshot)).toThrow(ResourceClosedError);
  });
});

describe("snapshotSingletons with nothing to capture", () => {
  it("hands back one shared empty snapshot, which restores on its own context only", () => {
    const ctx = ResourceRegistry.of().open();
    const first = ctx.snapshotSingletons();
    expect(ctx.snapshotSingletons()).toBe(first);
    expect(first.keys).toEqual([]);
    expect(() => ctx.restoreSingletons(first)).not.toThrow();
    expect(() => ResourceRegistry.of().open().restoreSingletons(first)).toThrow(/another ResourceContext/);
  });

  it("captures singletons built after an empty snapshot was taken", () => {
    const ctx = ResourceRegistry.of(Binding.factory(Shared, () => new Counter())).open();
    ctx.snapshotSingletons();
    const counter = ctx.get(Shared);
    counter.value = 3;
    const snapshot = ctx.snapshotSingletons();
    counter.value = 9;
    ctx.restoreSingletons(snapshot);
    expect(counter.value).toBe(3);
  });
});

describe("inToolScope", () => {
  it("returns the function's own value when nothing is scoped to a tool call, and a promise otherwise", async () => {
    expect(
      ResourceRegistry.of()
        .open()
        .inToolScope(() => 7),
    ).toBe(7);
    const scoped = ResourceRegistry.of(
      Binding.factory(Other, () => new Counter(), { scope: "toolCall" }),
    ).open();
    const pending = scoped.inToolScope((resources) => resources.get(Other).value);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toBe(0);
  });
});
