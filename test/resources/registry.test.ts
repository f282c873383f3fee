import { describe, expect, it } from "vitest";
import {
  Binding,
  DuplicateBindingError,
  ResourceContext,
  ResourceRegistry,
  resourceKey,
} from "../../src/resources/index.js";

class Clock {
  constructor(readonly label = "clock") {}
}
class Mailer {}
const Region = resourceKey<string>("Region");

describe("ResourceRegistry", () => {
  it("of() binds each key to its binding", () => {
    const clock = Binding.factory(Clock, () => new Clock());
    const registry = ResourceRegistry.of(clock, Binding.instance(Region, "eu"));
    expect(registry.size).toBe(2);
    expect(registry.has(Clock)).toBe(true);
    expect(registry.has(Mailer)).toBe(false);
    expect(registry.binding(Clock)).toBe(clock);
    expect(registry.bindings.map((b) => b.key)).toEqual([Clock, Region]);
  });

  it("binding the same key twice throws DuplicateBindingError naming the key", () => {
    const attempt = () =>
      ResourceRegistry.of(
        Binding.instance(Region, "eu"),
        Binding.factory(Clock, () => new Clock()),
        Binding.instance(Region, "us"),
      );
    expect(attempt).toThrow(DuplicateBindingError);
    expect(attempt).toThrow(/"Region" is bound more than once/);
  });

  it("the duplicate error carries the code and keys", () => {
    try {
      ResourceRegistry.of(
        Binding.instance(Region, "eu"),
        Binding.instance(Region, "us"),
        Binding.instance(Region, "x"),
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DuplicateBindingError);
      expect((error as DuplicateBindingError).code).toBe("resource_duplicate");
      expect((error as DuplicateBindingError).keys).toEqual([Region]);
    }
  });

  it("of() rejects values that are not bindings", () => {
    const notABinding = { key: Clock } as unknown as Binding<unknown>;
    expect(() => ResourceRegistry.of(notABinding)).toThrow(/takes Binding objects/);
  });

  it("build() binds existing values as instances", () => {
    const clock = new Clock();
    const registry = ResourceRegistry.build([
      [Clock, clock],
      [Region, "eu"],
    ]);
    expect(registry.binding(Clock)?.kind).toBe("instance");
    expect(registry.binding(Clock)?.value).toBe(clock);
    expect(registry.binding(Region)?.value).toBe("eu");
  });

  it("build() type-checks each value against its key", () => {
    // @ts-expect-error -- a number is not a string
    ResourceRegistry.build([[Region, 42]]);
    // @ts-expect-error -- a Mailer is not a Clock
    ResourceRegistry.build([[Clock, new Mailer()]]);
    abstract class Transport {
      abstract send(): string;
    }
    class FakeTransport extends Transport {
      send(): string {
        return "sent";
      }
    }
    const registry = ResourceRegistry.build([[Transport, new FakeTransport()]]);
    const transport: Transport = registry.open().get(Transport);
    expect(transport.send()).toBe("sent");
  });

  it("build() with a repeated key throws DuplicateBindingError", () => {
    expect(() =>
      ResourceRegistry.build([
        [Region, "eu"],
        [Region, "us"],
      ]),
    ).toThrow(DuplicateBindingError);
  });

  it("the registry is immutable", () => {
    expect(Object.isFrozen(ResourceRegistry.empty)).toBe(true);
    expect(ResourceRegistry.empty.size).toBe(0);
  });

  it("open() returns a context over this registry", () => {
    const registry = ResourceRegistry.of(Binding.instance(Region, "eu"));
    const ctx = registry.open();
    expect(ctx).toBeInstanceOf(ResourceContext);
    expect(ctx.registry).toBe(registry);
  });
});

describe("merge and conflicts", () => {
  it("conflicts() lists keys bound differently in both registries", () => {
    const a = ResourceRegistry.of(
      Binding.instance(Region, "eu"),
      Binding.factory(Clock, () => new Clock()),
    );
    const b = ResourceRegistry.of(
      Binding.instance(Region, "us"),
      Binding.factory(Mailer, () => new Mailer()),
    );
    expect(a.conflicts(b)).toEqual([Region]);
  });

  it("the same binding object in both registries is not a conflict", () => {
    const shared = Binding.instance(Region, "eu");
    expect(ResourceRegistry.of(shared).conflicts(ResourceRegistry.of(shared))).toEqual([]);
  });

  it("merge() lets the other registry win and keeps both registries unchanged", () => {
    const a = ResourceRegistry.of(
      Binding.instance(Region, "eu"),
      Binding.factory(Clock, () => new Clock()),
    );
    const b = ResourceRegistry.of(
      Binding.instance(Region, "us"),
      Binding.factory(Mailer, () => new Mailer()),
    );
    const merged = a.merge(b);
    expect(merged.binding(Region)?.value).toBe("us");
    expect(merged.has(Clock) && merged.has(Mailer)).toBe(true);
    expect(a.binding(Region)?.value).toBe("eu");
    expect(b.has(Clock)).toBe(false);
  });

  it("merge() with an empty registry returns the non-empty one", () => {
    const a = ResourceRegistry.of(Binding.instance(Region, "eu"));
    expect(a.merge(ResourceRegistry.empty)).toBe(a);
    expect(ResourceRegistry.empty.merge(a)).toBe(a);
  });

  it("strict merge throws DuplicateBindingError naming the conflicting keys", () => {
    const a = ResourceRegistry.of(Binding.instance(Region, "eu"), Binding.instance(Clock, new Clock()));
    const b = ResourceRegistry.of(Binding.instance(Region, "us"), Binding.instance(Clock, new Clock()));
    expect(() => a.merge(b, { strict: true })).toThrow(DuplicateBindingError);
    expect(() => a.merge(b, { strict: true })).toThrow(/"Region", "Clock" are bound in both/);
  });

  it("strict merge without conflicts succeeds", () => {
    const a = ResourceRegistry.of(Binding.instance(Region, "eu"));
    const b = ResourceRegistry.of(Binding.factory(Clock, () => new Clock()));
    expect(a.merge(b, { strict: true }).size).toBe(2);
  });

  it("a strict merge error with one conflict uses the singular", () => {
    const a = ResourceRegistry.of(Binding.instance(Region, "eu"));
    const b = ResourceRegistry.of(Binding.instance(Region, "us"));
    expect(() => a.merge(b, { strict: true })).toThrow(/"Region" is bound in both/);
  });
});
