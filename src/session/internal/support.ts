/**
 * Helpers behind `Session`: tag normalization, typed values carried by telemetry events, and
 * the all-or-nothing plan a restore applies. Not exported from the package.
 */

import { type DataType, erase, typeOf } from "../../data-type.js";
import { SnapshotRestoreError } from "../../errors.js";
import { PromptExecuted, ToolInvoked } from "../../events/index.js";
import type { SlicePolicy } from "../slice.js";
import type { Snapshot, SnapshotSlice } from "../snapshot.js";
import { EMPTY_ITEMS, type SliceStore } from "./store.js";

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

/** One slice a restore will overwrite. */
export interface RestoreStep {
  readonly type: DataType;
  readonly policy: SlicePolicy;
  readonly items: readonly object[];
}

/** Inputs of {@link planRestore}. */
export interface RestorePlanOptions {
  readonly preserveLogs: boolean;
  readonly types: readonly DataType[];
  readonly sessionId: string;
}

/**
 * Resolve and validate everything a restore writes before anything is written. Slices of a
 * policy the snapshot covers but that it does not hold become empty; LOG slices are skipped when
 * `preserveLogs` is set.
 */
export function planRestore(
  store: SliceStore,
  snapshot: Snapshot,
  options: RestorePlanOptions,
): RestoreStep[] {
  const extra = new Map(options.types.map((type) => [type.name, type]));
  const covered = new Set<SlicePolicy>(snapshot.policies);
  const seen = new Set<DataType>();
  const steps: RestoreStep[] = [];
  for (const slice of snapshot.slices) {
    const type = store.lookup(slice.type) ?? extra.get(slice.type);
    if (!type) {
      throw new SnapshotRestoreError(
        `Snapshot slice "${slice.type}" has no data type in session ${options.sessionId}. Install it (session.install(${slice.type})) or pass it in restore(snapshot, { types: [${slice.type}] }).`,
        { details: { type: slice.type, sessionId: options.sessionId } },
      );
    }
    seen.add(type);
    const policy = store.get(type)?.policy ?? slice.policy;
    if (policy === "log" && options.preserveLogs) continue;
    steps.push({ type, policy, items: restoredItems(type, slice) });
  }
  for (const record of store.all()) {
    if (seen.has(record.type) || !covered.has(record.policy)) continue;
    if (record.policy === "log" && options.preserveLogs) continue;
    steps.push({ type: record.type, policy: record.policy, items: EMPTY_ITEMS });
  }
  return steps;
}

function restoredItems(type: DataType, slice: SnapshotSlice): readonly object[] {
  // Values captured from a session are reused as they are, so an in-memory restore is exact.
  if (Object.isFrozen(slice.items) && slice.items.every((item) => type.is(item))) {
    return slice.items as readonly object[];
  }
  return Object.freeze(
    slice.items.map((item, index) => {
      try {
        return type.parse(item);
      } catch (error) {
        throw new SnapshotRestoreError(
          `Snapshot slice "${slice.type}" item [${index}] is not a valid ${type.name}: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error, details: { type: slice.type, index } },
        );
      }
    }),
  );
}
