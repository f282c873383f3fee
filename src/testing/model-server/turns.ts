/**
 * The script language of the {@link ScriptedModelServer}: one {@link ScriptedTurn} answers one
 * request, whatever protocol the request used. Build turns with the {@link turn} helpers or as
 * plain objects (they are validated by {@link ScriptedTurnSchema} when enqueued).
 *
 * @example
 * ```ts
 * import { turn } from "weakincentives/testing";
 *
 * const script = [
 *   turn.toolCalls([{ name: "lookup_entity", arguments: { entityId: "e-1" } }]),
 *   turn.json({ summary: "ok", issues: [] }),
 * ];
 * ```
 */

import { z } from "zod";
import { parseWith } from "../../schema.js";

/** Token counts a turn reports; providers see them as prompt/completion or input/output tokens. */
export interface TurnUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Fields every turn may carry. */
interface TurnBase {
  /** Reported usage. Default: small numbers derived from the request and reply sizes. */
  readonly usage?: TurnUsage;
}

/** One tool call the model makes. */
export interface ScriptedToolCall {
  /** Tool name, exactly as offered in the request. */
  readonly name: string;
  /**
   * Arguments. An object is sent as JSON; a string is sent verbatim, so tests can send invalid
   * JSON. (Anthropic's non-streaming `input` must be an object: a string that does not parse is
   * sent as a JSON string value.)
   */
  readonly arguments: Readonly<Record<string, unknown>> | string;
  /** Call id. Default: generated (`call_…` for OpenAI, `toolu_…` for Anthropic). */
  readonly id?: string;
}

/** A final assistant text answer. */
export interface TextTurn extends TurnBase {
  readonly kind: "text";
  readonly text: string;
}

/** The model calls tools (optionally saying something first). */
export interface ToolCallsTurn extends TurnBase {
  readonly kind: "tool_calls";
  readonly calls: readonly ScriptedToolCall[];
  readonly text?: string;
}

/**
 * Structured output: the value is sent as JSON text (chat `content`, Responses `output_text`,
 * an Anthropic `text` block). Adapters that take structured output through a final tool should
 * script a {@link ToolCallsTurn} instead.
 */
export interface JsonTurn extends TurnBase {
  readonly kind: "json";
  readonly value: unknown;
}

/** An HTTP error reply in the provider's error shape. */
export interface ErrorTurn extends TurnBase {
  readonly kind: "error";
  /** HTTP status, e.g. 429, 500, 529. */
  readonly status: number;
  /** Replaces the default provider-shaped body: objects are sent as JSON, strings verbatim. */
  readonly body?: unknown;
  /** Extra response headers, e.g. `{ "retry-after": "2" }`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Wait `ms` (on the server's clock), then answer with `then`. Notices a client disconnect. */
export interface DelayTurn extends TurnBase {
  readonly kind: "delay";
  readonly ms: number;
  readonly then: ScriptedTurn;
}

/** Never answer: the request stays open until the client disconnects or the server closes. */
export interface HangTurn extends TurnBase {
  readonly kind: "hang";
}

/** One scripted reply. Discriminated by `kind`. */
export type ScriptedTurn = TextTurn | ToolCallsTurn | JsonTurn | ErrorTurn | DelayTurn | HangTurn;

const usageSchema = z.strictObject({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});

const toolCallSchema = z.strictObject({
  name: z.string().min(1),
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()]),
  id: z.string().min(1).optional(),
});

/** Runtime validator for {@link ScriptedTurn}, e.g. for scripts loaded from JSON files. */
export const ScriptedTurnSchema: z.ZodType<ScriptedTurn> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("text"), text: z.string(), usage: usageSchema.optional() }),
    z.strictObject({
      kind: z.literal("tool_calls"),
      calls: z.array(toolCallSchema).min(1),
      text: z.string().optional(),
      usage: usageSchema.optional(),
    }),
    z.strictObject({ kind: z.literal("json"), value: z.unknown(), usage: usageSchema.optional() }),
    z.strictObject({
      kind: z.literal("error"),
      status: z.number().int().min(400).max(599),
      body: z.unknown().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      usage: usageSchema.optional(),
    }),
    z.strictObject({
      kind: z.literal("delay"),
      ms: z.number().nonnegative().finite(),
      // biome-ignore lint/suspicious/noThenProperty: `then` holds a turn (an object), never a function, so nothing treats it as a thenable.
      then: ScriptedTurnSchema,
      usage: usageSchema.optional(),
    }),
    z.strictObject({ kind: z.literal("hang"), usage: usageSchema.optional() }),
  ]),
);

/** Validate turns, throwing a `WinkError` (`invalid_argument`) that names the bad path. */
export function parseTurns(turns: readonly unknown[]): ScriptedTurn[] {
  return parseWith(z.array(ScriptedTurnSchema), turns, "scripted turns", "invalid_argument");
}

/** Options shared by the reply helpers. */
export interface TurnOptions {
  /** Reported usage; see {@link TurnUsage}. */
  usage?: TurnUsage;
}

/** Options of {@link turn.error}. */
export interface ErrorTurnOptions extends TurnOptions {
  /** Replaces the default provider-shaped error body. */
  body?: unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Seconds; sent as the `retry-after` header. */
  retryAfter?: number;
}

function withUsage<T extends object>(value: T, options: TurnOptions | undefined): T {
  return options?.usage ? { ...value, usage: options.usage } : value;
}

/** Constructors for {@link ScriptedTurn}s. */
export const turn = {
  /** A final text answer. */
  text(text: string, options?: TurnOptions): TextTurn {
    return withUsage({ kind: "text", text }, options);
  },
  /** Tool calls, optionally with assistant text before them. */
  toolCalls(calls: readonly ScriptedToolCall[], options?: TurnOptions & { text?: string }): ToolCallsTurn {
    const base: ToolCallsTurn = { kind: "tool_calls", calls };
    return withUsage(options?.text === undefined ? base : { ...base, text: options.text }, options);
  },
  /** Structured output sent as JSON text. */
  json(value: unknown, options?: TurnOptions): JsonTurn {
    return withUsage({ kind: "json", value }, options);
  },
  /** An HTTP error in the provider's shape, e.g. `turn.error(429, { retryAfter: 1 })`. */
  error(status: number, options?: ErrorTurnOptions): ErrorTurn {
    const headers = { ...(options?.headers ?? {}) };
    if (options?.retryAfter !== undefined) headers["retry-after"] = String(options.retryAfter);
    const base: ErrorTurn = { kind: "error", status, headers };
    return withUsage(options?.body === undefined ? base : { ...base, body: options.body }, options);
  },
  /** Wait `ms`, then answer with `then`. */
  delay(ms: number, then: ScriptedTurn): DelayTurn {
    return { kind: "delay", ms, then };
  },
  /** Never answer until the client or the server gives up. */
  hang(): HangTurn {
    return { kind: "hang" };
  },
} as const;
