/**
 * Named, schema-backed data types: the keys of session slices and dispatcher subscriptions.
 *
 * A {@link DataType} pairs a stable name (used in snapshots and logs) with a zod schema (used to
 * validate untrusted data and to restore snapshots). Values made with {@link DataType.create} or
 * {@link DataType.parse} are deep-frozen and remember their type, so `session.dispatch(value)` and
 * `dispatcher.dispatch(value)` route them without a separate type argument.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineType } from "weakincentives";
 *
 * const AddStep = defineType("AddStep", z.object({ step: z.string() }));
 * const event = AddStep.create({ step: "write tests" }); // frozen, typed { step: string }
 * AddStep.is(event); // true
 * ```
 */

import type { z } from "zod";
import { WinkError } from "./errors.js";
import { deepFreeze, parseWith } from "./schema.js";

/** A value created through a {@link DataType}: deep-frozen. */
export type Data<T> = Readonly<T>;

/** A named data type backed by a zod schema. Object-shaped values only. */
export interface DataType<T extends object = object, Name extends string = string> {
  /** Stable name, written into snapshots; unique within a session. */
  readonly name: Name;
  /** Schema used by {@link DataType.parse} and when restoring snapshots. */
  readonly schema: z.ZodType<T>;
  /** Tag and deep-freeze a value that is already typed (no validation: the compiler checked it). */
  create(value: T): Data<T>;
  /** Validate untrusted input, then tag and freeze it. Throws a path-annotated error. */
  parse(input: unknown): Data<T>;
  /** True when `value` was created by this type. */
  is(value: unknown): value is Data<T>;
}

/** The value type of a {@link DataType}. */
export type DataOf<D> = D extends DataType<infer T> ? T : never;

/**
 * The data type of a value, kept on the value itself as a private field. A base constructor that
 * returns another object gives that object the subclass's private fields: the field has no key,
 * is not copied by a spread and never reaches JSON, and adding it costs about what adding a
 * property does, where a WeakMap entry cost ~0.2 µs plus GC work for every event. Values that
 * cannot take a field (not extensible when typed) are kept in {@link UNSTAMPED} instead.
 */
class Returning {
  constructor(value: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the return is what stamps `value`.
    return value;
  }
}

class TypeStamp extends Returning {
  readonly #type: DataType;
  private constructor(value: object, type: DataType) {
    super(value);
    this.#type = type;
  }

  /** Give `value` its type; it must be extensible and not stamped yet. */
  static stamp(value: object, type: DataType): void {
    new TypeStamp(value, type);
  }

  static read(value: object): DataType | undefined {
    return #type in value ? (value as TypeStamp).#type : undefined;
  }
}

const UNSTAMPED = new WeakMap<object, DataType>();
/** Whether {@link UNSTAMPED} ever held anything: until then a lookup that misses skips it. */
let anyUnstamped = false;
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.:/-]{0,127}$/;

/**
 * Define a data type. `name` must start with a letter and use letters, digits and `_ . : / -`
 * (at most 128 characters).
 */
export function defineType<Name extends string, S extends z.ZodType<object>>(
  name: Name,
  schema: S,
): DataType<z.output<S>, Name> {
  if (!NAME_PATTERN.test(name)) {
    throw new WinkError(
      "invalid_argument",
      `Data type name ${JSON.stringify(name)} is invalid: start with a letter and use only letters, digits and "_ . : / -" (max 128).`,
      { details: { name } },
    );
  }
  type T = z.output<S>;
  const type: DataType<T, Name> = {
    name,
    schema: schema as unknown as z.ZodType<T>,
    create(value: T): Data<T> {
      return tag(type, value);
    },
    parse(input: unknown): Data<T> {
      return tag(type, parseWith(schema, input, `${name} value`) as T);
    },
    is(value: unknown): value is Data<T> {
      return typeOf(value) === type;
    },
  };
  return Object.freeze(type);
}

function tag<T extends object>(type: DataType<T>, value: T): Data<T> {
  if (typeof value !== "object" || value === null) {
    throw new WinkError(
      "invalid_argument",
      `${type.name}.create() needs an object, got ${value === null ? "null" : typeof value}. Wrap primitive values in an object.`,
    );
  }
  const existing = typeOf(value);
  if (existing === type) return deepFreeze(value) as Data<T>;
  // One object belongs to one type; re-typing a shared value copies it instead of stealing it.
  const target = existing ? (Array.isArray(value) ? [...value] : { ...value }) : value;
  // Stamped before it is frozen: a frozen object takes no new field.
  if (Object.isExtensible(target)) TypeStamp.stamp(target, erase(type));
  else {
    UNSTAMPED.set(target, erase(type));
    anyUnstamped = true;
  }
  return deepFreeze(target) as Data<T>;
}

/**
 * `type.create(value)` for a value built on a hot path whose object-valued fields are frozen
 * already (an event assembled field by field): stamps it and freezes the top, without walking
 * the fields again. Anything else (a typed or non-extensible value) goes through `create`.
 * @internal
 */
export function createWithFrozenFields<T extends object>(type: DataType<T>, value: T): Data<T> {
  if (!Object.isExtensible(value) || typeOf(value) !== undefined) return type.create(value);
  TypeStamp.stamp(value, erase(type));
  return Object.freeze(value);
}

/**
 * `type` as the untyped key that registries (slices, subscriptions, policies) store. The one
 * place the type parameter is dropped: `DataType<T>` cannot widen to `DataType` on its own,
 * because `create(value: T)` makes it invariant in `T`.
 */
export function erase<T extends object>(type: DataType<T>): DataType {
  return type as unknown as DataType;
}

/**
 * Whether `value`'s type is held on the value itself rather than in {@link UNSTAMPED}: what hot
 * paths aim for, checked by tests.
 * @internal
 */
export function typeStampedOn(value: object): boolean {
  return TypeStamp.read(value) !== undefined;
}

/** The {@link DataType} a value was created with, or undefined for untyped values. */
export function typeOf(value: unknown): DataType | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return TypeStamp.read(value) ?? (anyUnstamped ? UNSTAMPED.get(value) : undefined);
}
