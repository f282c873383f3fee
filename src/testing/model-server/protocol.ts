/**
 * What every wire protocol of the scripted model server implements: reading the facts the
 * policy needs from a request, and encoding a reply as a JSON body or as SSE events. Internal to
 * `model-server/`.
 */

import type { JsonSchema } from "../../schema.js";
import type { TurnUsage } from "./turns.js";

/** The wire protocols the server speaks. */
export type ModelProtocol = "openai-chat" | "openai-responses" | "anthropic-messages";

/** A JSON object as parsed from a request body. */
export type JsonObject = Record<string, unknown>;

/** A tool offered in a request. */
export interface OfferedTool {
  readonly name: string;
  /** The tool's parameter schema (`{}` when absent). */
  readonly schema: JsonSchema;
}

/** What the policy needs to know about a request's conversation. */
export interface ConversationFacts {
  readonly tools: readonly OfferedTool[];
  /** Names of tools the assistant already called earlier in this conversation. */
  readonly calledTools: ReadonlySet<string>;
  /** The requested structured-output schema, when the request asks for one. */
  readonly outputSchema?: JsonSchema;
  /**
   * Every text of the request's messages (system, instructions, user, assistant, tool results),
   * joined by blank lines, whatever the protocol. Filled in only when a policy `answer` needs it.
   */
  readonly text?: string;
}

/** Keys whose string values are conversation text in any of the three protocols. */
const TEXT_KEYS = new Set(["content", "text", "system", "instructions", "input", "output"]);

/** The conversation text of a request body (see {@link ConversationFacts.text}); tools are skipped. */
export function conversationText(body: JsonObject): string {
  const parts: string[] = [];
  const walk = (value: unknown, key: string | undefined): void => {
    if (typeof value === "string") {
      if (key !== undefined && TEXT_KEYS.has(key)) parts.push(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (isObject(value)) {
      for (const [child, inner] of Object.entries(value)) if (child !== "tools") walk(inner, child);
    }
  };
  walk(body, undefined);
  return parts.join("\n\n");
}

/** One tool call of a reply, with its id and both encodings of its arguments resolved. */
export interface ReplyCall {
  readonly id: string;
  readonly name: string;
  /** Arguments as sent on the wire by the OpenAI protocols (possibly invalid JSON). */
  readonly argumentsText: string;
  /** Arguments as an Anthropic `input` value: the object, or the raw string if it does not parse. */
  readonly input: unknown;
}

/** A successful reply, independent of protocol. */
export interface ReplyContent {
  /** Assistant text; `undefined` when the reply is tool calls only. */
  readonly text: string | undefined;
  readonly calls: readonly ReplyCall[];
  readonly usage: TurnUsage;
}

/** Per-reply values a codec needs besides the content. */
export interface ReplyContext {
  readonly body: JsonObject;
  /** Model name to report (the request's `model`, or a placeholder). */
  readonly model: string;
  /** Creation time in epoch seconds. */
  readonly created: number;
  /** A fresh id with the given prefix, unique within the server. */
  newId(prefix: string): string;
}

/** One server-sent event. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** A protocol implementation. */
export interface ProtocolCodec {
  readonly protocol: ModelProtocol;
  /** Prefix for generated tool-call ids. */
  readonly callIdPrefix: string;
  /** Name of the response header carrying a request id. */
  readonly requestIdHeader: string;
  /** Facts about the conversation, for the policy. */
  conversation(body: JsonObject): ConversationFacts;
  /** A complete non-streaming reply body. */
  reply(content: ReplyContent, context: ReplyContext): unknown;
  /** The events of a streaming reply, in order. */
  events(content: ReplyContent, context: ReplyContext): SseEvent[];
  /** The provider's error body for a status and message. */
  errorBody(status: number, message: string): unknown;
}

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value` as an array of objects (non-objects dropped); `[]` when it is not an array. */
export function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** `value` when it is a string, otherwise `undefined`. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `value` as a JSON Schema object (`{}` when absent or not an object). */
export function schemaOf(value: unknown): JsonSchema {
  return isObject(value) ? value : {};
}

/** Split text into a few pieces so streaming clients see several deltas. */
export function chunks(text: string, size = 16): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

/** A `data:`-only or named SSE event carrying JSON. */
export function sse(data: unknown, event?: string): SseEvent {
  return event === undefined ? { data: JSON.stringify(data) } : { event, data: JSON.stringify(data) };
}
