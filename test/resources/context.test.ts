import { describe, expect, it, vi } from "vitest";
import {
  Binding,
  CircularDependencyError,
  ProviderError,
  ResourceRegistry,
  resourceKey,
  UnboundResourceError,
} from "../../src/resources/index.js";
import { Recorder, RecordingLogger, seq } from "./helpers.js";

class Config {
  constructor(readonly region: string) {}
}
class Client {
  constructor(readonly config: Config) {}
}
class Buffer {}
const Region = resourceKey<string>("Region");

describe("resolution", () => {
  it("a factory is not called until its resource is first requested", () => {
    let calls = 0;
    const ctx = ResourceRegistry.of(
      Binding.factory(Config, () => {
        calls += 1;
        return new Config("eu");
      }),
    ).open();
    expect(calls).toBe(0);
    ctx.get(Config);
    expect(calls).toBe(1);
  });

  it("a singleton is built once and the same object is returned afterwards", () => {
    let calls = 0;
    const ctx = ResourceRegistry.of(
      Binding.factory(Config, () => {
        calls += 1;
        return new Config("eu");
      }),
    ).open();
    expect(ctx.get(Config)).toBe(ctx.get(Config));
    expect(calls).toBe(1);
  });

  it("each context builds its own singletons", () => {
    const registry = ResourceRegistry.of(Binding.factory(Config, () => new Config("eu")));
    expect(registry.open().get(Config)).not.toBe(registry.open().get(Config));
  });

  it("a prototype is built fresh on every request", () => {
    const ctx = ResourceRegistry.of(
      Binding.factory(Buffer, () => new Buffer(), { scope: "prototype" }),
    ).open();
    expect(ctx.get(Buffer)).not.toBe(ctx.get(Buffer));
  });

  it("an instance binding returns the given value", () => {
    const ctx = ResourceRegistry.build([[Region, "eu"]]).open();
    expect(ctx.get(Region)).toBe("eu");
  });

  it("a provider reaches its dependencies through the resolver", () => {
    const ctx = ResourceRegistry.of(
      Binding.instance(Region, "eu"),
      Binding.factory(Config, (r) => new Config(r.get(Region))),
      Binding.factory(Client, (r) => new Client(r.get(Config))),
    ).open();
    expect(ctx.get(Client).config).toBe(ctx.get(Config));
    expect(ctx.get(Client).config.region).toBe("eu");
  });

  it("the provider's resolver answers has() and getOptional()", () => {
    const ctx = ResourceRegistry.of(
      Binding.factory(Config, (r) => new Config(`${r.has(Region)}:${r.getOptional(Region) ?? "none"}`)),
    ).open();
    expect(ctx.get(Config).region).toBe("false:none");
  });

  it("start() builds eager singletons and leaves lazy ones alone", () => {
    const built: string[] = [];
    const ctx = ResourceRegistry.of(
      Binding.factory(Config, () => seq(built.push("config"), new Config("eu")), { eager: true }),
      Binding.factory(Buffer, () => seq(built.push("buffer"), new Buffer())),
    ).open();
    ctx.start();
    expect(built).toEqual(["config"]);
    ctx.start();
    expect(built).toEqual(["config"]);
  });

  it("getOptional() returns undefined for an unbound key and the resource for a bound one", () => {
    const ctx = ResourceRegistry.build([[Region, "eu"]]).open();
    expect(ctx.getOptional(Config)).toBeUndefined();
    expect(ctx.getOptional(Region)).toBe("eu");
  });

  it("has() reports whether a key is bound", () => {
    const ctx = ResourceRegistry.build([[Region, "eu"]]).open();
    expect(ctx.has(Region)).toBe(true);
    expect(ctx.has(Config)).toBe(false);
  });

  it("construction is logged with start and complete events", () => {
    const logger = new RecordingLogger();
    const ctx = ResourceRegistry.of(Binding.factory(Config, () => new Config("eu"))).open({ logger });
    ctx.get(Config);
    expect(logger.records).toMatchObject([
      { level: "debug", event: "resource.construct.start", context: { key: "Config", scope: "singleton" } },
      {
        level: "debug",
        event: "resource.construct.complete",
        context: { key: "Config", scope: "singleton" },
      },
    ]);
  });
});

describe("unbound keys", () => {
  it("get() on an unbound key names it and says how to bind it", () => {
    const ctx = ResourceRegistry.empty.open();
    expect(() => ctx.get(Config)).toThrow(UnboundResourceError);
    expect(() => ctx.get(Config)).toThrow(
      /No resource is bound for "Config"\. Add Binding\.instance\(Config, value\) or Binding\.factory\(Config/,
    );
  });

  it("an unbound dependency error shows who needed it", () => {
    const ctx = ResourceRegistry.of(Binding.factory(Client, (r) => new Client(r.get(Config)))).open();
    try {
      ctx.get(Client);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnboundResourceError);
      expect((error as UnboundResourceError).code).toBe("resource_unbound");
      expect((error as UnboundResourceError).key).toBe(Config);
      expect((error as Error).message).toContain('"Config" (needed by Client)');
    }
  });

  it("an unbound token with the name of a bound one gets an identity hint", () => {
    const ctx = ResourceRegistry.build([[Region, "eu"]]).open();
    expect(() => ctx.get(resourceKey<string>("Region"))).toThrow(/keys match by identity/);
  });
});

describe("cycles", () => {
  it("a cycle throws CircularDependencyError showing the path A -> B -> A", () => {
    class A {}
    class B {}
    const ctx = ResourceRegistry.of(
      Binding.factory(A, (r) => seq(r.get(B), new A())),
      Binding.factory(B, (r) => seq(r.get(A), new B())),
    ).open();
    expect(() => ctx.get(A)).toThrow(CircularDependencyError);
    expect(() => ctx.get(A)).toThrow("Circular dependency between resources: A -> B -> A.");
  });

  it("the cycle path starts at the repeated key, not at the outer request", () => {
    class Outer {}
    class A {}
    class B {}
    const ctx = ResourceRegistry.of(
      Binding.factory(Outer, (r) => seq(r.get(A), new Outer())),
      Binding.factory(A, (r) => seq(r.get(B), new A())),
      Binding.factory(B, (r) => seq(r.get(A), new B())),
    ).open();
    try {
      ctx.get(Outer);
      expect.unreachable();
    } catch (error) {
      expect((error as CircularDependencyError).cycle).toEqual([A, B, A]);
      expect((error as CircularDependencyError).code).toBe("resource_cycle");
    }
  });

  it("a provider that requests its own key is a cycle", () => {
    const ctx = ResourceRegistry.of(Binding.factory(Config, (r) => r.get(Config))).open();
    expect(() => ctx.get(Config)).toThrow("Config -> Config");
  });

  it("after a cycle error the context still resolves other keys", () => {
    class A {}
    const ctx = ResourceRegistry.of(
      Binding.factory(A, (r) => r.get(A)),
      Binding.instance(Region, "eu"),
    ).open();
    expect(() => ctx.get(A)).toThrow(CircularDependencyError);
    expect(ctx.get(Region)).toBe("eu");
  });
});

describe("provider failures", () => {
  it("a throwing provider becomes ProviderError naming the key and keeping the cause", () => {
    const boom = new Error("connection refused");
    const ctx = ResourceRegistry.of(
      Binding.factory(Config, () => {
        throw boom;
      }),
    ).open();
    try {
      ctx.get(Config);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).cause).toBe(boom);
      expect((error as ProviderError).code).toBe("resource_provider");
      expect((error as ProviderError).key).toBe(Config);
      expect((error as Error).message).toContain(
        'The provider for "Config" threw: Error: connection refused',
      );
    }
  });

  it("a failed provider caches nothing, so the next get() calls it again", () => {
    let calls = 0;
    const ctx = ResourceRegistry.of(
      Binding.factory(Config, () => {
        calls += 1;
        if (calls === 1) throw new Error("flaky");
        return new Config("eu");
      }),
    ).open();
    expect(() => ctx.get(Config)).toThrow(ProviderError);
    expect(ctx.get(Config).region).toBe("eu");
    expect(calls).toBe(2);
  });

  it("a dependency's ProviderError passes through unchanged, with the resolution path", () => {
    const ctx = ResourceRegistry.of(
      Binding.factory(Config, () => {
        throw new Error("bad config");
      }),
      Binding.factory(Client, (r) => new Client(r.get(Config))),
    ).open();
    try {
      ctx.get(Client);
      expect.unreachable();
    } catch (error) {
      expect((error as ProviderError).key).toBe(Config);
      expect((error as ProviderError).path).toEqual([Client, Config]);
      expect((error as Error).message).toContain("while resolving Client -> Config");
    }
  });

  it("a postConstruct failure is a ProviderError, closes the instance and caches nothing", () => {
    const made: Recorder[] = [];
    class Fragile extends Recorder {
      postConstruct(): void {
        if (made.length === 1) throw new Error("not ready");
      }
    }
    const ctx = ResourceRegistry.of(
      Binding.factory(Fragile, () => {
        const instance = new Fragile(`f${made.length}`);
        made.push(instance);
        return instance;
      }),
    ).open();
    try {
      ctx.get(Fragile);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).phase).toBe("postConstruct");
      expect((error as Error).message).toContain('postConstruct() of "Fragile" threw: Error: not ready');
    }
    expect(made[0]?.closed).toBe(true);
    expect(ctx.get(Fragile)).toBe(made[1]);
  });

  it("postConstruct runs once, after the provider returns", () => {
    const calls: string[] = [];
    class Service {
      postConstruct(): void {
        calls.push("postConstruct");
      }
    }
    const ctx = ResourceRegistry.of(
      Binding.factory(Service, () => seq(calls.push("provider"), new Service())),
    ).open();
    ctx.get(Service);
    ctx.get(Service);
    expect(calls).toEqual(["provider", "postConstruct"]);
  });

  it("an async postConstruct is rejected as a ProviderError", () => {
    class Service {
      async postConstruct(): Promise<void> {}
    }
    const ctx = ResourceRegistry.of(Binding.factory(Service, () => new Service())).open();
    expect(() => ctx.get(Service)).toThrow(/returned a promise; it must be synchronous/);
  });

  it("a failing close after a failed postConstruct is logged", async () => {
    const logger = new RecordingLogger();
    class Service {
      postConstruct(): void {
        throw new Error("init");
      }
      async close(): Promise<void> {
        throw new Error("close");
      }
    }
    const ctx = ResourceRegistry.of(Binding.factory(Service, () => new Service())).open({ logger });
    expect(() => ctx.get(Service)).toThrow(ProviderError);
    await vi.waitFor(() =>
      expect(logger.records.find((r) => r.event === "resource.post_construct_cleanup_error")?.level).toBe(
        "warning",
      ),
    );
  });
});
