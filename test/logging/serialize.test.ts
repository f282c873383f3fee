import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { WinkError } from "../../src/errors.js";
import { getLogger, resetLogging, serializeError, toLogValue } from "../../src/logging/index.js";
import { captureLogs } from "./capture.js";

afterEach(() => resetLogging());

describe("error serialization in records", () => {
  it("writes an error in context as type, message and stack, never as {}", () => {
    const logs = captureLogs();
    const error = new TypeError("bad input");
    getLogger("tests.errors").error("errors.logged", "failed", { error });
    expect(logs.only().context.error).toEqual({
      type: "TypeError",
      message: "bad input",
      stack: error.stack,
    });
  });

  it("keeps a WinkError's code and details", () => {
    const error = new WinkError("invalid_config", "bad", { details: { variable: "X" } });
    expect(serializeError(error)).toMatchObject({
      type: "WinkError",
      code: "invalid_config",
      details: { variable: "X" },
    });
  });

  it("keeps a Node system error's code", () => {
    const error = Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT", errno: -2 });
    expect(serializeError(error).code).toBe("ENOENT");
  });

  it("summarizes the cause chain without the causes' stacks", () => {
    const error = new Error("outer", { cause: new RangeError("middle", { cause: new TypeError("root") }) });
    expect(serializeError(error).cause).toEqual({
      type: "RangeError",
      message: "middle",
      cause: { type: "TypeError", message: "root" },
    });
  });

  it("records a non-error cause with its type and value", () => {
    expect(serializeError(new Error("outer", { cause: "text" })).cause).toEqual({
      type: "string",
      value: "text",
    });
  });

  it("stops at a cause cycle", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(serializeError(a).cause).toEqual({
      type: "Error",
      message: "b",
      cause: { type: "Error", value: "[Circular]" },
    });
  });

  it("summarizes the errors of an AggregateError", () => {
    const error = new AggregateError([new Error("one"), new TypeError("two")], "both failed");
    expect(serializeError(error).errors).toEqual([
      { type: "Error", message: "one" },
      { type: "TypeError", message: "two" },
    ]);
  });

  it("writes the same error twice in one context in full both times", () => {
    const error = new Error("shared");
    const value = toLogValue({ first: error, second: error }) as Record<string, { message: string }>;
    expect(value.second?.message).toBe("shared");
  });
});

describe("plain values", () => {
  it("replaces a reference cycle with [Circular]", () => {
    const node: Record<string, unknown> = { name: "loop" };
    node.self = node;
    expect(toLogValue(node)).toEqual({ name: "loop", self: "[Circular]" });
  });

  it("writes a shared, non-cyclic object in each place it appears", () => {
    const shared = { x: 1 };
    expect(toLogValue({ a: shared, b: [shared] })).toEqual({ a: { x: 1 }, b: [{ x: 1 }] });
  });

  it("cuts nesting deeper than ten levels", () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 12; i++) deep = { next: deep };
    expect(JSON.stringify(toLogValue(deep))).toContain('"[Truncated]"');
  });

  it("describes functions, symbols, buffers, invalid dates and infinities", () => {
    expect(
      toLogValue({
        fn: function handler() {},
        anon: (
          () => () =>
            undefined
        )(),
        sym: Symbol("s"),
        bytes: new Uint8Array(3),
        bad: new Date(Number.NaN),
        inf: Number.POSITIVE_INFINITY,
        list: [undefined],
      }),
    ).toEqual({
      fn: "[Function handler]",
      anon: "[Function anonymous]",
      sym: "Symbol(s)",
      bytes: "[Uint8Array(3 bytes)]",
      bad: "Invalid Date",
      inf: "Infinity",
      list: [null],
    });
  });

  it("writes class instances as their own fields", () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    expect(toLogValue(new Point(1, 2))).toEqual({ x: 1, y: 2 });
  });
});

describe("toLogValue on a flat record (the fast path most log contexts take)", () => {
  it("gives the same result as the general walk, dropping undefined and spelling odd numbers", () => {
    const values = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), values), (flat) => {
        const general = (toLogValue({ wrapper: flat }) as { wrapper: unknown }).wrapper;
        expect(toLogValue(flat)).toEqual(general);
      }),
    );
  });
});
