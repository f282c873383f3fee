import { describe, expect, it } from "vitest";
import {
  Binding,
  ResourceClosedError,
  ResourceRegistry,
  ResourceScopeError,
  resourceKey,
} from "../../src/resources/index.js";
import { Recorder, RecordingLogger, seq } from "./helpers.js";

const Order = resourceKey<string[]>("Order");
const First = resourceKey<Recorder>("First");
const Second = resourceKey<Recorder>("Second");
const Third = resourceKey<Recorder>("Third");

function chainRegistry(order: string[]): ResourceRegistry {
  // Third depends on Second, which depends on First, so construction order is First, Second, Third.
  return ResourceRegistry.of(
    Binding.instance(Order, order),
    Binding.factory(First, (r) => new Recorder("first", r.get(Order))),
    Binding.factory(Second, (r) => seq(r.get(First), new Recorder("second", r.get(Order)))),
    Binding.factory(Third, (r) => seq(r.get(Second), new Recorder("third", r.get(Order)))),
  );
}

describe("closing a context", () => {
  it("close() closes singletons in reverse construction order", async () => {
    const order: string[] = [];
    const ctx = chainRegistry(order).open();
    ctx.get(Third);
    await ctx.close();
    expect(order).toEqual(["third", "second", "first"]);
  });

  it("a resource that fails to close is logged and the others still close", async () => {
    const order: string[] = [];
    const logger = new RecordingLogger();
    class Broken {
      async close(): Promise<void> {
        throw new Error("socket stuck");
      }
    }
    const ctx = ResourceRegistry.of(
      Binding.instance(Order, order),
      Binding.factory(First, (r) => new Recorder("first", r.get(Order))),
      Binding.factory(Broken, () => new Broken()),
      Binding.factory(Third, (r) => new Recorder("third", r.get(Order))),
    ).open({ logger });
    ctx.get(First);
    ctx.get(Broken);
    ctx.get(Third);
    await expect(ctx.close()).resolves.toBeUndefined();
    expect(order).toEqual(["third", "first"]);
    const failure = logger.records.find((r) => r.event === "resource.close_error");
    expect(failure?.level).toBe("warning");
    expect(failure?.context).toMatchObject({ key: "Broken", error: "Error: socket stuck" });
  });

  it("each closed resource is logged as resource.close", async () => {
    const logger = new RecordingLogger();
    const ctx = chainRegistry([]).open({ logger });
    ctx.get(First);
    await ctx.close();
    expect(logger.records.filter((r) => r.event === "resource.close").map((r) => r.context?.key)).toEqual([
      "First",
    ]);
  });

  it("resources are released through Symbol.asyncDispose, Symbol.dispose or an async close()", async () => {
    const released: string[] = [];
    class AsyncDisposableThing {
      async [Symbol.asyncDispose](): Promise<void> {
        released.push("asyncDispose");
      }
      close(): void {
        released.push("close should not be called when a disposal symbol exists");
      }
    }
    class DisposableThing {
      [Symbol.dispose](): void {
        released.push("dispose");
      }
    }
    class AsyncCloseThing {
      async close(): Promise<void> {
        await Promise.resolve();
        released.push("close");
      }
    }
    const ctx = ResourceRegistry.of(
      Binding.factory(AsyncCloseThing, () => new AsyncCloseThing()),
      Binding.factory(DisposableThing, () => new DisposableThing()),
      Binding.factory(AsyncDisposableThing, () => new AsyncDisposableThing()),
    ).open();
    ctx.get(AsyncCloseThing);
    ctx.get(DisposableThing);
    ctx.get(AsyncDisposableThing);
    await ctx.close();
    expect(released).toEqual(["asyncDispose", "dispose", "close"]);
  });

  it("instance bindings are not closed, since the registry may be shared", async () => {
    const shared = new Recorder("shared");
    const ctx = ResourceRegistry.build([[First, shared]]).open();
    ctx.get(First);
    await ctx.close();
    expect(shared.closed).toBe(false);
  });

  it("prototype instances are not tracked or closed by the context", async () => {
    const ctx = ResourceRegistry.of(
      Binding.factory(First, () => new Recorder("p"), { scope: "prototype" }),
    ).open();
    const instance = ctx.get(First);
    await ctx.close();
    expect(instance.closed).toBe(false);
  });

  it("get() after close() throws ResourceClosedError with code resource_closed", async () => {
    const ctx = chainRegistry([]).open();
    ctx.get(First);
    await ctx.close();
    expect(ctx.closed).toBe(true);
    expect(() => ctx.get(First)).toThrow(ResourceClosedError);
    expect(() => ctx.get(First)).toThrow(expect.objectContaining({ code: "resource_closed" }));
    expect(() => ctx.getOptional(First)).toThrow(/is closed, so resolving "First" is not possible/);
  });

  it("start() and toolScope() after close() are rejected", async () => {
    const ctx = chainRegistry([]).open();
    await ctx.close();
    expect(() => ctx.start()).toThrow(ResourceClosedError);
    await expect(ctx.toolScope(() => 1)).rejects.toThrow(ResourceClosedError);
  });

  it("close() is idempotent and closes each resource once", async () => {
    const order: string[] = [];
    const ctx = chainRegistry(order).open();
    ctx.get(First);
    await Promise.all([ctx.close(), ctx.close()]);
    await ctx.close();
    expect(order).toEqual(["first"]);
  });

  it("await using closes the context at the end of the block", async () => {
    const order: string[] = [];
    const registry = chainRegistry(order);
    {
      await using ctx = registry.open();
      ctx.get(Second);
      expect(order).toEqual([]);
    }
    expect(order).toEqual(["second", "first"]);
  });
});

describe("tool scopes", () => {
  const Tracer = resourceKey<Recorder>("Tracer");
  const toolRegistry = (order: string[] = []) =>
    ResourceRegistry.of(
      Binding.instance(Order, order),
      Binding.factory(Tracer, (r) => new Recorder("tracer", r.get(Order)), { scope: "toolCall" }),
    );

  it("a toolCall resource is shared within one scope and fresh in the next", async () => {
    const ctx = toolRegistry().open();
    const [a1, a2] = await ctx.toolScope((r) => [r.get(Tracer), ctx.get(Tracer)]);
    const b = await ctx.toolScope((r) => r.get(Tracer));
    expect(a1).toBe(a2);
    expect(b).not.toBe(a1);
  });

  it("toolCall resources are closed when the scope ends", async () => {
    const ctx = toolRegistry().open();
    const tracer = await ctx.toolScope((r) => {
      const t = r.get(Tracer);
      expect(t.closed).toBe(false);
      return t;
    });
    expect(tracer.closed).toBe(true);
  });

  it("toolCall resources are closed even when the tool throws", async () => {
    const ctx = toolRegistry().open();
    let tracer: Recorder | undefined;
    await expect(
      ctx.toolScope(async (r) => {
        tracer = r.get(Tracer);
        throw new Error("tool failed");
      }),
    ).rejects.toThrow("tool failed");
    expect(tracer?.closed).toBe(true);
  });

  it("toolScope returns what the function returns", async () => {
    await expect(
      toolRegistry()
        .open()
        .toolScope(async () => 42),
    ).resolves.toBe(42);
  });

  it("a toolCall resource requested outside a tool scope throws ResourceScopeError", () => {
    const ctx = toolRegistry().open();
    expect(() => ctx.get(Tracer)).toThrow(ResourceScopeError);
    expect(() => ctx.get(Tracer)).toThrow(
      /"Tracer" has scope "toolCall", so it only exists inside ctx\.toolScope/,
    );
  });

  it("a scope's resolver kept after the scope ended cannot build toolCall resources", async () => {
    const ctx = toolRegistry().open();
    const resolver = await ctx.toolScope((r) => r);
    expect(() => resolver.get(Tracer)).toThrow(/the tool scope it was requested from has ended/);
  });

  it("concurrent tool scopes each get their own toolCall resources", async () => {
    const ctx = toolRegistry().open();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = ctx.toolScope(async () => {
      const before = ctx.get(Tracer);
      await gate;
      return [before, ctx.get(Tracer)];
    });
    const second = await ctx.toolScope(() => ctx.get(Tracer));
    release();
    const [before, after] = await first;
    expect(before).toBe(after);
    expect(second).not.toBe(before);
  });

  it("a nested tool scope has its own cache and closes only its own resources", async () => {
    const ctx = toolRegistry().open();
    await ctx.toolScope(async (outer) => {
      const outerTracer = outer.get(Tracer);
      const innerTracer = await ctx.toolScope((inner) => inner.get(Tracer));
      expect(innerTracer).not.toBe(outerTracer);
      expect(innerTracer.closed).toBe(true);
      expect(outerTracer.closed).toBe(false);
    });
  });

  it("toolCall resources close in reverse construction order", async () => {
    const order: string[] = [];
    const Span = resourceKey<Recorder>("Span");
    const ctx = toolRegistry(order)
      .merge(
        ResourceRegistry.of(
          Binding.factory(Span, (r) => seq(r.get(Tracer), new Recorder("span", r.get(Order))), {
            scope: "toolCall",
          }),
        ),
      )
      .open();
    await ctx.toolScope((r) => r.get(Span));
    expect(order).toEqual(["span", "tracer"]);
  });

  it("a singleton that depends on a toolCall resource is rejected", async () => {
    class Cache {}
    const ctx = toolRegistry()
      .merge(ResourceRegistry.of(Binding.factory(Cache, (r) => seq(r.get(Tracer), new Cache()))))
      .open();
    await expect(ctx.toolScope((r) => r.get(Cache))).rejects.toThrow(
      /Singleton "Cache" depends on "Tracer", which has scope "toolCall"/,
    );
  });

  it("entering and leaving a tool scope is logged", async () => {
    const logger = new RecordingLogger();
    await toolRegistry()
      .open({ logger })
      .toolScope(() => undefined);
    expect(logger.events()).toEqual(["resource.tool_scope.enter", "resource.tool_scope.exit"]);
  });
});
