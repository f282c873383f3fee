/**
 * One log record as the JSON line every destination receives:
 * `{"level","timestamp","logger","event","context","message"}` in that order.
 *
 * Written here rather than by a logging library: a worker logs on every evaluation, and building
 * the line directly (one pass over a flat context, no intermediate copies) costs a third of what
 * the merged, copied, redacted and re-serialized record did.
 */

import { isSecretKey, REDACTED, redact, redactText } from "../secrets/index.js";
import { secretsGeneration } from "../secrets/registry.js";
import type { LogLevel } from "./levels.js";
import { toLogValue } from "./serialize.js";

type Context = Readonly<Record<string, unknown>>;

/** How each level is written. */
export const LEVEL_LABELS: Readonly<Record<LogLevel, string>> = Object.freeze({
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warning: "WARNING",
  error: "ERROR",
  critical: "CRITICAL",
});

/** The whole line, newline included. `context` is JSON text already (see {@link contextJson}). */
export function formatRecord(
  level: LogLevel,
  timestamp: string,
  logger: string,
  event: string,
  context: string,
  message: string,
): string {
  return `{"level":"${LEVEL_LABELS[level]}","timestamp":"${timestamp}","logger":${JSON.stringify(logger)},"event":${JSON.stringify(event)},"context":${context},"message":${JSON.stringify(message)}}\n`;
}

/**
 * The record's context as JSON text: `bound` with `context` over it (a key of both keeps its
 * place in `bound` and takes the value in `context`, as an object spread would), made safe for
 * JSON by {@link toLogValue} and redacted. Contexts of strings, finite numbers, booleans and
 * nulls — nearly all of them — are written in one pass without copies.
 */
export function contextJson(bound: Context, context: Context | undefined): string {
  const flat = flatJson(bound, context);
  if (flat !== undefined) return flat;
  const merged = context === undefined ? bound : { ...bound, ...context };
  return JSON.stringify(redact(toLogValue(merged)));
}

/** {@link contextJson} of flat plain records; undefined when either is not one. */
function flatJson(bound: Context, context: Context | undefined): string | undefined {
  if (!isFlat(bound) || (context !== undefined && !isFlat(context))) return undefined;
  let out = "";
  for (const key in bound) {
    const value = context !== undefined && Object.hasOwn(context, key) ? context[key] : bound[key];
    out = appendPair(out, key, value);
  }
  if (context !== undefined) {
    for (const key in context) if (!Object.hasOwn(bound, key)) out = appendPair(out, key, context[key]);
  }
  return `{${out}}`;
}

/** `out` with `"key":value` appended (redacted as `redact` would), or unchanged for undefined. */
function appendPair(out: string, key: string, value: unknown): string {
  if (value === undefined) return out;
  const field = fieldOf(key);
  let json: string;
  if (typeof value === "string") json = JSON.stringify(field.secret ? REDACTED : redactText(value));
  else if (value === null || typeof value === "boolean") json = String(value);
  else json = field.secret ? `"${REDACTED}"` : String(value);
  return out === "" ? field.prefix + json : `${out},${field.prefix}${json}`;
}

interface Field {
  /** `"key":`, the key redacted. */
  readonly prefix: string;
  /** Whether values under the key are hidden (see `isSecretKey`). */
  readonly secret: boolean;
}

// Field names repeat on every record; a bounded cache keeps each one's prefix and verdict.
const fields = new Map<string, Field>();
const MAX_FIELDS = 1_024;

let fieldsGeneration = -1;

function fieldOf(key: string): Field {
  // A newly registered secret may appear in a key: start over, as redactText's own cache does.
  if (fieldsGeneration !== secretsGeneration()) {
    fields.clear();
    fieldsGeneration = secretsGeneration();
  }
  let field = fields.get(key);
  if (field === undefined) {
    field = { prefix: `${JSON.stringify(redactText(key))}:`, secret: isSecretKey(key) };
    if (fields.size >= MAX_FIELDS) fields.clear();
    fields.set(key, field);
  }
  return field;
}

/** A plain object whose fields are strings, finite numbers, booleans, null or undefined. */
function isFlat(value: Context): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    const item = value[key];
    const kind = typeof item;
    if (kind === "string" || kind === "boolean" || kind === "undefined") continue;
    if (kind === "number" ? !Number.isFinite(item) : item !== null) return false;
  }
  return true;
}
