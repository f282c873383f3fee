/**
 * Anthropic prompt caching: `cache_control` breakpoints on the system prompt, the tool list and
 * the conversation so far, so each turn re-reads the unchanged prefix from the cache (billed at a
 * tenth of the input rate) instead of processing it again. Three of the API's four breakpoints:
 * the system prompt, the last tool (tools are cached as a prefix), and the last block of the
 * newest message, moved forward every turn.
 */

import type Anthropic from "@anthropic-ai/sdk";
import { jsonLength } from "../json-schema.js";

/**
 * When to ask for caching: `"auto"` (default) when the system prompt and tools are long enough
 * for the API to cache them (see {@link minimumCacheableTokens}); `"always"`; `"off"`.
 */
export type PromptCaching = "auto" | "always" | "off";

const EPHEMERAL: Anthropic.CacheControlEphemeral = Object.freeze({ type: "ephemeral" });

/**
 * The shortest prefix the API caches, in tokens: 2,048 for Haiku models, 1,024 for the others.
 * Shorter prefixes are not cached (and cost nothing extra), so "auto" skips the markers there.
 */
export function minimumCacheableTokens(model: string): number {
  return /haiku/i.test(model) ? 2_048 : 1_024;
}

/** Tokens of `text`, estimated as characters / 4 (the API's own count is not known in advance). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Whether a conversation with this system prompt and these tools should carry cache markers. */
export function wantsCaching(
  mode: PromptCaching,
  model: string,
  system: string,
  tools: readonly Anthropic.Tool[],
): boolean {
  if (mode !== "auto") return mode === "always";
  return estimateTokens(system) + Math.ceil(toolsJsonLength(tools) / 4) >= minimumCacheableTokens(model);
}

/**
 * `JSON.stringify(tools).length`, with each input schema's own length computed once per schema
 * object: the decision is made for every conversation, and the schemas are shared.
 */
export function toolsJsonLength(tools: readonly Anthropic.Tool[]): number {
  let length = 2 + Math.max(0, tools.length - 1); // the brackets and the commas between tools
  for (const tool of tools) {
    const { input_schema: schema, ...rest } = tool;
    // `{"name":…,"description":…` + `,"input_schema":` + the schema + `}`
    length += JSON.stringify(rest).length - 1 + INPUT_SCHEMA_KEY.length + jsonLength(schema) + 1;
  }
  return length;
}

const INPUT_SCHEMA_KEY = ',"input_schema":';

/** The system prompt as one cached text block. */
export function cachedSystem(system: string): Anthropic.TextBlockParam[] {
  return [{ type: "text", text: system, cache_control: EPHEMERAL }];
}

/** Mark the last tool (the whole list is cached as one prefix). Mutates `tools`, which the conversation owns. */
export function markLastTool(tools: Anthropic.Tool[]): void {
  const last = tools.at(-1);
  if (last) tools[tools.length - 1] = { ...last, cache_control: EPHEMERAL };
}

/** Moves the conversation's breakpoint to the newest message's last block before each request. */
export class MovingBreakpoint {
  private marked: { cache_control?: Anthropic.CacheControlEphemeral | null } | undefined;

  /** Put the breakpoint on the last block of the last message, taking it off the previous one. */
  advance(messages: Anthropic.MessageParam[]): void {
    const content = messages.at(-1)?.content;
    const block = Array.isArray(content) ? content.at(-1) : undefined;
    if (!block || block === this.marked) return;
    if (this.marked) delete this.marked.cache_control;
    (block as { cache_control?: Anthropic.CacheControlEphemeral }).cache_control = EPHEMERAL;
    this.marked = block as { cache_control?: Anthropic.CacheControlEphemeral };
  }
}
