import { describe, expect, it } from "vitest";
import { z } from "zod";
import { OutputParseError } from "../../src/errors.js";
import {
  extractJson,
  PromptTemplate,
  parseStructuredOutput,
  validateOutput,
} from "../../src/prompt/index.js";

const objectSpec = new PromptTemplate({
  ns: "t",
  key: "o",
  sections: [],
  output: z.object({ ok: z.boolean(), n: z.number() }),
}).output!;
const arraySpec = new PromptTemplate({
  ns: "t",
  key: "a",
  sections: [],
  output: z.array(z.object({ id: z.string() })),
}).output!;

function parseError(fn: () => unknown): OutputParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OutputParseError) return err;
    throw err;
  }
  throw new Error("expected OutputParseError");
}

describe("structured output", () => {
  it("prefers a fenced json block", () => {
    expect(
      parseStructuredOutput('Here: {"ok": false, "n": 0}\n```json\n{"ok": true, "n": 2}\n```', objectSpec),
    ).toEqual({
      ok: true,
      n: 2,
    });
  });

  it("accepts a bare JSON answer and JSON embedded in prose", () => {
    expect(parseStructuredOutput('{"ok":true,"n":1}', objectSpec)).toEqual({ ok: true, n: 1 });
    expect(parseStructuredOutput('I think {"ok": true, "n": 3} is right.', objectSpec)).toEqual({
      ok: true,
      n: 3,
    });
  });

  it("unwraps an array sent as {items: [...]}", () => {
    expect(parseStructuredOutput('{"items":[{"id":"a"}]}', arraySpec)).toEqual([{ id: "a" }]);
    expect(parseStructuredOutput('[{"id":"b"}]', arraySpec)).toEqual([{ id: "b" }]);
  });

  it("fails with the raw text and the failing paths", () => {
    const err = parseError(() => parseStructuredOutput('{"ok": "yes", "n": 1}', objectSpec));
    expect(err.rawText).toBe('{"ok": "yes", "n": 1}');
    expect(err.issues.map((i) => i.path)).toEqual(["ok"]);
    expect(err.message).toMatch(/ok: .*\nReply again with a JSON object/);
  });

  it("fails when there is no JSON at all", () => {
    const err = parseError(() => parseStructuredOutput("I could not finish.", objectSpec));
    expect(err.message).toContain("contains no JSON object");
    expect(err.code).toBe("output_parse");
  });

  it("rejects the wrong container", () => {
    const err = parseError(() => parseStructuredOutput('[{"ok":true,"n":1}]', objectSpec));
    expect(err.issues[0]?.path).toBe("(root)");
  });

  it("validates a native structured value", () => {
    expect(validateOutput({ ok: true, n: 5 }, objectSpec)).toEqual({ ok: true, n: 5 });
  });

  it("extractJson skips unbalanced and invalid candidates", () => {
    expect(extractJson('a { b [1,2] {"x": "}"}')).toEqual([1, 2]);
    expect(extractJson('{ not json } then {"y":1}')).toEqual({ y: 1 });
    expect(extractJson("{ never closed")).toBeUndefined();
  });
});
