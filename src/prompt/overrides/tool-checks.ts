/**
 * The checks a tool override entry must pass before it is saved: stored under its own name,
 * naming an overridable tool, written against the tool's current contract hash, with a short
 * description and descriptions only for parameters the tool has.
 */

import type { AnyTool } from "../tool.js";
import { PromptOverridesError } from "./errors.js";
import { frozenToolOverride } from "./file-format.js";
import { type OverridableTemplate, paramProperties, quotedList, type TemplateIndex } from "./target.js";
import type { PromptDescriptor, ToolDescriptor, ToolOverride } from "./types.js";

/** The longest description (trimmed) a tool override may set: details belong in section text. */
const MAX_TOOL_DESCRIPTION = 200;

/** What a tool entry's errors name: the prompt and the tool. */
type ToolDetails = {
  readonly prompt: string;
  readonly tool: string;
};

/** `entry` checked against the tool it names, as a frozen copy; throws on the first problem. */
export function checkTool(
  template: OverridableTemplate,
  descriptor: PromptDescriptor,
  index: TemplateIndex,
  key: string,
  entry: ToolOverride,
): ToolOverride {
  const name = entry.name;
  const details: ToolDetails = { prompt: template.name, tool: name };
  checkToolKey(key, name, details);
  const [described, tool] = overridableTool(template, descriptor, index, name, details);
  checkToolHash(template, name, entry, described, details);
  checkToolDescription(name, entry, details);
  checkParamDescriptions(tool, name, entry, details);
  return frozenToolOverride(name, entry);
}

/** Throws unless the entry is stored under its own tool name. */
function checkToolKey(key: string, name: string, details: ToolDetails): void {
  if (name === key) return;
  throw new PromptOverridesError(
    "invalid_tool_override",
    `Tool override stored under "${key}" is for tool "${name}". Store each tool override under its tool name.`,
    { details: { ...details, key } },
  );
}

/**
 * The descriptor entry and the tool named `name`; throws `unknown_tool` when the prompt has no
 * such tool or the tool does not accept overrides (it is then missing from the descriptor).
 */
function overridableTool(
  template: OverridableTemplate,
  descriptor: PromptDescriptor,
  index: TemplateIndex,
  name: string,
  details: ToolDetails,
): readonly [ToolDescriptor, AnyTool] {
  const described = descriptor.tools.find((t) => t.name === name);
  const tool = index.tools.get(name);
  if (described !== undefined && tool !== undefined) return [described, tool];
  const overridable = descriptor.tools.map((t) => t.name);
  throw new PromptOverridesError(
    "unknown_tool",
    tool === undefined
      ? `Prompt "${template.name}" has no tool "${name}". Overridable tools: ${quotedList(overridable)}.`
      : `Tool "${name}" of prompt "${template.name}" does not accept overrides (acceptsOverrides is false). Overridable tools: ${quotedList(overridable)}.`,
    { details },
  );
}

/** Throws `hash_mismatch` unless the entry was written against the tool's current contract. */
function checkToolHash(
  template: OverridableTemplate,
  name: string,
  entry: ToolOverride,
  described: ToolDescriptor,
  details: ToolDetails,
): void {
  if (entry.expectedContractHash === described.contractHash) return;
  throw new PromptOverridesError(
    "hash_mismatch",
    `Hash mismatch for tool "${name}" of prompt "${template.name}": the override expects ${entry.expectedContractHash}, ` +
      `but the tool's contract now hashes to ${described.contractHash}. Re-seed the override, or review it against ` +
      "the new contract and set expectedContractHash to the current hash.",
    {
      details: {
        ...details,
        expectedContractHash: entry.expectedContractHash,
        currentContractHash: described.contractHash,
      },
    },
  );
}

/** Throws unless the description, when given, is 1 to MAX_TOOL_DESCRIPTION characters once trimmed. */
function checkToolDescription(name: string, entry: ToolOverride, details: ToolDetails): void {
  if (entry.description === undefined) return;
  // A non-string description (hand-built entry) counts as length 0, so it fails the same way.
  const length = typeof entry.description === "string" ? entry.description.trim().length : 0;
  if (length < 1 || length > MAX_TOOL_DESCRIPTION) {
    throw new PromptOverridesError(
      "invalid_tool_override",
      `Tool "${name}" override description must be 1-${MAX_TOOL_DESCRIPTION} characters, got ${length}. ` +
        "Say briefly what the tool does; put details in the section text.",
      { details: { ...details, length } },
    );
  }
}

/** Throws unless every described parameter is one of the tool's and its description is a string. */
function checkParamDescriptions(
  tool: AnyTool,
  name: string,
  entry: ToolOverride,
  details: ToolDetails,
): void {
  const params = Object.keys(paramProperties(tool));
  for (const [param, text] of Object.entries(entry.paramDescriptions ?? {})) {
    if (!params.includes(param) || typeof text !== "string") {
      throw new PromptOverridesError(
        "invalid_tool_override",
        params.includes(param)
          ? `Tool "${name}" override gives parameter "${param}" a non-string description.`
          : `Tool "${name}" override describes parameter "${param}", which the tool does not have. Parameters: ${quotedList(params)}.`,
        { details: { ...details, param } },
      );
    }
  }
}
