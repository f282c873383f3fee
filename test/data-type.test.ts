import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineType, typeOf } from "../src/data-type.js";

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
