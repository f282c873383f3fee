/**
 * Deep redaction of secrets in any value, before it is logged or written to a debug bundle.
 *
 * A value under a secret-named key (see {@link isSecretKey}) is replaced whole; every other
 * string, object key, error message and stack goes through {@link redactText}. The input is never
 * mutated: a redacted copy comes back with the same shape, cycles included.
 *
 * @example
 * ```ts
 * import { redact } from "weakincentives/secrets";
 *
 * redact({ user: "ada", apiKey: "abc123", note: "token=xyz", inputTokens: 1200 });
 * // { user: "ada", apiKey: "[REDACTED]", note: "token=[REDACTED]", inputTokens: 1200 }
 * ```
 */

import { isSecretKey } from "./keys.js";
import { redactText } from "./patterns.js";
import { REDACTED } from "./registry.js";

export { isSecretKey } from "./keys.js";
export { redactText } from "./patterns.js";
export { clearRegisteredSecrets, MIN_SECRET_LENGTH, REDACTED, registerSecret } from "./registry.js";

/** Booleans and empty values say nothing about a secret, so they survive under a secret key. */
function hidesUnderKey(value: unknown): boolean {
  return value !== null && value !== undefined && typeof value !== "boolean";
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

class Redactor {
  // Maps each visited object to its copy, so shared references and cycles keep their shape.
  private readonly copies = new WeakMap<object, unknown>();

  value(input: unknown): unknown {
    if (typeof input === "string") return redactText(input);
    if (typeof input !== "object" || input === null) return input;
    const known = this.copies.get(input);
    if (known !== undefined) return known;
    if (Array.isArray(input)) return this.array(input);
    if (input instanceof Error) return this.error(input);
    if (input instanceof Map) return this.map(input);
    if (input instanceof Set) return this.set(input);
    if (input instanceof Date || ArrayBuffer.isView(input) || input instanceof ArrayBuffer) return input;
    if (input instanceof RegExp) return input;
    return this.record(input, isPlainObject(input) ? Object.getPrototypeOf(input) : Object.prototype);
  }

  private array(input: readonly unknown[]): unknown[] {
    const out: unknown[] = [];
    this.copies.set(input, out);
    for (const item of input) out.push(this.value(item));
    return out;
  }

  private entry(key: string, value: unknown): [string, unknown] {
    return [redactText(key), isSecretKey(key) && hidesUnderKey(value) ? REDACTED : this.value(value)];
  }

  private record(input: object, proto: object | null): Record<string, unknown> {
    const out = Object.create(proto) as Record<string, unknown>;
    this.copies.set(input, out);
    for (const [key, value] of Object.entries(input)) {
      const [k, v] = this.entry(key, value);
      out[k] = v;
    }
    return out;
  }

  private map(input: ReadonlyMap<unknown, unknown>): Map<unknown, unknown> {
    const out = new Map<unknown, unknown>();
    this.copies.set(input, out);
    for (const [key, value] of input) {
      if (typeof key === "string") out.set(...this.entry(key, value));
      else out.set(this.value(key), this.value(value));
    }
    return out;
  }

  private set(input: ReadonlySet<unknown>): Set<unknown> {
    const out = new Set<unknown>();
    this.copies.set(input, out);
    for (const item of input) out.add(this.value(item));
    return out;
  }

  private error(input: Error): Error {
    // Same prototype, so `instanceof` and `name` still hold for the copy.
    const out = Object.create(Object.getPrototypeOf(input) as object) as Error & Record<string, unknown>;
    this.copies.set(input, out);
    const define = (key: string, value: unknown): void => {
      Object.defineProperty(out, key, { value, writable: true, configurable: true, enumerable: false });
    };
    define("message", redactText(input.message));
    if (input.stack !== undefined) define("stack", redactText(input.stack));
    if (input.cause !== undefined) define("cause", this.value(input.cause));
    for (const [key, value] of Object.entries(input)) {
      const [k, v] = this.entry(key, value);
      out[k] = v;
    }
    return out;
  }
}

/**
 * A deep copy of `value` with every secret replaced by `[REDACTED]`:
 * - values under secret-named keys (`apiKey`, `password`, `authorization`, `githubToken`…),
 *   except `null`, `undefined` and booleans, which reveal nothing;
 * - secrets inside any string, object key, error message or stack (see {@link redactText}).
 *
 * Arrays, plain objects, Maps, Sets and errors keep their shape (errors keep their prototype);
 * other class instances come back as plain objects of their own enumerable fields, as
 * `JSON.stringify` would see them; Dates and binary buffers are returned as they are. Cycles and
 * shared references are preserved. The input is never mutated.
 */
export function redact<T>(value: T): T;
export function redact(value: unknown): unknown {
  if (isPrimitiveRecord(value)) return redactPrimitives(value);
  return new Redactor().value(value);
}

/** A plain object whose own fields hold no objects: a log context, mostly. */
function isPrimitiveRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null) return false;
  }
  return true;
}

/** {@link Redactor.value} for a record of primitives, without the bookkeeping nesting needs. */
function redactPrimitives(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const item = value[key];
    out[redactText(key)] =
      isSecretKey(key) && hidesUnderKey(item) ? REDACTED : typeof item === "string" ? redactText(item) : item;
  }
  return out;
}
