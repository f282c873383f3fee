/**
 * The one-pass writer of flat contexts must write exactly what the general path (merge, make
 * JSON-safe, redact, serialize) writes, key order and redaction included.
 */

import { describe, expect, it } from "vitest";
import { contextJson, formatRecord } from "../../src/logging/record.js";
import { toLogValue } from "../../src/logging/serialize.js";
import { redact } from "../../src/secrets/index.js";

const general = (bound: Record<string, unknown>, context?: Record<string, unknown>): string =>
  JSON.stringify(redact(toLogValue(context === undefined ? bound : { ...bound, ...context })));

describe("contextJson", () => {
  const cases: [Record<string, unknown>, Record<string, unknown> | undefined][] = [
    [{}, undefined],
    [
      { prompt: "p", sessionId: "0b7c1f8e-1e1f-4b53-9a57-3a1f4f7a2b11" },
      { inputTokens: 10, costUsd: 0.25 },
    ],
    // A key of both keeps its place in the bound context and takes the call's value.
    [
      { a: 1, b: "x", c: true },
      { b: "y", d: null, a: undefined },
    ],
    [{ skipped: undefined }, { kept: false, negative: -0, big: 1e21 }],
    // Secret keys hide strings and numbers, not null or booleans; secrets in values and keys go too.
    [{ apiKey: "sk-not-a-real-key-but-long-enough" }, { password: 42, token: null, secret: true }],
    [{ url: "redis://:hunter2hunter2@cache:6379/0" }, { note: 'quote " and \\ and \n newline' }],
    // Not flat: nested values, non-finite numbers, errors, other prototypes take the general path.
    [{ nested: { deep: [1, { x: "sk-not-a-real-key-but-long-enough" }] } }, { n: Number.NaN }],
    [{ error: new Error("boom") }, undefined],
    [Object.assign(Object.create({ inherited: "no" }) as object, { own: "yes" }), undefined],
  ];
  it.each(cases)("writes %j with %j as the general path does", (bound, context) => {
    const written = contextJson(bound, context);
    expect(written).toBe(general(bound, context));
    expect(() => JSON.parse(written)).not.toThrow();
  });

  it("writes a whole record as one JSON line in the documented key order", () => {
    const line = formatRecord("warning", "2030-01-01T00:00:00.000Z", "a.b", "x.y", '{"k":1}', 'say "hi"');
    expect(line.endsWith("\n")).toBe(true);
    expect(Object.keys(JSON.parse(line))).toEqual([
      "level",
      "timestamp",
      "logger",
      "event",
      "context",
      "message",
    ]);
    expect(JSON.parse(line)).toMatchObject({ level: "WARNING", context: { k: 1 }, message: 'say "hi"' });
  });
});
