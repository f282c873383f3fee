/**
 * Pieces both OpenAI wire formats share: the structured-output schema as sent, decoding a final
 * answer, and turning SDK failures into retry verdicts and readable, redacted messages.
 */

import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { canAbort } from "../../deadline.js";
import { describeThrown, WinkError } from "../../errors.js";
import type { RenderedPrompt } from "../../prompt/index.js";
import type { JsonSchema } from "../../schema.js";
import { redactText } from "../../secrets/index.js";
import { classifyHttpError, type ErrorClass } from "../throttle.js";

/** The structured-output contract as sent on the wire. */
export interface WireOutputFormat {
  /** Name of the schema (`^[A-Za-z0-9_-]{1,64}$`, as OpenAI requires). */
  readonly name: string;
  /** The schema; top-level arrays are wrapped as `{ items: [...] }` (the API wants an object). */
  readonly schema: JsonSchema;
}

/** Drop the `$schema` dialect marker: it is noise to the provider and some servers reject it. */
export function wireSchema(schema: JsonSchema): JsonSchema {
  if (!("$schema" in schema)) return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** The output format to request, or undefined when the prompt has no output or native mode is off. */
export function wireOutputFormat(
  rendered: RenderedPrompt<unknown>,
  native: boolean,
): WireOutputFormat | undefined {
  const output = rendered.output;
  if (!native || output === undefined) return undefined;
  const schema = wireSchema(output.jsonSchema);
  const name = rendered.name.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 64) || "output";
  if (output.container === "object") return { name, schema };
  return {
    name,
    schema: {
      type: "object",
      properties: { items: schema },
      required: ["items"],
      additionalProperties: false,
    },
  };
}

/**
 * The decoded final answer when native structured output was requested and the text is JSON;
 * otherwise undefined, and the shared loop parses (and if need be repairs) the text.
 */
export function decodeStructured(text: string, format: WireOutputFormat | undefined): unknown {
  if (format === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Per-request SDK options: no retries (the shared loop retries), and the signal when it can abort. */
export function requestOptions(signal: AbortSignal): { signal?: AbortSignal; maxRetries: 0 } {
  return canAbort(signal) ? { signal, maxRetries: 0 } : { maxRetries: 0 };
}

/** Which SDK failures are transient. An abort is never retried: the loop rethrows its reason. */
export function classifyOpenAIError(error: unknown, now: number): ErrorClass {
  if (error instanceof APIUserAbortError) return { retry: false };
  if (error instanceof APIConnectionTimeoutError) return { retry: true, kind: "timeout" };
  if (error instanceof APIConnectionError) return { retry: true, kind: "connection" };
  return classifyHttpError(error, now);
}

/** The provider's own message and the HTTP status, redacted, for a non-transient failure. */
export function describeOpenAIError(error: unknown): { message: string; status?: number | undefined } {
  if (error instanceof APIError) {
    const body = error.error as { message?: unknown } | undefined;
    const message = typeof body?.message === "string" && body.message !== "" ? body.message : error.message;
    const status = typeof error.status === "number" ? error.status : undefined;
    return { message: redactText(message), status };
  }
  return { message: redactText(describeThrown(error)) };
}

/**
 * The message list a checkpoint saved (`ProviderConversation.save`), checked for the shape both
 * wire formats save: a non-empty array of objects.
 * @throws WinkError `invalid_argument` when it is something else.
 */
export function savedHistory<Item>(saved: unknown, api: string): Item[] {
  if (
    !Array.isArray(saved) ||
    saved.length === 0 ||
    !saved.every((item) => typeof item === "object" && item)
  ) {
    throw new WinkError(
      "invalid_argument",
      `Cannot resume an OpenAI ${api} conversation from this checkpoint: it holds ${Array.isArray(saved) ? "an empty or malformed list" : typeof saved}, not the saved message list. Delete the checkpoint to start the request over.`,
    );
  }
  // A copy: the conversation appends to its history, and the checkpoint stays as it was.
  return (saved as Item[]).map((item) => ({ ...item }));
}
