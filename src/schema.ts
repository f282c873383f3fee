/**
 * zod helpers shared by tools, structured output, slices and config.
 *
 * zod schemas are the single source of truth: TypeScript types are inferred from them, JSON
 * Schema is generated from them, and untrusted data is parsed through them with errors that name
 * the exact path that failed.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { parseWith, toJsonSchema } from "weakincentives/prompt";
 *
 * const Review = z.object({ summary: z.string() });
 * toJsonSchema(Review); // { type: "object", properties: { summary: { type: "string" } }, ... }
 * parseWith(Review, { summary: "ok" }, "review output"); // typed { summary: string }
 * ```
 */

import { z } from "zod";
import { WinkError, type WinkErrorCode } from "./errors.js";

/** A JSON Schema document, as produced by {@link toJsonSchema}. */
export type JsonSchema = Record<string, unknown>;

/** One validation problem: where (a readable path) and what. */
export interface SchemaIssue {
  /** Path like `items[2].name`; `(root)` for the value itself. */
  readonly path: string;
  readonly message: string;
}

/** Raised by {@link parseWith} when data does not match its schema. */
export class SchemaValidationError extends WinkError {
  readonly issues: readonly SchemaIssue[];
  constructor(message: string, issues: readonly SchemaIssue[], code: WinkErrorCode = "schema_validation") {
    super(code, message, { details: { issues } });
    this.issues = Object.freeze([...issues]);
  }
}

const jsonSchemaCache = new WeakMap<z.ZodType, JsonSchema>();

/**
 * The JSON Schema (draft 2020-12) for a zod schema, computed once per schema object and frozen.
 * Schemas that cannot be expressed in JSON (functions, `Date` without a codec) raise a
 * {@link WinkError} that names the reason.
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const cached = jsonSchemaCache.get(schema);
  if (cached) return cached;
  let generated: JsonSchema;
  try {
    generated = z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "throw" }) as JsonSchema;
  } catch (err) {
    throw new WinkError(
      "invalid_argument",
      `This zod schema has no JSON Schema form (${err instanceof Error ? err.message : String(err)}). ` +
        "Use JSON-compatible types (strings, numbers, booleans, arrays, objects, enums) in schemas that cross the wire.",
      { cause: err },
    );
  }
  const frozen = deepFreeze(generated);
  jsonSchemaCache.set(schema, frozen);
  return frozen;
}

/** Format a zod issue path as `a.b[2].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Turn zod issues into readable {@link SchemaIssue}s. */
export function schemaIssues(error: z.ZodError): SchemaIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** One line per issue: `  - items[2].name: Invalid input: expected string, received number`. */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n");
}

/**
 * Parse `data` with `schema`, returning the typed value or throwing a
 * {@link SchemaValidationError} whose message names `label` and every failing path.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  data: unknown,
  label: string,
  code: WinkErrorCode = "schema_validation",
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = schemaIssues(result.error);
  throw new SchemaValidationError(
    `Invalid ${label}:\n${formatIssues(issues)}\nFix the value${issues.length > 1 ? "s" : ""} at the path${
      issues.length > 1 ? "s" : ""
    } above.`,
    issues,
    code,
  );
}

/** Recursively freeze a plain JSON-like value and return it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) freezeTree(value);
  return value;
}

// Every event is frozen this way: index and own-key loops rather than Object.keys (the key arrays
// were most of the cost), and no call at all for the primitive and already-frozen fields.
function freezeTree(value: object): void {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "object" && item !== null && !Object.isFrozen(item)) freezeTree(item);
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === "object" && item !== null && !Object.isFrozen(item) && Object.hasOwn(record, key)) {
      freezeTree(item);
    }
  }
}
