/**
 * The mutable bookkeeping behind a session: slice records, the data types the session knows by
 * name, and reducer registrations. Not exported from the package; `Session` is its only user.
 */

import { type Data, type DataType, erase, typeOf } from "../../data-type.js";
import { WinkError } from "../../errors.js";
import { PromptExecuted, PromptRendered, ToolInvoked } from "../../events/index.js";
import type { Reducer, SliceOp, SlicePolicy, SliceView } from "../slice.js";

/** The frozen empty slice. */
export const EMPTY_ITEMS: readonly object[] = Object.freeze([]);

/**
 * One slice: its policy and its current frozen values. Values appended without a reducer (the
 * telemetry logs, one event per tool call) wait in a list until the slice is next read, so a
 * session that records N events copies them once per read rather than once per event.
 */
export class SliceRecord {
  policy: SlicePolicy;
  /** Starting value reducers see while the slice is empty (from `install`). */
  initial: (() => object) | undefined = undefined;
  /** True once `install` declared the slice. */
  installed = false;
  /** The values as last set or read: frozen, possibly shared with whoever read them. */
  private frozen: readonly object[] = EMPTY_ITEMS;
  /** Values appended since, in order; undefined when there are none. */
  private appended: object[] | undefined = undefined;

  constructor(
    readonly type: DataType,
    policy: SlicePolicy,
  ) {
    this.policy = policy;
  }

  /** The slice's values, frozen. */
  get items(): readonly object[] {
    if (this.appended !== undefined) {
      this.frozen = Object.freeze(this.frozen.concat(this.appended));
      this.appended = undefined;
    }
    return this.frozen;
  }

  set items(values: readonly object[]) {
    this.frozen = values;
    this.appended = undefined;
  }

  /** Add `value` (frozen already) at the end, without copying the slice. */
  append(value: object): void {
    if (this.appended === undefined) this.appended = [value];
    else this.appended.push(value);
  }

  /** How many values the slice holds. */
  get size(): number {
    return this.frozen.length + (this.appended?.length ?? 0);
  }

  /** The last value, without copying the slice. */
  get last(): object | undefined {
    return this.appended === undefined ? this.frozen.at(-1) : this.appended.at(-1);
  }

  /** A record with the same type, policy, initial value and values. */
  copy(): SliceRecord {
    const copy = new SliceRecord(this.type, this.policy);
    copy.initial = this.initial;
    copy.installed = this.installed;
    copy.frozen = this.items;
    return copy;
  }
}

/** A reducer registered for an event type, writing to a slice. */
export interface Registration {
  readonly sliceType: DataType;
  readonly eventType: DataType;
  readonly reducer: Reducer<object, object>;
  readonly name: string;
}

const NO_REGISTRATIONS: readonly Registration[] = Object.freeze([]);

const TELEMETRY: ReadonlySet<DataType> = new Set<DataType>([
  erase(PromptRendered),
  erase(PromptExecuted),
  erase(ToolInvoked),
]);

/** Telemetry types are history (`"log"`); everything else is working state. */
export function defaultPolicy(type: DataType): SlicePolicy {
  return TELEMETRY.has(type) ? "log" : "state";
}

/** Slice records, known types and reducer registrations of one session. */
export class SliceStore {
  private readonly records = new Map<DataType, SliceRecord>();
  private readonly known = new Map<string, DataType>();
  private readonly registrations = new Map<DataType, Registration[]>();

  constructor(private readonly sessionId: string) {}

  /** Remember `type` by name; two different types with one name cannot share a session. */
  know(type: DataType): void {
    const existing = this.known.get(type.name);
    if (existing === type) return;
    if (existing) {
      throw new WinkError(
        "invalid_argument",
        `Two different data types are named "${type.name}" in session ${this.sessionId}. Type names key slices and snapshots, so they must be unique within a session: rename one of them.`,
        { details: { name: type.name, sessionId: this.sessionId } },
      );
    }
    this.known.set(type.name, type);
  }

  /** The known data type called `name`. */
  lookup(name: string): DataType | undefined {
    return this.known.get(name);
  }

  /** The record of `type`'s slice, if the session has one. */
  get(type: DataType): SliceRecord | undefined {
    return this.records.get(type);
  }

  /** The record of `type`'s slice, created empty (with its default policy) if needed. */
  ensure(type: DataType, policy?: SlicePolicy): SliceRecord {
    let record = this.records.get(type);
    if (!record) {
      this.know(type);
      record = new SliceRecord(type, policy ?? defaultPolicy(type));
      this.records.set(type, record);
    }
    return record;
  }

  /** Every slice record, in creation order. */
  all(): IterableIterator<SliceRecord> {
    return this.records.values();
  }

  /** Reducers registered for `eventType`, in registration order. */
  reducersFor(eventType: DataType): readonly Registration[] {
    return this.registrations.get(eventType) ?? NO_REGISTRATIONS;
  }

  /** Register a reducer (after checking both type names). */
  addReducer(registration: Registration): void {
    this.know(registration.eventType);
    this.ensure(registration.sliceType);
    const list = this.registrations.get(registration.eventType) ?? [];
    this.registrations.set(registration.eventType, [...list, registration]);
  }

  /** Copy every record (sharing the frozen values), known type and registration of `other`. */
  copyFrom(other: SliceStore): void {
    for (const [name, type] of other.known) this.known.set(name, type);
    for (const [type, record] of other.records) this.records.set(type, record.copy());
    for (const [type, list] of other.registrations) this.registrations.set(type, [...list]);
  }
}

/** Tag and check the values a reducer or an event produced for `type`'s slice. */
export function normalizeItems(type: DataType, items: readonly unknown[], origin: string): readonly object[] {
  return Object.freeze(items.map((item, index) => normalizeItem(type, item, `${origin} item [${index}]`)));
}

function normalizeItem(type: DataType, item: unknown, where: string): object {
  if (typeof item !== "object" || item === null) {
    throw new WinkError(
      "invalid_argument",
      `${where} for slice ${type.name} is ${item === null ? "null" : typeof item}; slice values are objects made with ${type.name}.create(...).`,
      { details: { sliceType: type.name } },
    );
  }
  if (type.is(item)) return item;
  const foreign = typeOf(item)?.name;
  if (foreign !== undefined) {
    throw new WinkError(
      "invalid_argument",
      `${where} for slice ${type.name} is a ${foreign} value; return ${type.name} values (${type.name}.create(...)).`,
      { details: { sliceType: type.name, itemType: foreign } },
    );
  }
  // Plain objects are adopted by the slice's type: tagged and deep-frozen, as create() does.
  return type.create(item);
}

/**
 * Apply a reducer's `operation` to `record`, whose values the reducer saw, or `seeded` (the
 * initial value an empty slice starts from) when given. Appends go on the record's list without
 * copying the slice (it is copied once per read, not once per event); other operations rebuild it.
 */
export function applyOpTo(
  record: SliceRecord,
  operation: SliceOp<object>,
  seeded: readonly object[] | undefined,
  origin: string,
): void {
  const kind = operation?.kind;
  if (kind === "append" || kind === "extend") {
    // Checked before anything changes: an invalid item leaves the slice as it was.
    const items = normalizeItems(record.type, kind === "append" ? [operation.item] : operation.items, origin);
    if (seeded !== undefined) record.items = seeded;
    for (const item of items) record.append(item);
    return;
  }
  record.items = applyOp(record.type, seeded ?? record.items, operation, origin);
}

/**
 * What a reducer sees of `record`: its size and latest value read at once, its values copied
 * only when the reducer asks for them (`appendAll` never does). Valid for the reducer's call.
 */
export class RecordView implements SliceView<object> {
  readonly length: number;
  private readonly newest: object | undefined;
  private values: readonly object[] | undefined = undefined;

  constructor(private readonly record: SliceRecord) {
    this.length = record.size;
    this.newest = record.last;
  }

  get isEmpty(): boolean {
    return this.length === 0;
  }

  latest(): object | undefined {
    return this.newest;
  }

  all(): readonly object[] {
    this.values ??= this.record.items;
    return this.values;
  }

  where(predicate: (item: object) => boolean): readonly object[] {
    return Object.freeze(this.all().filter((item) => predicate(item)));
  }

  exists(predicate?: (item: object) => boolean): boolean {
    return predicate ? this.all().some((item) => predicate(item)) : this.length > 0;
  }

  [Symbol.iterator](): Iterator<object> {
    return this.all()[Symbol.iterator]();
  }
}

/** The values of `type`'s slice after applying `operation` to `base`. */
export function applyOp(
  type: DataType,
  base: readonly object[],
  operation: SliceOp<object>,
  origin: string,
): readonly object[] {
  switch (operation?.kind) {
    case "append":
      return Object.freeze([...base, ...normalizeItems(type, [operation.item], origin)]);
    case "extend":
      return Object.freeze([...base, ...normalizeItems(type, operation.items, origin)]);
    case "replace":
      return normalizeItems(type, operation.items, origin);
    case "clear": {
      const predicate = operation.predicate;
      return predicate ? Object.freeze(base.filter((item) => !predicate(item as Data<object>))) : EMPTY_ITEMS;
    }
    default:
      throw new WinkError(
        "invalid_argument",
        `${origin} returned ${describeReturned(operation)} instead of a slice operation; return op.append(...), op.extend(...), op.replace(...) or op.clear(...).`,
        { details: { sliceType: type.name } },
      );
  }
}

function describeReturned(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value !== "object") return typeof value;
  const kind = (value as { kind?: unknown }).kind;
  return kind === undefined
    ? "an object without a kind"
    : `an operation of unknown kind ${JSON.stringify(kind)}`;
}
