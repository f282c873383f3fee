/**
 * Structured output: find the JSON in a model's final answer and validate it against the
 * prompt's output schema. A fenced ```json block wins; otherwise the whole answer, then the first
 * JSON object or array embedded in the text. A top-level array may arrive wrapped as
 * `{ "items": [...] }` (how adapters ask providers for arrays).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { parseStructuredOutput } from "weakincentives";
 *
 * const spec = { schema: z.object({ ok: z.boolean() }), container: "object" as const, jsonSchema: {} };
 * parseStructuredOutput('Done.\n```json\n{"ok": true}\n```', spec); // { ok: true }
 * ```
 */

import { OutputParseError } from "../errors.js";
import { formatIssues, type SchemaIssue, schemaIssues } from "../schema.js";
import type { OutputSpec } from "./template.js";

const FENCE = /```(?:json|JSON)?[ \t]*\n([\s\S]*?)\n?```/;

/** Parse and validate `text` against `spec`. Throws {@link OutputParseError} with the raw text. */
export function parseStructuredOutput<T>(text: string, spec: OutputSpec<T>): T {
  const candidate = extractJson(text);
  if (candidate === undefined) {
    throw new OutputParseError(
      `The answer contains no JSON ${spec.container}. Reply with only a JSON ${spec.container} matching the output schema.`,
      text,
      [{ path: "(root)", message: "no JSON found" }],
    );
  }
  return validateOutput(candidate, spec, text);
}

/** Validate an already-decoded value (e.g. a provider's native structured output). */
export function validateOutput<T>(
  value: unknown,
  spec: OutputSpec<T>,
  rawText = JSON.stringify(value) ?? "",
): T {
  let candidate = value;
  if (spec.container === "array" && isWrappedArray(candidate)) candidate = candidate.items;
  const result = spec.schema.safeParse(candidate);
  if (result.success) return result.data;
  const issues: SchemaIssue[] = schemaIssues(result.error);
  throw new OutputParseError(
    `The answer does not match the output schema:\n${formatIssues(issues)}\nReply again with a JSON ${spec.container} that fixes these fields.`,
    rawText,
    issues,
  );
}

function isWrappedArray(value: unknown): value is { items: unknown[] } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    Array.isArray((value as { items?: unknown }).items)
  );
}

/** The first JSON value found in `text`, or undefined. */
export function extractJson(text: string): unknown {
  const fenced = FENCE.exec(text);
  if (fenced?.[1] !== undefined) {
    const value = tryParse(fenced[1]);
    if (value !== undefined) return value;
  }
  const whole = tryParse(text.trim());
  if (whole !== undefined && typeof whole === "object") return whole;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== "{" && ch !== "[") continue;
    const end = matchingClose(text, i);
    if (end < 0) continue;
    const value = tryParse(text.slice(i, end + 1));
    if (value !== undefined) return value;
  }
  return undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Index of the bracket closing the one at `start`, skipping strings; -1 if unbalanced. */
function matchingClose(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
