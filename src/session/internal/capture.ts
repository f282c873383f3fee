/**
 * Saving a session's slices and putting them back: the slices a {@link Snapshot} holds, the
 * all-or-nothing restore of one, and the cheaper checkpoints of STATE slices that the tool
 * executor rolls back to. Not exported from the package; `Session` is its only user.
 */

import type { DataType } from "../../data-type.js";
import { SnapshotRestoreError, WinkError } from "../../errors.js";
import type { RestoreOptions } from "../options.js";
import type { Session } from "../session.js";
import type { SlicePolicy } from "../slice.js";
import type { Snapshot, SnapshotSlice } from "../snapshot.js";
import { log } from "./log.js";
import { EMPTY_ITEMS, type SliceRecord, type SliceStore } from "./store.js";

const STATE_ONLY: readonly SlicePolicy[] = Object.freeze(["state"]);
const STATE_AND_LOG: readonly SlicePolicy[] = Object.freeze(["state", "log"]);
/** What a checkpoint of a session without STATE slices holds. */
const NOTHING_SAVED: ReadonlyMap<SliceRecord, readonly object[]> = new Map();

/**
 * A rollback point of a session's STATE slices (see {@link Session.checkpoint}). Opaque.
 * @internal
 */
export interface SessionCheckpoint {
  readonly session: Session;
  /** Each STATE slice's record and its frozen values at the checkpoint. */
  readonly saved: ReadonlyMap<SliceRecord, readonly object[]>;
}

/** The policies a snapshot covers: STATE, and LOG too with `includeLogs`. */
export function snapshotPolicies(includeLogs: boolean): readonly SlicePolicy[] {
  return includeLogs ? STATE_AND_LOG : STATE_ONLY;
}

/** The STATE slices of `store` (and LOG slices too with `includeLogs`), as a snapshot holds them. */
export function snapshotSlices(store: SliceStore, includeLogs: boolean): SnapshotSlice[] {
  // A plain loop and shared frozen lists: the tool executor takes one before every tool call.
  const slices: SnapshotSlice[] = [];
  for (const record of store.all()) {
    if (record.policy === "state" || (includeLogs && record.policy === "log")) {
      slices.push({
        type: record.type.name,
        dataType: record.type,
        policy: record.policy,
        items: record.items,
      });
    }
  }
  return slices;
}

/** The current values of `session`'s STATE slices (held in `store`), without copying them. */
export function takeCheckpoint(session: Session, store: SliceStore): SessionCheckpoint {
  let saved: Map<SliceRecord, readonly object[]> | undefined;
  for (const record of store.all()) {
    if (record.policy !== "state") continue;
    saved ??= new Map();
    saved.set(record, record.items);
  }
  return { session, saved: saved ?? NOTHING_SAVED };
}

/**
 * Put `checkpoint` back on `session` (whose slices `store` holds): every STATE slice gets the
 * values it had then, or none when it was made since. Throws for another session's checkpoint.
 */
export function rollbackTo(session: Session, store: SliceStore, checkpoint: SessionCheckpoint): void {
  if (checkpoint.session !== session) {
    throw new WinkError(
      "invalid_argument",
      `rollback() got a checkpoint of session ${checkpoint.session.sessionId}, not of ${session.sessionId}. Roll a session back only to its own checkpoints.`,
    );
  }
  for (const record of store.all()) {
    if (record.policy === "state") record.items = checkpoint.saved.get(record) ?? EMPTY_ITEMS;
  }
}

/**
 * Put the slices captured in `snapshot` back into `store` (the slices of session `sessionId`);
 * see {@link Session.restore}. Everything is validated before anything is written.
 */
export function restoreSlices(
  store: SliceStore,
  snapshot: Snapshot,
  options: RestoreOptions,
  sessionId: string,
): void {
  const plan = planRestore(store, snapshot, {
    preserveLogs: options.preserveLogs ?? true,
    types: options.types ?? [],
    sessionId,
  });
  for (const step of plan) store.ensure(step.type, step.policy).items = step.items;
  log.debug("session.restore", "Session restored from a snapshot.", {
    sessionId,
    snapshotSessionId: snapshot.sessionId,
    slices: plan.map((step) => step.type.name),
  });
}

/** One slice a restore will overwrite. */
interface RestoreStep {
  readonly type: DataType;
  readonly policy: SlicePolicy;
  readonly items: readonly object[];
}

/** Inputs of {@link planRestore}. */
interface RestorePlanOptions {
  readonly preserveLogs: boolean;
  readonly types: readonly DataType[];
  readonly sessionId: string;
}

/**
 * Resolve and validate everything a restore writes before anything is written. Slices of a
 * policy the snapshot covers but that it does not hold become empty; LOG slices are skipped when
 * `preserveLogs` is set.
 */
function planRestore(store: SliceStore, snapshot: Snapshot, options: RestorePlanOptions): RestoreStep[] {
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
