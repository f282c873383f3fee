/**
 * Policy mode: a scriptless "model" that behaves plausibly, for the offline demo and smoke
 * tests. Given a request it calls every offered tool once (with arguments generated from the
 * tool's JSON Schema), then calls the final-output tool if one is offered, then answers with
 * JSON satisfying the requested output schema, or plain text.
 */

import { sampleJsonSchema } from "./json-schema-sample.js";
import { type ConversationFacts, isObject, type OfferedTool } from "./protocol.js";
import type { ScriptedTurn } from "./turns.js";

/** Tunes policy mode. */
export interface PolicyOptions {
  /** Selects policy mode (the same as passing `policy: true`). */
  readonly mode?: "policy";
  /**
   * Name of the tool an adapter uses for final structured output; policy mode calls it last,
   * once. Default `"final_answer"`. `"StructuredOutput"` (the Claude Agent SDK's) is always
   * recognised too.
   */
  readonly finalToolName?: string;
  /** Tool names policy mode never calls. Default `["open_sections", "read_section"]`. */
  readonly skipTools?: readonly string[];
  /**
   * Which offered tools policy mode may call. Default: when some offered tool is an MCP tool
   * (`mcp__server__name`, as the Claude Agent SDK presents WINK tools), only MCP tools, so the
   * CLI's built-in tools (Bash, Write…) are never called; otherwise every tool.
   */
  readonly toolFilter?: (toolName: string) => boolean;
  /** The text answer when there is nothing structured to produce. Default `"Done."`. */
  readonly finalText?: string;
  /**
   * The structured answer (final-output tool arguments or JSON) for a request, from its
   * conversation text (`facts.text`): a deterministic stand-in model for offline evaluations.
   * Return `undefined` to fall back to a value generated from the output schema.
   */
  readonly answer?: (facts: ConversationFacts & { readonly text: string }) => unknown;
}

const DEFAULT_SKIP = ["open_sections", "read_section"] as const;
const STRUCTURED_OUTPUT_TOOL = "StructuredOutput";

/** The tool's own name without an MCP `mcp__<server>__` prefix. */
export function baseToolName(name: string): string {
  const match = /^mcp__.+?__(.+)$/.exec(name);
  return match?.[1] ?? name;
}

function defaultFilter(tools: readonly OfferedTool[]): (name: string) => boolean {
  const hasMcp = tools.some((t) => t.name.startsWith("mcp__"));
  return hasMcp ? (name) => name.startsWith("mcp__") : () => true;
}

function argumentsFor(tool: OfferedTool): Record<string, unknown> {
  const value = sampleJsonSchema(tool.schema);
  return isObject(value) ? value : {};
}

/** The turn policy mode plays for a request with these facts. */
export function policyTurn(facts: ConversationFacts, options: PolicyOptions = {}): ScriptedTurn {
  const finalNames = new Set([options.finalToolName ?? "final_answer", STRUCTURED_OUTPUT_TOOL]);
  const skip = new Set<string>(options.skipTools ?? DEFAULT_SKIP);
  const allowed = options.toolFilter ?? defaultFilter(facts.tools);
  const isFinal = (tool: OfferedTool): boolean => finalNames.has(baseToolName(tool.name));

  const pending = facts.tools.filter(
    (tool) =>
      !isFinal(tool) &&
      !skip.has(baseToolName(tool.name)) &&
      allowed(tool.name) &&
      !facts.calledTools.has(tool.name),
  );
  if (pending.length > 0) {
    return {
      kind: "tool_calls",
      calls: pending.map((tool) => ({ name: tool.name, arguments: argumentsFor(tool) })),
    };
  }
  const answered = options.answer?.({ ...facts, text: facts.text ?? "" });
  const final = facts.tools.find(isFinal);
  if (final && !facts.calledTools.has(final.name)) {
    const value = isObject(answered) ? answered : argumentsFor(final);
    return { kind: "tool_calls", calls: [{ name: final.name, arguments: value }] };
  }
  if (facts.outputSchema) {
    return { kind: "json", value: answered ?? sampleJsonSchema(facts.outputSchema) };
  }
  return { kind: "text", text: options.finalText ?? "Done." };
}
