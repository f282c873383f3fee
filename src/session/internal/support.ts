/**
 * Helpers behind `Session`: checks of its constructor options, tag normalization, and the typed
 * values carried by telemetry events. Not exported from the package.
 */

import { type DataType, erase, typeOf } from "../../data-type.js";
import { WinkError } from "../../errors.js";
import { PromptExecuted, ToolInvoked } from "../../events/index.js";
import { EMPTY_ITEMS } from "./store.js";

/** Throw unless `sessionId` is a non-empty string that differs from the parent's id. */
export function checkSessionId(sessionId: string, parent: { readonly sessionId: string } | undefined): void {
  if (typeof sessionId !== "string" || sessionId.trim() === "") {
    throw new WinkError(
      "invalid_argument",
      "sessionId must be a non-empty string; omit it for a random UUID.",
    );
  }
  if (parent && parent.sessionId === sessionId) {
    throw new WinkError(
      "invalid_argument",
      `Session ${sessionId} cannot be its own parent: the parent has the same sessionId. Give the child its own id (omit sessionId for a random UUID).`,
      { details: { sessionId } },
    );
  }
}

/** Throw unless `createdAt` is a valid Date. */
export function checkCreatedAt(createdAt: Date): void {
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw new WinkError("invalid_argument", `createdAt must be a valid Date, got ${String(createdAt)}.`);
  }
}

/** Tags as a frozen string-to-string record; `undefined` values are dropped. */
export function normalizeTags(
  tags: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (value !== undefined) out[key] = String(value);
  }
  return Object.freeze(out);
}

/** A short description of a value that is not a typed event. */
export function describeUntyped(value: unknown): string {
  if (value === null || typeof value !== "object") return value === null ? "null" : `a ${typeof value}`;
  if (Array.isArray(value)) return "an untyped array";
  const keys = Object.keys(value);
  const shown = keys.slice(0, 5).join(", ") + (keys.length > 5 ? ", ..." : "");
  return keys.length === 0 ? "an untyped empty object" : `an untyped object with keys ${shown}`;
}

/**
 * Typed values an event carries into state: the `value` of a successful `ToolInvoked` result,
 * and a `PromptExecuted` output (or each typed item of an output array).
 */
export function carriedValues(event: object, type: DataType): readonly object[] {
  if (type === erase(ToolInvoked)) {
    const { success, result } = event as { success: boolean; result: unknown };
    if (!success || typeof result !== "object" || result === null) return EMPTY_ITEMS;
    const value = (result as { value?: unknown }).value;
    return typeOf(value) ? [value as object] : EMPTY_ITEMS;
  }
  if (type === erase(PromptExecuted)) {
    const output = (event as { result: { output?: unknown } }).result.output;
    if (typeOf(output)) return [output as object];
    if (Array.isArray(output)) return output.filter((item): item is object => typeOf(item) !== undefined);
  }
  return EMPTY_ITEMS;
}
