import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineType } from "../../src/data-type.js";
import { InProcessDispatcher, raiseIfErrors, ToolInvoked } from "../../src/events/index.js";

const Ping = defineType("Ping", z.object({ n: z.number() }));
const Pong = defineType("Pong", z.object({ n: z.number() }));

describe("InProcessDispatcher", () => {
  it("delivers to subscribers of the exact type, in subscription order", () => {
    const d = new InProcessDispatcher();
    const seen: string[] = [];
    d.subscribe(Ping, (e) => void seen.push(`first:${e.n}`));
    d.subscribe(Ping, (e) => void seen.push(`second:${e.n}`));
    d.subscribe(Pong, () => void seen.push("pong"));
    const result = d.dispatch(Ping.create({ n: 1 }));
    expect(seen).toEqual(["first:1", "second:1"]);
    expect(result.handlersInvoked).toBe(2);
    expect(result.ok).toBe(true);
  });

  it("unsubscribes with the returned function or unsubscribe()", () => {
    const d = new InProcessDispatcher();
    let count = 0;
    const handler = (): void => {
      count++;
    };
    const off = d.subscribe(Ping, handler);
    off();
    d.dispatch(Ping.create({ n: 1 }));
    expect(count).toBe(0);
    d.subscribe(Ping, handler);
    expect(d.unsubscribe(Ping, handler)).toBe(true);
    expect(d.unsubscribe(Ping, handler)).toBe(false);
    expect(d.handlerCount(Ping)).toBe(0);
  });

  it("isolates a failing subscriber: the others still run and the failure is reported", () => {
    const d = new InProcessDispatcher();
    const seen: number[] = [];
    d.subscribe(Ping, function exploding() {
      throw new Error("boom");
    });
    d.subscribe(Ping, (e) => void seen.push(e.n));
    const result = d.dispatch(Ping.create({ n: 7 }));
    expect(seen).toEqual([7]);
    expect(result.ok).toBe(false);
    expect(result.errors[0]?.handler).toBe("exploding");
    expect(() => raiseIfErrors(result)).toThrow(
      /1 event handler\(s\) failed for Ping: exploding: Error: boom/,
    );
  });

  it("does not let a rejected async handler escape as an unhandled rejection", async () => {
    const d = new InProcessDispatcher();
    d.subscribe(Ping, async () => {
      throw new Error("async boom");
    });
    const result = d.dispatch(Ping.create({ n: 1 }));
    expect(result.ok).toBe(true);
    await new Promise((r) => setImmediate(r));
  });

  it("wildcard subscribers see typed and untyped events", () => {
    const d = new InProcessDispatcher();
    const seen: (string | undefined)[] = [];
    const off = d.subscribeAll((_e, type) => void seen.push(type?.name));
    d.dispatch(Ping.create({ n: 1 }));
    d.dispatch({ raw: true });
    off();
    d.dispatch(Ping.create({ n: 2 }));
    expect(seen).toEqual(["Ping", undefined]);
  });

  it("a subscription added during dispatch does not see the current event", () => {
    const d = new InProcessDispatcher();
    let late = 0;
    d.subscribe(Ping, () => {
      d.subscribe(Ping, () => {
        late++;
      });
    });
    d.dispatch(Ping.create({ n: 1 }));
    expect(late).toBe(0);
  });

  it("rejects a non-function handler with the type's name", () => {
    const d = new InProcessDispatcher();
    expect(() => d.subscribe(Ping, null as unknown as () => void)).toThrow(/subscribe\(Ping/);
  });

  it("routes the telemetry ToolInvoked type with normalized success", () => {
    const d = new InProcessDispatcher();
    const errors: string[] = [];
    d.subscribe(ToolInvoked, (e) => {
      if (e.isError) errors.push(e.name);
    });
    d.dispatch(
      ToolInvoked.create({
        eventId: "1",
        createdAt: "2030-01-01T00:00:00.000Z",
        adapter: "openai",
        promptName: "p",
        name: "lookup",
        params: {},
        result: { ok: false },
        success: false,
        isError: true,
        message: "not found",
        renderedOutput: "not found",
      }),
    );
    expect(errors).toEqual(["lookup"]);
  });
});
