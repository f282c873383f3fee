/**
 * Turning log context into plain JSON data.
 *
 * `JSON.stringify` writes an `Error` as `{}`, throws on `bigint` and on cycles, and drops Maps
 * and Sets. Context goes through {@link toLogValue} first, so every record is complete and
 * serializing it can never fail.
 *
 * @example
 * ```ts
 * import { serializeError } from "weakincentives/runtime";
 *
 * serializeError(new Error("boom", { cause: new TypeError("bad input") }));
 * // { type: "Error", message: "boom", stack: "Error: boom\n    at ...",
 * //   cause: { type: "TypeError", message: "bad input" } }
 * ```
 */

import { errorTypeName } from "../errors.js";

/** How an error appears in a log record. */
export interface SerializedError {
  /** Class name of the error (`TypeError`, `WinkError`, `DeadlineExceededError`…). */
  readonly type: string;
  readonly message: string;
  /** The `code` of a WinkError or a Node system error, when it has one. */
  readonly code?: string | number;
  /** The error's own stack trace (not on causes). */
  readonly stack?: string;
  /** Structured facts of a WinkError, when it has any. */
  readonly details?: unknown;
  /** The `cause` chain, each link summarized without its stack. */
  readonly cause?: SerializedError | { readonly type: string; readonly value: unknown };
  /** The errors of an `AggregateError`, summarized. */
  readonly errors?: readonly SerializedError[];
}

/** Nesting deeper than this is written as "[Truncated]"; logs are not a data dump. */
const MAX_DEPTH = 10;
/** Causes beyond this many links are dropped (a cycle of causes stops here too). */
const MAX_CAUSES = 8;

function summarize(error: Error, seen: WeakSet<object>, depth: number, withStack: boolean): SerializedError {
  seen.add(error);
  try {
    return describe(error, seen, depth, withStack);
  } finally {
    seen.delete(error);
  }
}

function describe(error: Error, seen: WeakSet<object>, depth: number, withStack: boolean): SerializedError {
  const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
    type: errorTypeName(error),
    message: String(error.message),
  };
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") out.code = code;
  if (withStack && typeof error.stack === "string") out.stack = error.stack;
  const details = (error as { details?: unknown }).details;
  if (details !== null && typeof details === "object" && Object.keys(details).length > 0) {
    out.details = convert(details, seen, depth + 1);
  }
  if (error.cause !== undefined && depth < MAX_CAUSES) {
    const cause = error.cause;
    if (cause instanceof Error) {
      out.cause = seen.has(cause)
        ? { type: errorTypeName(cause), value: "[Circular]" }
        : summarize(cause, seen, depth + 1, false);
    } else {
      out.cause = { type: errorTypeName(cause), value: convert(cause, seen, depth + 1) };
    }
  }
  if (error instanceof AggregateError && Array.isArray(error.errors)) {
    out.errors = error.errors
      .filter((e): e is Error => e instanceof Error && !seen.has(e))
      .map((e) => summarize(e, seen, depth + 1, false));
  }
  return out;
}

/** Serialize an error as `{ type, message, code?, stack, details?, cause?, errors? }`. */
export function serializeError(error: Error): SerializedError {
  return summarize(error, new WeakSet(), 0, true);
}

function convertObject(value: object, seen: WeakSet<object>, depth: number): unknown {
  if (seen.has(value)) return "[Circular]";
  if (value instanceof Error) return summarize(value, seen, depth, true);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `[${value.constructor.name}(${value.byteLength} bytes)]`;
  }
  if (depth >= MAX_DEPTH) return "[Truncated]";
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => convert(item, seen, depth + 1));
    if (value instanceof Set) return [...value].map((item) => convert(item, seen, depth + 1));
    const out: Record<string, unknown> = {};
    const entries =
      value instanceof Map ? [...value].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
    for (const [key, item] of entries) {
      if (item !== undefined) out[key] = convert(item, seen, depth + 1);
    }
    return out;
  } finally {
    // Only ancestors count as cycles; a value shared by two branches is written twice.
    seen.delete(value);
  }
}

function convert(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === "object") return value === null ? null : convertObject(value, seen, depth);
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "undefined":
      return null;
    case "symbol":
      return value.toString();
    default:
      return `[Function ${(value as { name?: string }).name || "anonymous"}]`;
  }
}

/**
 * A JSON-safe copy of `value`: errors become {@link SerializedError}, Dates ISO strings, bigints
 * strings, Maps objects, Sets arrays, binary buffers a size note; cycles become "[Circular]" and
 * nesting deeper than 10 levels "[Truncated]". Object fields that are `undefined` are dropped.
 */
export function toLogValue(value: unknown): unknown {
  if (isFlatRecord(value)) return flatCopy(value);
  return convert(value, new WeakSet(), 0);
}

/**
 * Whether `value` is a plain object whose fields are all strings, booleans, finite numbers,
 * null or undefined: most log contexts, which then skip the cycle-tracking walk.
 */
function isFlatRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const kind = typeof item;
    if (
      kind === "number"
        ? !Number.isFinite(item)
        : kind === "object"
          ? item !== null
          : kind !== "string" && kind !== "boolean" && kind !== "undefined"
    ) {
      return false;
    }
  }
  return true;
}

/** A copy of a flat record without its undefined fields, as {@link convert} would make it. */
function flatCopy(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const item = value[key];
    if (item !== undefined) out[key] = item;
  }
  return out;
}
