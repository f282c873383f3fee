/**
 * JSON Schema shapes the agent loops send: tool inputs and structured output must be object
 * schemas without a `$schema` dialect line. Shared by the Anthropic Messages adapter (tool input
 * schemas, the output tool) and the Claude Agent SDK adapter (its `json_schema` output format).
 */

import type { JsonSchema } from "../schema.js";

/** An object JSON Schema: `type: "object"` and whatever else the schema said. */
export type ObjectJsonSchema = { type: "object" } & Record<string, unknown>;

/** A schema as an object schema without `$schema`. */
export function inputSchema(schema: JsonSchema): ObjectJsonSchema {
  // Made once per schema (tool schemas are cached and frozen): every evaluation sends them.
  let input = inputSchemas.get(schema);
  if (input === undefined) {
    const { $schema: _dialect, ...rest } = schema;
    input = Object.freeze({ ...rest, type: "object" });
    inputSchemas.set(schema, input);
  }
  return input;
}

const inputSchemas = new WeakMap<JsonSchema, ObjectJsonSchema>();

/** The length of `JSON.stringify(schema)`, computed once per schema object. */
export function jsonLength(schema: JsonSchema): number {
  let length = jsonLengths.get(schema);
  if (length === undefined) {
    length = JSON.stringify(schema).length;
    jsonLengths.set(schema, length);
  }
  return length;
}

const jsonLengths = new WeakMap<JsonSchema, number>();

/**
 * Wrap a top-level array schema as `{ "items": [...] }` (tool inputs must be objects). Shared
 * definitions move to the wrapper's root so `#/$defs/...` references still resolve.
 */
export function wrapArraySchema(schema: JsonSchema): ObjectJsonSchema {
  const { $schema: _dialect, $defs, definitions, ...items } = schema;
  return {
    type: "object",
    properties: { items },
    required: ["items"],
    additionalProperties: false,
    ...($defs === undefined ? {} : { $defs }),
    ...(definitions === undefined ? {} : { definitions }),
  };
}

/** The object schema of a structured output: wrapped when the output is a top-level array. */
export function outputObjectSchema(output: {
  readonly container: string;
  readonly jsonSchema: JsonSchema;
}): ObjectJsonSchema {
  return output.container === "array" ? wrapArraySchema(output.jsonSchema) : inputSchema(output.jsonSchema);
}
