/**
 * Datasets: the samples an evaluation runs, each an `id`, an `input` for the agent and the
 * `expected` output the evaluators compare against, typed by zod schemas and loaded from JSONL.
 */

import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { describeThrown, WinkError } from "../errors.js";
import { formatIssues, schemaIssues } from "../schema.js";

/** One evaluation case. */
export interface Sample<Input, Expected> {
  /** Unique within its dataset; results and reports are keyed by it. */
  readonly id: string;
  readonly input: Input;
  readonly expected: Expected;
}

/** Schemas of a dataset's inputs and expected outputs; samples are parsed (and typed) by them. */
export interface DatasetSchemas<InputSchema extends z.ZodType, ExpectedSchema extends z.ZodType> {
  readonly input: InputSchema;
  readonly expected: ExpectedSchema;
  /** Names the dataset in reports; default: the file's path (or `"dataset"`). */
  readonly name?: string;
}

/** Most bad lines one {@link DatasetError} lists. */
const MAX_LISTED = 10;

/** A dataset that cannot be used: bad JSON, a sample not matching its schema, duplicate ids. */
export class DatasetError extends WinkError {
  constructor(message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super("dataset_invalid", message, options);
  }
}

/** An immutable, ordered set of samples with unique ids. */
export class Dataset<Input, Expected> implements Iterable<Sample<Input, Expected>> {
  readonly name: string;
  readonly samples: readonly Sample<Input, Expected>[];
  readonly #byId: ReadonlyMap<string, Sample<Input, Expected>>;

  /** Throws {@link DatasetError} when it is empty or two samples share an id. */
  constructor(samples: readonly Sample<Input, Expected>[], name = "dataset") {
    const byId = new Map<string, Sample<Input, Expected>>();
    for (const sample of samples) {
      if (byId.has(sample.id)) {
        throw new DatasetError(
          `Dataset "${name}" has two samples with id "${sample.id}". Give every sample its own id.`,
          { details: { dataset: name, id: sample.id } },
        );
      }
      byId.set(sample.id, Object.freeze({ ...sample }));
    }
    if (byId.size === 0) {
      throw new DatasetError(`Dataset "${name}" has no samples. Add at least one.`, {
        details: { dataset: name },
      });
    }
    this.name = name;
    this.samples = Object.freeze([...byId.values()]);
    this.#byId = byId;
  }

  get size(): number {
    return this.samples.length;
  }

  [Symbol.iterator](): Iterator<Sample<Input, Expected>> {
    return this.samples[Symbol.iterator]();
  }

  /** The sample with `id`, or undefined. */
  get(id: string): Sample<Input, Expected> | undefined {
    return this.#byId.get(id);
  }

  /**
   * Read a JSONL file: one `{"id", "input", "expected"}` object per line (blank lines skipped),
   * `input` and `expected` parsed by `schemas`. Every bad line is reported in one
   * {@link DatasetError}, each by its line number and what is wrong.
   *
   * @example
   * ```ts
   * import { z } from "zod";
   * import { Dataset } from "weakincentives/evals";
   *
   * const reviews = await Dataset.load("evals/reviews.jsonl", {
   *   input: z.object({ diff: z.string() }),
   *   expected: z.object({ verdict: z.enum(["approve", "reject"]) }),
   * });
   * console.log(reviews.size, reviews.samples[0]?.expected.verdict);
   * ```
   */
  static async load<InputSchema extends z.ZodType, ExpectedSchema extends z.ZodType>(
    path: string,
    schemas: DatasetSchemas<InputSchema, ExpectedSchema>,
  ): Promise<Dataset<z.output<InputSchema>, z.output<ExpectedSchema>>> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new DatasetError(`Cannot read dataset file "${path}": ${describeThrown(error)}.`, {
        details: { path },
        cause: error,
      });
    }
    return Dataset.parse(text, { name: path, ...schemas });
  }

  /** {@link Dataset.load} on JSONL text already in memory. */
  static parse<InputSchema extends z.ZodType, ExpectedSchema extends z.ZodType>(
    jsonl: string,
    schemas: DatasetSchemas<InputSchema, ExpectedSchema>,
  ): Dataset<z.output<InputSchema>, z.output<ExpectedSchema>> {
    const name = schemas.name ?? "dataset";
    const samples: Sample<z.output<InputSchema>, z.output<ExpectedSchema>>[] = [];
    const problems: string[] = [];
    const seen = new Map<string, number>();
    jsonl.split(/\r?\n/).forEach((line, index) => {
      if (line.trim() === "") return;
      const number = index + 1;
      const parsed = parseLine(line, schemas);
      if (typeof parsed === "string") {
        problems.push(`line ${number}: ${parsed}`);
        return;
      }
      const first = seen.get(parsed.id);
      if (first !== undefined) {
        problems.push(`line ${number}: id "${parsed.id}" is already used on line ${first}`);
        return;
      }
      seen.set(parsed.id, number);
      samples.push(parsed);
    });
    if (problems.length > 0) {
      const listed = problems.slice(0, MAX_LISTED).join("\n");
      const more = problems.length > MAX_LISTED ? `\n…and ${problems.length - MAX_LISTED} more` : "";
      throw new DatasetError(
        `Dataset "${name}" has ${problems.length} bad line${problems.length === 1 ? "" : "s"}:\n${listed}${more}\n` +
          `Each line must be {"id": "...", "input": ..., "expected": ...} matching the dataset's schemas.`,
        { details: { dataset: name, problems: problems.slice(0, MAX_LISTED) } },
      );
    }
    return new Dataset(samples, name);
  }
}

/** One JSONL line as a sample, or what is wrong with it. */
function parseLine<InputSchema extends z.ZodType, ExpectedSchema extends z.ZodType>(
  line: string,
  schemas: DatasetSchemas<InputSchema, ExpectedSchema>,
): Sample<z.output<InputSchema>, z.output<ExpectedSchema>> | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not JSON (${describeThrown(error)})`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not a JSON object";
  }
  const record = value as Record<string, unknown>;
  const id = record.id;
  if (!(typeof id === "string" && id !== "") && !(typeof id === "number" && Number.isFinite(id))) {
    return `"id" must be a non-empty string or a number, got ${JSON.stringify(id) ?? "nothing"}`;
  }
  const input = schemas.input.safeParse(record.input);
  if (!input.success) return `"input" does not match the schema: ${formatIssues(schemaIssues(input.error))}`;
  const expected = schemas.expected.safeParse(record.expected);
  if (!expected.success) {
    return `"expected" does not match the schema: ${formatIssues(schemaIssues(expected.error))}`;
  }
  return { id: String(id), input: input.data, expected: expected.data };
}
