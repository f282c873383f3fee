import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createWithFrozenFields, defineType, typeOf, typeStampedOn } from "../src/data-type.js";

const Step = defineType("Step", z.object({ title: z.string(), tags: z.array(z.string()) }));
const Other = defineType("Other", z.object({ title: z.string(), tags: z.array(z.string()) }));

describe("defineType", () => {
  it("create tags and deep-freezes the value", () => {
    const step = Step.create({ title: "a", tags: ["x"] });
    expect(Step.is(step)).toBe(true);
    expect(typeOf(step)).toBe(Step);
    expect(Object.isFrozen(step.tags)).toBe(true);
  });

  it("parse validates and names the type in the error", () => {
    expect(() => Step.parse({ title: 1, tags: [] })).toThrow(/Invalid Step value/);
    expect(Step.is(Step.parse({ title: "t", tags: [] }))).toBe(true);
  });

  it("re-typing a value copies it instead of stealing it", () => {
    const step = Step.create({ title: "a", tags: [] });
    const other = Other.create(step);
    expect(other).not.toBe(step);
    expect(Step.is(step)).toBe(true);
    expect(Other.is(other)).toBe(true);
  });

  it("rejects invalid names and non-object values", () => {
    expect(() => defineType("9bad", z.object({}))).toThrow(/"9bad" is invalid/);
    expect(() => (Step.create as (v: unknown) => unknown)(3)).toThrow(/needs an object, got number/);
    expect(typeOf(3)).toBeUndefined();
    expect(Step.is(null)).toBe(false);
  });
});

describe("type tags", () => {
  it("travel with the value only: not in its keys, JSON or a spread copy", () => {
    const Point = defineType("Point", z.object({ x: z.number() }));
    const point = Point.create({ x: 1 });
    expect(typeOf(point)).toBe(Point);
    expect(Object.keys(point)).toEqual(["x"]);
    expect(Reflect.ownKeys(point)).toEqual(["x"]);
    expect(JSON.stringify(point)).toBe('{"x":1}');
    expect(typeOf({ ...point })).toBeUndefined();
  });

  it("type a value that was frozen or sealed before create, keeping it the same object", () => {
    const Point = defineType("Point", z.object({ x: z.number() }));
    const frozen = Object.freeze({ x: 2 });
    const sealed = Object.seal({ x: 3 });
    expect(Point.create(frozen)).toBe(frozen);
    expect(Point.create(sealed)).toBe(sealed);
    expect(Point.is(frozen) && Point.is(sealed)).toBe(true);
    expect(Object.isFrozen(sealed)).toBe(true);
  });

  it("copy a value typed once when another type takes it, and leave the original typed", () => {
    const A = defineType("A", z.object({ x: z.number() }));
    const B = defineType("B", z.object({ x: z.number() }));
    const a = A.create({ x: 1 });
    const b = B.create(a as { x: number });
    expect(b).not.toBe(a);
    expect([typeOf(a), typeOf(b)]).toEqual([A, B]);
    expect(A.create(a)).toBe(a);
  });
});

describe("createWithFrozenFields", () => {
  it("stamps the type on the value and freezes its top, leaving fields as they are", () => {
    const tags = Object.freeze(["x"]);
    const step = createWithFrozenFields(Step, { title: "a", tags });
    expect(typeOf(step)).toBe(Step);
    expect(typeStampedOn(step)).toBe(true);
    expect(Object.isFrozen(step)).toBe(true);
    expect(step.tags).toBe(tags);
  });

  it("falls back to create for a frozen value or one another type holds", () => {
    const frozen = Object.freeze({ title: "a", tags: ["x"] });
    expect(createWithFrozenFields(Step, frozen)).toBe(frozen);
    expect(typeOf(frozen)).toBe(Step);
    expect(typeStampedOn(frozen)).toBe(false);
    const other = Other.create({ title: "b", tags: [] });
    const copy = createWithFrozenFields(Step, other as { title: string; tags: string[] });
    expect(copy).not.toBe(other);
    expect([typeOf(other), typeOf(copy)]).toEqual([Other, Step]);
  });
});
