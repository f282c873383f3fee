import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isWinkError } from "../../src/errors.js";
import { Dataset, DatasetError } from "../../src/evals/index.js";

const schemas = {
  input: z.object({ diff: z.string() }),
  expected: z.object({ verdict: z.enum(["approve", "reject"]) }),
};

const line = (id: unknown, diff: unknown, verdict: unknown): string =>
  JSON.stringify({ id, input: { diff }, expected: { verdict } });

describe("Dataset", () => {
  it("loads a JSONL file into typed, frozen samples in file order, skipping blank lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wink-dataset-"));
    const path = join(dir, "reviews.jsonl");
    writeFileSync(path, `${line("a", "+x", "approve")}\n\n${line(7, "-y", "reject")}\r\n`);
    const dataset = await Dataset.load(path, schemas);
    expect(dataset.name).toBe(path);
    expect(dataset.size).toBe(2);
    expect([...dataset].map((sample) => sample.id)).toEqual(["a", "7"]);
    expect(dataset.get("7")?.expected.verdict).toBe("reject");
    expect(dataset.get("missing")).toBeUndefined();
    expect(Object.isFrozen(dataset.samples)).toBe(true);
    expect(Object.isFrozen(dataset.samples[0])).toBe(true);
  });

  it("reports every bad line at once, each by number and cause", () => {
    const text = [
      line("ok", "+x", "approve"),
      "{not json",
      "[1, 2]",
      line("", "+x", "approve"),
      line("b", 42, "approve"),
      line("c", "+x", "maybe"),
      line("ok", "+z", "reject"),
    ].join("\n");
    let error: unknown;
    try {
      Dataset.parse(text, { ...schemas, name: "reviews" });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(DatasetError);
    expect(isWinkError(error, "dataset_invalid")).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^Dataset "reviews" has 6 bad lines:/);
    expect(message).toMatch(/line 2: not JSON/);
    expect(message).toMatch(/line 3: not a JSON object/);
    expect(message).toMatch(/line 4: "id" must be a non-empty string or a number, got ""/);
    expect(message).toMatch(/line 5: "input" does not match the schema: .*diff/);
    expect(message).toMatch(/line 6: "expected" does not match the schema: .*verdict/);
    expect(message).toMatch(/line 7: id "ok" is already used on line 1/);
  });

  it("lists at most ten bad lines and counts the rest", () => {
    const text = Array.from({ length: 13 }, () => "nope").join("\n");
    expect(() => Dataset.parse(text, schemas)).toThrow(
      /has 13 bad lines:[\s\S]*line 10: [^\n]*\n…and 3 more/,
    );
  });

  it("refuses an empty dataset, duplicate ids, and a file it cannot read, naming them", async () => {
    expect(() => Dataset.parse("\n\n", { ...schemas, name: "empty" })).toThrow(
      /Dataset "empty" has no samples/,
    );
    const sample = { id: "x", input: { diff: "" }, expected: { verdict: "approve" as const } };
    expect(() => new Dataset([sample, sample], "dup")).toThrow(/two samples with id "x"/);
    await expect(Dataset.load("/nonexistent/reviews.jsonl", schemas)).rejects.toThrow(
      /Cannot read dataset file "\/nonexistent\/reviews.jsonl"/,
    );
  });
});
