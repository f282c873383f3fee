import { describe, expect, it } from "vitest";
import { isWinkError } from "../../src/errors.js";
import { Binding, isResourceKey, resourceKey, resourceKeyName } from "../../src/resources/index.js";

class Clock {}

describe("resource keys", () => {
  it("resourceKey makes a frozen token carrying its name", () => {
    const key = resourceKey<string>("Region");
    expect(key.name).toBe("Region");
    expect(Object.isFrozen(key)).toBe(true);
    expect(isResourceKey(key)).toBe(true);
  });

  it("two tokens with the same name are different keys", () => {
    expect(resourceKey<string>("Region")).not.toBe(resourceKey<string>("Region"));
  });

  it("resourceKey rejects an empty name", () => {
    expect(() => resourceKey("  ")).toThrow(/non-empty name/);
  });

  it("a class is a key named after the class", () => {
    expect(isResourceKey(Clock)).toBe(true);
    expect(resourceKeyName(Clock)).toBe("Clock");
  });

  it("an anonymous class gets a placeholder name", () => {
    const Anonymous = (() => class {})();
    Object.defineProperty(Anonymous, "name", { value: "" });
    expect(resourceKeyName(Anonymous)).toBe("<anonymous class>");
  });

  it("plain objects and primitives are not keys", () => {
    expect(isResourceKey({ name: "Clock" })).toBe(false);
    expect(isResourceKey("Clock")).toBe(false);
    expect(isResourceKey(null)).toBe(false);
  });
});

describe("Binding", () => {
  it("a factory binding defaults to a lazy singleton", () => {
    const binding = Binding.factory(Clock, () => new Clock());
    expect(binding.scope).toBe("singleton");
    expect(binding.eager).toBe(false);
    expect(binding.kind).toBe("factory");
  });

  it("an instance binding is a singleton whose provider returns the value", () => {
    const clock = new Clock();
    const binding = Binding.instance(Clock, clock);
    expect(binding.kind).toBe("instance");
    expect(binding.scope).toBe("singleton");
    expect(binding.value).toBe(clock);
    expect(
      binding.provider({ get: () => undefined as never, getOptional: () => undefined, has: () => false }),
    ).toBe(clock);
  });

  it("bindings are frozen", () => {
    expect(Object.isFrozen(Binding.factory(Clock, () => new Clock()))).toBe(true);
  });

  it("eager is only allowed for singletons", () => {
    expect(() => Binding.factory(Clock, () => new Clock(), { scope: "toolCall", eager: true })).toThrow(
      /only singletons can be built ahead of time/,
    );
  });

  it("an unknown scope is rejected with the allowed ones", () => {
    const scope = "request" as unknown as "singleton";
    expect(() => Binding.factory(Clock, () => new Clock(), { scope })).toThrow(
      /use one of singleton, toolCall, prototype/,
    );
  });

  it("a non-function provider is rejected", () => {
    const provider = new Clock() as unknown as () => Clock;
    expect(() => Binding.factory(Clock, provider)).toThrow(/needs a provider function/);
  });

  it("a value that is not a key is rejected as invalid_argument", () => {
    const key = { name: "Clock" } as unknown as typeof Clock;
    try {
      Binding.instance(key, new Clock());
      expect.unreachable();
    } catch (error) {
      expect(isWinkError(error, "invalid_argument")).toBe(true);
      expect((error as Error).message).toMatch(/got a plain object/);
    }
  });

  it("a primitive passed as a key is named in the error", () => {
    const key = "Clock" as unknown as typeof Clock;
    expect(() => Binding.factory(key, () => new Clock())).toThrow(/got string Clock/);
  });
});
