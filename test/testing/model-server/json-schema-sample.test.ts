import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toJsonSchema } from "../../../src/schema.js";
import { sampleJsonSchema } from "../../../src/testing/model-server/index.js";

function sampleOf(schema: z.ZodType): unknown {
  return sampleJsonSchema(toJsonSchema(schema));
}

const cases: Record<string, z.ZodType> = {
  "nested objects with required and optional properties": z.object({
    name: z.string(),
    meta: z.object({ tags: z.array(z.string()), note: z.string().optional() }),
  }),
  "string lengths": z.object({
    short: z.string().max(3),
    long: z.string().min(20),
    exact: z.string().length(8),
  }),
  "string formats": z.object({
    email: z.email(),
    url: z.url(),
    uuid: z.uuid(),
    when: z.iso.datetime(),
    day: z.iso.date(),
    ip: z.ipv4(),
  }),
  "numeric bounds": z.object({
    int: z.number().int().min(3).max(9),
    positive: z.number().positive(),
    negativeInt: z.number().int().negative(),
    upTo: z.number().max(-5),
    step: z.number().int().min(7).multipleOf(5),
  }),
  "enums, literals, booleans and null": z.object({
    color: z.enum(["red", "green"]),
    fixed: z.literal("v1"),
    flag: z.boolean(),
    nothing: z.null(),
  }),
  "arrays with minItems and tuples": z.object({
    list: z.array(z.object({ n: z.number().int().gte(1) })).min(3),
    pair: z.tuple([z.string(), z.number()]),
  }),
  "unions, nullables and discriminated unions": z.object({
    either: z.union([z.number(), z.string()]),
    maybe: z.string().nullable(),
    shape: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("circle"), r: z.number().positive() }),
      z.object({ kind: z.literal("square"), side: z.number() }),
    ]),
  }),
  "records and defaults": z.object({ map: z.record(z.string(), z.number()), level: z.number().default(4) }),
  intersections: z.intersection(z.object({ a: z.string() }), z.object({ b: z.number().min(2) })),
};

describe("sampleJsonSchema", () => {
  for (const [name, schema] of Object.entries(cases)) {
    it(`produces a valid value for ${name}`, () => {
      const value = sampleOf(schema);
      const result = schema.safeParse(value);
      expect(result.success, JSON.stringify({ value, issues: result.error?.issues })).toBe(true);
    });
  }

  it("follows local $refs, including recursive schemas, and stops at a depth limit", () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const NodeSchema: z.ZodType<Node> = z.lazy(() =>
      z.object({ name: z.string(), children: z.array(NodeSchema) }),
    );
    const Tree = z.object({ root: NodeSchema, spare: NodeSchema });
    expect(Tree.safeParse(sampleOf(Tree)).success).toBe(true);
    const deep = {
      $defs: { loop: { type: "object", properties: { next: { $ref: "#/$defs/loop" } }, required: ["next"] } },
      $ref: "#/$defs/loop",
    };
    expect(JSON.stringify(sampleJsonSchema(deep))).toContain("null");
  });

  it("handles hand-written schemas: type lists, minProperties, unknown refs and booleans", () => {
    expect(sampleJsonSchema({ type: ["null", "integer"], exclusiveMinimum: 4 })).toBe(5);
    expect(sampleJsonSchema({ type: "number", exclusiveMaximum: 0 })).toBe(-0.5);
    expect(
      sampleJsonSchema({ type: "object", properties: { a: { type: "string" } }, minProperties: 1 }),
    ).toEqual({
      a: "sample",
    });
    expect(sampleJsonSchema({ $ref: "https://example.com/other.json" })).toEqual({});
    expect(sampleJsonSchema({ items: { const: 1 }, minItems: 2 })).toEqual([1, 1]);
    expect(sampleJsonSchema({ required: ["x"] })).toEqual({ x: {} });
    expect(sampleJsonSchema({ allOf: [{ type: "string" }, { const: "k" }] })).toBe("k");
    expect(sampleJsonSchema({ properties: { a: true } })).toEqual({});
    expect(sampleJsonSchema(true)).toEqual({});
    expect(sampleJsonSchema({})).toEqual({});
    expect(sampleJsonSchema({ anyOf: [{ type: "null" }] })).toBeNull();
    expect(sampleJsonSchema({ $defs: { "a/b": { const: 2 } }, $ref: "#/$defs/a~1b" })).toBe(2);
  });
});
