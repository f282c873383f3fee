/**
 * The read-side rule every store applies: keep only the entries that still match the prompt.
 * An entry whose hash no longer matches (the code changed since it was written) or that names
 * a section or tool the prompt no longer offers is dropped with a WARNING, so the code's own
 * text renders instead of an override written for different text.
 *
 * @example
 * ```ts
 * import { filterOverrideForDescriptor, type PromptDescriptor, type PromptOverride } from "weakincentives/prompt";
 *
 * declare const loaded: PromptOverride; // read from your storage
 * declare const descriptor: PromptDescriptor; // describes the prompt being rendered
 * // In a custom store's resolve():
 * const applicable = filterOverrideForDescriptor(loaded, descriptor, "s3://bucket/review/latest.json");
 * ```
 */

import { getLogger } from "../../logging/index.js";
import { parseTemplateText } from "../template-text.js";
import { freezeOverride } from "./file-format.js";
import type { PromptDescriptor, PromptOverride, SectionOverride, ToolOverride } from "./types.js";

const log = getLogger("weakincentives.prompt.overrides");

/** The fields every log line of one filtering pass carries. */
type FilterLogContext = {
  readonly ns: string;
  readonly promptKey: string;
  readonly tag: string;
  readonly file?: string;
};

/**
 * `override` restricted to the sections and tools of `descriptor` whose hashes match, or
 * undefined when nothing applies (or the override belongs to another prompt). `source` names
 * where the override came from in the logs.
 */
export function filterOverrideForDescriptor(
  override: PromptOverride,
  descriptor: PromptDescriptor,
  source?: string,
): PromptOverride | undefined {
  const where: FilterLogContext = {
    ns: descriptor.ns,
    promptKey: descriptor.key,
    tag: override.tag,
    ...(source === undefined ? {} : { file: source }),
  };
  if (!belongsToPrompt(override, descriptor, where)) return undefined;
  const sections = applicableSections(override.sections, descriptor, where);
  const tools = applicableTools(override.tools, descriptor, where);
  return resolvedOverride(override, sections, tools, where);
}

/** Whether `override` was written for `descriptor`'s prompt; logs a WARNING when it was not. */
function belongsToPrompt(
  override: PromptOverride,
  descriptor: PromptDescriptor,
  where: FilterLogContext,
): boolean {
  if (override.ns === descriptor.ns && override.promptKey === descriptor.key) return true;
  log.warning(
    "prompt_override_mismatched_descriptor",
    `Ignoring an override for "${override.ns}/${override.promptKey}" offered to prompt "${descriptor.ns}/${descriptor.key}".`,
    { ...where, overrideNs: override.ns, overridePromptKey: override.promptKey },
  );
  return false;
}

/**
 * The section entries whose path the descriptor lists with the same hash and whose text parses,
 * by path. Every other entry is dropped with a WARNING saying why.
 */
function applicableSections(
  entries: PromptOverride["sections"],
  descriptor: PromptDescriptor,
  where: FilterLogContext,
): Record<string, SectionOverride> {
  const sectionHashes = new Map(descriptor.sections.map((s) => [s.path.join("/"), s.contentHash]));
  const sections: Record<string, SectionOverride> = {};
  for (const [path, entry] of Object.entries(entries)) {
    const currentHash = sectionHashes.get(path);
    if (currentHash === undefined) {
      log.warning(
        "prompt_override_unknown_section",
        `Ignoring the override of section "${path}": the prompt has no overridable section at that path.`,
        { ...where, path, expectedHash: entry.expectedHash },
      );
    } else if (currentHash !== entry.expectedHash) {
      log.warning(
        "prompt_override_stale_section",
        `Ignoring the stale override of section "${path}": it was written for text hashing to ${entry.expectedHash}, ` +
          `but the section now hashes to ${currentHash}. Re-seed or update the override.`,
        { ...where, path, expectedHash: entry.expectedHash, currentHash },
      );
    } else if (!wellFormed(entry)) {
      log.warning(
        "prompt_override_invalid_section",
        `Ignoring the override of section "${path}": its body or summary has a malformed \${placeholder}.`,
        { ...where, path },
      );
    } else {
      sections[path] = entry;
    }
  }
  return sections;
}

/**
 * The tool entries whose name the descriptor lists with the same contract hash, by name. Every
 * other entry is dropped with a WARNING saying why.
 */
function applicableTools(
  entries: PromptOverride["tools"],
  descriptor: PromptDescriptor,
  where: FilterLogContext,
): Record<string, ToolOverride> {
  const toolHashes = new Map(descriptor.tools.map((t) => [t.name, t.contractHash]));
  const tools: Record<string, ToolOverride> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const currentHash = toolHashes.get(name);
    if (currentHash === undefined) {
      log.warning(
        "prompt_override_unknown_tool",
        `Ignoring the override of tool "${name}": the prompt has no overridable tool by that name.`,
        { ...where, tool: name, expectedContractHash: entry.expectedContractHash },
      );
    } else if (currentHash !== entry.expectedContractHash) {
      log.warning(
        "prompt_override_stale_tool",
        `Ignoring the stale override of tool "${name}": it was written for a contract hashing to ` +
          `${entry.expectedContractHash}, but the tool now hashes to ${currentHash}. Re-seed or update the override.`,
        {
          ...where,
          tool: name,
          expectedContractHash: entry.expectedContractHash,
          currentContractHash: currentHash,
        },
      );
    } else {
      tools[name] = entry;
    }
  }
  return tools;
}

/**
 * The frozen override holding only the kept entries, or undefined when none were kept; logs
 * which of the two at DEBUG.
 */
function resolvedOverride(
  override: PromptOverride,
  sections: Record<string, SectionOverride>,
  tools: Record<string, ToolOverride>,
  where: FilterLogContext,
): PromptOverride | undefined {
  const sectionCount = Object.keys(sections).length;
  const toolCount = Object.keys(tools).length;
  if (sectionCount === 0 && toolCount === 0) {
    log.debug("prompt_override_empty", "No override entry applies to this prompt.", where);
    return undefined;
  }
  log.debug("prompt_override_resolved", "Resolved prompt overrides.", {
    ...where,
    sections: sectionCount,
    tools: toolCount,
  });
  return freezeOverride({ ...override, sections, tools });
}

/**
 * Only the placeholder syntax can be checked here: which names a section allows is known to the
 * section, not to the descriptor. Writes check names; render rejects unknown ones.
 */
function wellFormed(entry: SectionOverride): boolean {
  try {
    parseTemplateText(entry.body);
    if (entry.summary !== undefined) parseTemplateText(entry.summary);
    return true;
  } catch {
    return false;
  }
}
