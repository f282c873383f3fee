/**
 * A small generator of sample values that satisfy a JSON Schema, so the scripted model server's
 * policy mode can call tools and produce structured output with no script. It covers what
 * `z.toJSONSchema` and hand-written tool schemas use in practice: `type` (also as a list),
 * `const`, `enum`, `default`, local `$ref`s, `anyOf` / `oneOf` (first option), `allOf`, object
 * `required`, string length and common `format`s, numeric bounds and `multipleOf`, array
 * `minItems` / `prefixItems`. It does not solve `pattern`s or `not`.
 *
 * @example
 * ```ts
 * import { sampleJsonSchema } from "weakincentives/testing";
 *
 * sampleJsonSchema({ type: "object", properties: { n: { type: "integer", minimum: 3 } }, required: ["n"] });
 * // { n: 3 }
 * ```
 */

import type { JsonSchema } from "../../schema.js";
import { isObject } from "./protocol.js";

const MAX_DEPTH = 12;

const FORMAT_SAMPLES: Readonly<Record<string, string>> = {
  email: "user@example.com",
  "idn-email": "user@example.com",
  uri: "https://example.com/",
  url: "https://example.com/",
  "uri-reference": "https://example.com/",
  iri: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
  "date-time": "2025-01-01T00:00:00.000Z",
  date: "2025-01-01",
  time: "00:00:00",
  duration: "PT1S",
  ipv4: "127.0.0.1",
  ipv6: "::1",
  hostname: "example.com",
};

/** Resolve a local `$ref` (`#/$defs/x`, `#/definitions/x`, `#`) against the root schema. */
function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObject(node) ? node[key] : undefined;
  }
  return isObject(node) ? node : undefined;
}

function firstType(schema: JsonSchema): string | undefined {
  const { type } = schema;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === "string");
    return types.find((t) => t !== "null") ?? types[0];
  }
  if (isObject(schema.properties) || schema.required !== undefined) return "object";
  if (schema.items !== undefined || schema.prefixItems !== undefined) return "array";
  return undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function sampleNumber(schema: JsonSchema, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  const exMin = num(schema.exclusiveMinimum);
  const exMax = num(schema.exclusiveMaximum);
  const min = num(schema.minimum) ?? (exMin === undefined ? undefined : exMin + step);
  const max = num(schema.maximum) ?? (exMax === undefined ? undefined : exMax - step);
  let value = min ?? (max === undefined ? 1 : Math.min(max, 1));
  if (integer) value = min === undefined ? Math.floor(value) : Math.ceil(value);
  const multipleOf = num(schema.multipleOf);
  if (multipleOf !== undefined && multipleOf > 0) value = Math.ceil(value / multipleOf) * multipleOf;
  return value;
}

function sampleString(schema: JsonSchema): string {
  const format = typeof schema.format === "string" ? FORMAT_SAMPLES[schema.format] : undefined;
  let value = format ?? "sample";
  const minLength = num(schema.minLength) ?? 0;
  const maxLength = num(schema.maxLength);
  if (value.length < minLength) value = value.padEnd(minLength, "x");
  if (maxLength !== undefined && value.length > maxLength) value = value.slice(0, maxLength);
  return value;
}

function mergeAll(parts: readonly unknown[]): unknown {
  const objectParts = parts.filter(isObject);
  if (objectParts.length === parts.length && objectParts.length > 0) return Object.assign({}, ...objectParts);
  return parts[parts.length - 1];
}

function sample(schema: unknown, root: JsonSchema, depth: number): unknown {
  if (schema === true || !isObject(schema)) return {};
  if (depth > MAX_DEPTH) return null;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ("default" in schema) return schema.default;
  if (typeof schema.$ref === "string") {
    const target = resolveRef(schema.$ref, root);
    const { $ref: _ref, ...rest } = schema;
    return target ? sample({ ...target, ...rest }, root, depth + 1) : {};
  }
  const options = Array.isArray(schema.anyOf) ? schema.anyOf : schema.oneOf;
  if (Array.isArray(options) && options.length > 0) {
    const nonNull = options.find((o) => !(isObject(o) && o.type === "null")) ?? options[0];
    return sample(nonNull, root, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const { allOf, ...rest } = schema;
    const own = Object.keys(rest).length > 0 ? [sample(rest, root, depth + 1)] : [];
    return mergeAll([...own, ...allOf.map((part) => sample(part, root, depth + 1))]);
  }
  switch (firstType(schema)) {
    case "object":
      return sampleObject(schema, root, depth);
    case "array":
      return sampleArray(schema, root, depth);
    case "string":
      return sampleString(schema);
    case "integer":
      return sampleNumber(schema, true);
    case "number":
      return sampleNumber(schema, false);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return {};
  }
}

function sampleObject(schema: JsonSchema, root: JsonSchema, depth: number): Record<string, unknown> {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((k): k is string => typeof k === "string")
    : [];
  const out: Record<string, unknown> = {};
  for (const key of required) out[key] = sample(properties[key] ?? {}, root, depth + 1);
  const minProperties = num(schema.minProperties) ?? 0;
  for (const key of Object.keys(properties)) {
    if (Object.keys(out).length >= minProperties) break;
    if (!(key in out)) out[key] = sample(properties[key], root, depth + 1);
  }
  return out;
}

function sampleArray(schema: JsonSchema, root: JsonSchema, depth: number): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const out = prefix.map((item) => sample(item, root, depth + 1));
  const minItems = num(schema.minItems) ?? 0;
  while (out.length < minItems) out.push(sample(schema.items ?? {}, root, depth + 1));
  return out;
}

/**
 * A value that satisfies `schema` (for the features listed in the module doc). `true` or an
 * empty schema yields `{}`.
 */
export function sampleJsonSchema(schema: JsonSchema | boolean): unknown {
  if (typeof schema === "boolean") return {};
  return sample(schema, schema, 0);
}
