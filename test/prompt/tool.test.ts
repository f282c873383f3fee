import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyTool, Tool, ToolResult } from "../../src/prompt/index.js";

const ok = () => ToolResult.ok(undefined);

describe("Tool", () => {
  it("rejects a name outside ^[a-z0-9_-]{1,64}$, naming it", () => {
    expect(() => new Tool({ name: "Read File", description: "d", handler: ok })).toThrow(
      /"Read File" is invalid/,
    );
    expect(() => new Tool({ name: "x".repeat(65), description: "d", handler: ok })).toThrow(/is invalid/);
  });

  it("rejects empty or over-long descriptions with the length", () => {
    expect(() => new Tool({ name: "t", description: "", handler: ok })).toThrow(
      /"t" description must be 1-200 characters, got 0/,
    );
    expect(() => new Tool({ name: "t", description: "x".repeat(201), handler: ok })).toThrow(/got 201/);
  });

  it("rejects a missing handler", () => {
    expect(() => new Tool({ name: "t", description: "d", handler: undefined as never })).toThrow(
      /needs a handler/,
    );
  });

  it("checks examples against both schemas, naming the example", () => {
    const params = z.object({ id: z.string() });
    const result = z.object({ n: z.number() });
    expect(
      () =>
        new Tool({
          name: "t",
          description: "d",
          params,
          result,
          handler: () => ToolResult.ok({ n: 1 }),
          examples: [{ description: "bad input", input: { id: 3 } as never, output: { n: 1 } }],
        }),
    ).toThrow(/Tool "t" example 0: input does not match.*\n.*id/);
    expect(
      () =>
        new Tool({
          name: "t",
          description: "d",
          params,
          result,
          handler: () => ToolResult.ok({ n: 1 }),
          examples: [{ description: "bad output", input: { id: "a" }, output: { n: "x" } as never }],
        }),
    ).toThrow(/example 0: output does not match/);
    expect(
      () =>
        new Tool({
          name: "t",
          description: "d",
          params,
          handler: ok,
          examples: [{ description: "", input: { id: "a" }, output: undefined }],
        }),
    ).toThrow(/example 0: description/);
  });

  it("derives a strict JSON Schema once; a tool without params takes an empty object", () => {
    const tool = new Tool({ name: "t", description: "d", params: z.object({ id: z.string() }), handler: ok });
    expect(tool.parametersJsonSchema).toBe(tool.parametersJsonSchema);
    expect(tool.parametersJsonSchema).toMatchObject({
      type: "object",
      required: ["id"],
      additionalProperties: false,
    });
    expect(tool.params.safeParse({ id: "a", extra: 1 }).success).toBe(false);
    const none = new Tool({ name: "n", description: "d", handler: ok });
    expect(none.params.safeParse({}).success).toBe(true);
    expect(none.params.safeParse({ x: 1 }).success).toBe(false);
  });

  it("infers handler params from the schema and erases to AnyTool", () => {
    const tool = new Tool({
      name: "len",
      description: "Length of text.",
      params: z.object({ text: z.string() }),
      result: z.object({ length: z.number() }),
      handler: ({ text }) => ToolResult.ok({ length: text.length }),
    });
    const tools: AnyTool[] = [tool, new Tool({ name: "x", description: "d", handler: ok })];
    expect(tools).toHaveLength(2);
  });
});

describe("ToolResult", () => {
  it("renders message then JSON value", () => {
    expect(ToolResult.ok({ a: 1 }, "done").render()).toBe('done\n\n{"a":1}');
    expect(ToolResult.ok("plain").render()).toBe("plain");
    expect(ToolResult.error("nope").render()).toBe("nope");
  });

  it("keeps an excluded value out of the rendered text", () => {
    const result = ToolResult.ok({ secret: "x" }, "stored", { excludeValueFromContext: true });
    expect(result.render()).toBe("stored");
    expect(result.value).toEqual({ secret: "x" });
  });

  it("error results can carry a value and are frozen", () => {
    const result = ToolResult.error("bad", { code: 4 });
    expect(result.success).toBe(false);
    expect(result.value).toEqual({ code: 4 });
    expect(Object.isFrozen(result)).toBe(true);
  });
});
