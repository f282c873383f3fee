/**
 * The human-readable log format, for terminals and local development.
 *
 * One line per record — `timestamp LEVEL logger event message {context}` — followed, when the
 * context holds errors, by their stacks indented below it. The context is written as compact
 * JSON without the stacks, and is left out when empty.
 *
 * @example
 * ```text
 * 2025-01-01T00:00:00.000Z ERROR weakincentives.runtime.events event_delivery_failed A handler failed {"error":{"type":"Error","message":"boom"}}
 *     Error: boom
 *         at handler (file:///app/main.js:10:5)
 * ```
 */

interface ParsedRecord {
  readonly timestamp?: unknown;
  readonly level?: unknown;
  readonly logger?: unknown;
  readonly event?: unknown;
  readonly message?: unknown;
  readonly context?: unknown;
}

const INDENT = "    ";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A serialized error (see serializeError) is an object with a string `type` and `stack`. */
function isSerializedError(value: Record<string, unknown>): boolean {
  return typeof value.type === "string" && typeof value.stack === "string";
}

function causeLines(error: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (let cause = error.cause; isRecord(cause); cause = cause.cause) {
    const text = typeof cause.message === "string" ? cause.message : JSON.stringify(cause.value);
    lines.push(`${INDENT}Caused by: ${String(cause.type)}: ${text}`);
  }
  return lines;
}

/** Copy `value` without error stacks, collecting those stacks (and their causes) as lines. */
function splitStacks(value: unknown, stacks: string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => splitStacks(item, stacks));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = splitStacks(item, stacks);
  if (isSerializedError(value)) {
    for (const line of String(value.stack).split("\n")) stacks.push(`${INDENT}${line}`);
    stacks.push(...causeLines(value));
    delete out.stack;
  }
  return out;
}

/** Format one JSON record (see `formatRecord`) as a text line plus any indented stacks. */
export function formatTextRecord(json: string): string {
  const record = JSON.parse(json) as ParsedRecord;
  const stacks: string[] = [];
  const context = splitStacks(record.context ?? {}, stacks);
  const parts = [record.timestamp, record.level, record.logger, record.event, record.message].map(String);
  let line = parts.join(" ");
  if (isRecord(context) && Object.keys(context).length > 0) line += ` ${JSON.stringify(context)}`;
  return stacks.length > 0 ? `${line}\n${stacks.join("\n")}\n` : `${line}\n`;
}
