/**
 * Session snapshots: an immutable capture of slices, restorable in memory exactly and
 * serializable as one JSON line (so many snapshots make a JSONL file).
 *
 * A snapshot taken from a session keeps the very frozen values of its slices, so restoring it
 * is exact and cheap. A snapshot read back with {@link Snapshot.parse} holds plain JSON; restoring
 * it validates every value through its data type's schema.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineType } from "weakincentives";
 * import { Session, Snapshot } from "weakincentives/runtime";
 *
 * const Plan = defineType("Plan", z.object({ steps: z.array(z.string()) }));
 * const session = new Session();
 * session.slice(Plan).seed([{ steps: ["write tests"] }]);
 * const line = session.snapshot().serialize();      // one JSON line
 * const fresh = new Session();
 * fresh.restore(Snapshot.parse(line), { types: [Plan] }); // validated through Plan.schema
 * ```
 */

import { z } from "zod";
import type { DataType } from "../data-type.js";
import { describeThrown, SnapshotSerializationError } from "../errors.js";
import { deepFreeze, formatIssues, schemaIssues } from "../schema.js";
import type { SlicePolicy } from "./slice.js";

/** The snapshot format version this build writes and reads. */
export const SNAPSHOT_VERSION = "1";

/** One captured slice. */
export interface SnapshotSlice {
  /** Name of the slice's data type (the key used in JSON). */
  readonly type: string;
  /** The data type itself; set on snapshots taken from a session, absent on parsed ones. */
  readonly dataType?: DataType | undefined;
  /** The slice's policy when it was captured. */
  readonly policy: SlicePolicy;
  /** The values, oldest first: frozen data values, or plain JSON on parsed snapshots. */
  readonly items: readonly unknown[];
}

/** The JSON form of a {@link Snapshot}. */
export interface SnapshotJson {
  readonly version: string;
  /** ISO-8601 UTC time the snapshot was taken. */
  readonly createdAt: string;
  readonly sessionId: string;
  readonly parentId: string | null;
  readonly childrenIds: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** Which slice policies the snapshot covers; restore leaves the others alone. */
  readonly policies: readonly SlicePolicy[];
  readonly slices: readonly {
    readonly type: string;
    readonly policy: SlicePolicy;
    readonly items: readonly unknown[];
  }[];
}

/** Everything needed to build a {@link Snapshot}. */
export interface SnapshotInit {
  /** ISO-8601 UTC time the snapshot was taken. */
  createdAt: string;
  sessionId: string;
  parentId?: string | undefined;
  childrenIds?: readonly string[];
  tags?: Readonly<Record<string, string>>;
  /** Default `["state"]`. */
  policies?: readonly SlicePolicy[];
  slices: readonly SnapshotSlice[];
}

const PolicySchema = z.enum(["state", "log"]);
const NO_IDS: readonly string[] = Object.freeze([]);
const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});
const STATE_ONLY: readonly SlicePolicy[] = Object.freeze(["state"]);

function frozen<T>(list: readonly T[]): readonly T[] {
  return Object.isFrozen(list) ? list : Object.freeze([...list]);
}

const SnapshotJsonSchema = z.object({
  version: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  sessionId: z.string().min(1),
  parentId: z.string().min(1).nullable(),
  childrenIds: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
  policies: z.array(PolicySchema),
  slices: z.array(z.object({ type: z.string().min(1), policy: PolicySchema, items: z.array(z.unknown()) })),
});

/** An immutable capture of a session's slices, with the session's identity as metadata. */
export class Snapshot {
  /** Format version; see {@link SNAPSHOT_VERSION}. */
  readonly version: string = SNAPSHOT_VERSION;
  /** ISO-8601 UTC time the snapshot was taken. */
  readonly createdAt: string;
  /** Id of the session it was taken from. */
  readonly sessionId: string;
  /** Id of that session's parent, if it had one. */
  readonly parentId: string | undefined;
  /** Ids of that session's children when the snapshot was taken. */
  readonly childrenIds: readonly string[];
  /** That session's tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** Which slice policies the snapshot covers. */
  readonly policies: readonly SlicePolicy[];
  /** The captured slices. */
  readonly slices: readonly SnapshotSlice[];

  /** Build a snapshot; normally you get one from `session.snapshot()` or {@link Snapshot.parse}. */
  constructor(init: SnapshotInit) {
    this.createdAt = init.createdAt;
    this.sessionId = init.sessionId;
    this.parentId = init.parentId;
    // Frozen inputs are kept as they are (nobody can change them); others are copied.
    this.childrenIds = frozen(init.childrenIds ?? NO_IDS);
    const tags = init.tags ?? NO_TAGS;
    this.tags = Object.isFrozen(tags) ? tags : Object.freeze({ ...tags });
    this.policies = frozen(init.policies ?? STATE_ONLY);
    const slices: SnapshotSlice[] = [];
    for (const slice of init.slices)
      slices.push(Object.isFrozen(slice) ? slice : Object.freeze({ ...slice }));
    this.slices = Object.freeze(slices);
    Object.freeze(this);
  }

  /** The captured values of the slice of `type` (a data type or its name), or undefined. */
  itemsOf(type: DataType | string): readonly unknown[] | undefined {
    const name = typeof type === "string" ? type : type.name;
    return this.slices.find((slice) => slice.type === name)?.items;
  }

  /** The JSON form (also what `JSON.stringify(snapshot)` writes). */
  toJSON(): SnapshotJson {
    return {
      version: this.version,
      createdAt: this.createdAt,
      sessionId: this.sessionId,
      parentId: this.parentId ?? null,
      childrenIds: this.childrenIds,
      tags: this.tags,
      policies: this.policies,
      slices: this.slices.map((slice) => ({ type: slice.type, policy: slice.policy, items: slice.items })),
    };
  }

  /**
   * The snapshot as a single JSON line (no newline). Throws {@link SnapshotSerializationError}
   * naming the slice and value that JSON cannot represent.
   */
  serialize(): string {
    try {
      return JSON.stringify(this);
    } catch (error) {
      throw new SnapshotSerializationError(
        `Snapshot of session ${this.sessionId} cannot be serialized: ${this.locateUnserializable()}: ${describeThrown(error)}. Keep slice values JSON-compatible (no bigint, no cycles).`,
        { cause: error, details: { sessionId: this.sessionId } },
      );
    }
  }

  /**
   * Read a snapshot written by {@link Snapshot.serialize}. Throws {@link SnapshotSerializationError}
   * for malformed JSON, a wrong shape or an unsupported version.
   */
  static parse(line: string): Snapshot {
    return parseLine(line, 1);
  }

  private locateUnserializable(): string {
    for (const slice of this.slices) {
      for (const [index, item] of slice.items.entries()) {
        try {
          JSON.stringify(item);
        } catch {
          return `slice "${slice.type}" item [${index}]`;
        }
      }
    }
    return "the snapshot metadata";
  }
}

function parseLine(line: string, lineNumber: number): Snapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    throw new SnapshotSerializationError(
      `Snapshot line ${lineNumber} is not valid JSON (${describeThrown(error)}). Each line must be one snapshot written by Snapshot.serialize().`,
      { cause: error, details: { lineNumber } },
    );
  }
  const version =
    typeof raw === "object" && raw !== null ? (raw as { version?: unknown }).version : undefined;
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotSerializationError(
      `Snapshot line ${lineNumber} has version ${JSON.stringify(version) ?? "undefined"}; this build reads version "${SNAPSHOT_VERSION}". Re-create the snapshot with this version of weakincentives.`,
      { details: { lineNumber, version } },
    );
  }
  const parsed = SnapshotJsonSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SnapshotSerializationError(
      `Snapshot line ${lineNumber} is not a valid snapshot:\n${formatIssues(schemaIssues(parsed.error))}\nFix the fields at the paths above.`,
      { details: { lineNumber } },
    );
  }
  const data = parsed.data;
  const seen = new Set<string>();
  for (const slice of data.slices) {
    if (seen.has(slice.type)) {
      throw new SnapshotSerializationError(
        `Snapshot line ${lineNumber} holds the slice "${slice.type}" twice; a snapshot has one entry per data type.`,
        { details: { lineNumber, type: slice.type } },
      );
    }
    seen.add(slice.type);
  }
  return new Snapshot({
    createdAt: data.createdAt,
    sessionId: data.sessionId,
    parentId: data.parentId ?? undefined,
    childrenIds: data.childrenIds,
    tags: data.tags,
    policies: data.policies,
    slices: data.slices.map((slice) => ({
      type: slice.type,
      policy: slice.policy,
      items: deepFreeze(slice.items),
    })),
  });
}

/** Serialize snapshots as JSONL: one snapshot per line, each line ending with a newline. */
export function snapshotsToJsonl(snapshots: Iterable<Snapshot>): string {
  let out = "";
  for (const snapshot of snapshots) out += `${snapshot.serialize()}\n`;
  return out;
}

/**
 * Read snapshots written by {@link snapshotsToJsonl}. Blank lines are skipped; a bad line raises
 * {@link SnapshotSerializationError} naming its 1-based line number.
 */
export function snapshotsFromJsonl(text: string): Snapshot[] {
  const snapshots: Snapshot[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() !== "") snapshots.push(parseLine(line, index + 1));
  }
  return snapshots;
}
