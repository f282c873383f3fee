/**
 * W3C trace context ids from what a request envelope carries. Senders use W3C ids (32 and 16
 * hex characters), sometimes upper-case, and sometimes a UUID as the trace id; all are read.
 */

import { randomBytes } from "node:crypto";

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZEROS = /^0+$/;

/** The W3C trace id `id` stands for (lower-case hex, or a UUID's 32 hex digits), or `undefined` when invalid. */
export function traceIdOf(id: unknown): string | undefined {
  if (typeof id !== "string") return undefined;
  const lower = id.toLowerCase();
  const hex = UUID.test(lower) ? lower.replaceAll("-", "") : lower;
  return TRACE_ID.test(hex) && !ZEROS.test(hex) ? hex : undefined;
}

/** The W3C span id `id` stands for (lower-case hex), or `undefined` when invalid. */
export function spanIdOf(id: unknown): string | undefined {
  if (typeof id !== "string") return undefined;
  const lower = id.toLowerCase();
  return SPAN_ID.test(lower) && !ZEROS.test(lower) ? lower : undefined;
}

/** A fresh random span id, never all zeros. */
export function randomSpanId(): string {
  let id = randomBytes(8).toString("hex");
  while (ZEROS.test(id)) id = randomBytes(8).toString("hex");
  return id;
}
