import { describe, expect, it } from "vitest";
import { z } from "zod";
import { deepFreeze, formatPath, parseWith, SchemaValidationError, toJsonSchema } from "../src/schema.js";

describe("toJsonSchema", () => {
  it("produces a draft 2020-12 object schema", () => {
    const schema = toJsonSchema(z.object({ a: z.string(), b: z.number().optional() }));
    expect(schema).toMatchObject({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "number" } },
      required: ["a"],
    });
  });

  it("computes once per schema and freezes the result", () => {
    const s = z.object({ a: z.string() });
    expect(toJsonSchema(s)).toBe(toJsonSchema(s));
    expect(Object.isFrozen(toJsonSchema(s))).toBe(true);
  });

  it("explains schemas that have no JSON form", () => {
    expect(() => toJsonSchema(z.object({ when: z.date() }))).toThrow(/no JSON Schema form/);
  });
});

describe("parseWith", () => {
  const Review = z.object({ summary: z.string(), items: z.array(z.object({ line: z.number() })) });

  it("returns the typed value", () => {
    expect(parseWith(Review, { summary: "ok", items: [] }, "review")).toEqual({ summary: "ok", items: [] });
  });

  it("names the label and every failing path", () => {
    try {
      parseWith(Review, { summary: 3, items: [{ line: 1 }, { line: "x" }] }, "review output");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SchemaValidationError);
      const e = err as SchemaValidationError;
      expect(e.message).toContain("Invalid review output");
      expect(e.message).toContain("summary:");
      expect(e.message).toContain("items[1].line:");
      expect(e.issues.map((i) => i.path)).toEqual(["summary", "items[1].line"]);
      expect(e.code).toBe("schema_validation");
    }
  });

  it("uses the code it is given", () => {
    expect(() => parseWith(z.string(), 1, "x", "invalid_config")).toThrow(
      expect.objectContaining({ code: "invalid_config" }),
    );
  });
});

describe("helpers", () => {
  it("formats paths", () => {
    expect(formatPath([])).toBe("(root)");
    expect(formatPath([0, "a", 2, "b"])).toBe("[0].a[2].b");
  });

  it("deep-freezes nested values", () => {
    const v = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(Object.isFrozen(v.a.b[1])).toBe(true);
  });
});
