/**
 * The write-side rules, checked against the prompt's real sections and tools: an override may only
 * be saved when every entry names an overridable section or tool, carries its current hash, and
 * uses only placeholders the section can fill. Also builds the seed override, which copies the
 * code's current text into an editable file.
 *
 * @example
 * ```ts
 * import type { PromptTemplate } from "weakincentives";
 * import { checkOverrideForPrompt, seedOverrideFromPrompt } from "weakincentives/prompt";
 *
 * declare const template: PromptTemplate; // your agent's template
 * const seeded = seedOverrideFromPrompt(template, "latest"); // current bodies and descriptions
 * checkOverrideForPrompt(template, seeded); // passes; throws PromptOverridesError when stale
 * ```
 */

import { PromptOverridesError } from "./errors.js";
import { freezeOverride } from "./file-format.js";
import { checkIdentifier, normalizeTag } from "./paths.js";
import { checkSection } from "./section-checks.js";
import { defaultTagOf, indexTemplate, type OverridesTarget, paramProperties, templateOf } from "./target.js";
import { checkTool } from "./tool-checks.js";
import type { PromptOverride, SectionOverride, ToolOverride } from "./types.js";

/**
 * Check `override` against the prompt's current sections and tools and return a frozen,
 * normalized copy (tag defaulted). Throws a {@link PromptOverridesError} naming the first
 * offending section or tool: unknown, not overridable, stale hash, bad placeholder, bad param.
 */
export function checkOverrideForPrompt(target: OverridesTarget, override: PromptOverride): PromptOverride {
  const template = templateOf(target);
  const tag = normalizeTag(override.tag);
  checkIdentifier(tag, "tag");
  if (override.ns !== template.ns || override.promptKey !== template.key) {
    throw new PromptOverridesError(
      "identity_mismatch",
      `The override is for prompt "${override.ns}/${override.promptKey}", not "${template.ns}/${template.key}". ` +
        `Set ns to "${template.ns}" and promptKey to "${template.key}", or save it with the prompt it belongs to.`,
      {
        details: {
          ns: override.ns,
          promptKey: override.promptKey,
          expectedNs: template.ns,
          expectedKey: template.key,
        },
      },
    );
  }
  const index = indexTemplate(template);
  const { descriptor } = template;
  const sections: Record<string, SectionOverride> = {};
  for (const [key, entry] of Object.entries(override.sections)) {
    sections[key] = checkSection(template, descriptor, index, key, entry);
  }
  const tools: Record<string, ToolOverride> = {};
  for (const [key, entry] of Object.entries(override.tools)) {
    tools[key] = checkTool(template, descriptor, index, key, entry);
  }
  return freezeOverride({ ns: template.ns, promptKey: template.key, tag, sections, tools });
}

/**
 * An override holding the code's current text for every overridable section (body, summary,
 * visibility) and tool (description, parameter descriptions), each with its current hash.
 */
export function seedOverrideFromPrompt(target: OverridesTarget, tag?: string): PromptOverride {
  const template = templateOf(target);
  const resolvedTag = defaultTagOf(target, tag);
  checkIdentifier(resolvedTag, "tag");
  const index = indexTemplate(template);
  const sections: Record<string, SectionOverride> = {};
  for (const described of template.descriptor.sections) {
    const key = described.path.join("/");
    const section = index.sections.get(key);
    const body = section?.bodyTemplate();
    if (section === undefined || body === undefined) continue;
    sections[key] = Object.freeze({
      path: Object.freeze([...described.path]),
      expectedHash: described.contentHash,
      body,
      ...(section.summary === undefined ? {} : { summary: section.summary }),
      visibility: section.visibility,
    });
  }
  const tools: Record<string, ToolOverride> = {};
  for (const described of template.descriptor.tools) {
    const tool = index.tools.get(described.name);
    if (tool === undefined) continue;
    const paramDescriptions: Record<string, string> = {};
    for (const [param, schema] of Object.entries(paramProperties(tool))) {
      const text = (schema as { description?: unknown } | null)?.description;
      if (typeof text === "string") paramDescriptions[param] = text;
    }
    tools[described.name] = Object.freeze({
      name: described.name,
      expectedContractHash: described.contractHash,
      description: tool.description,
      ...(Object.keys(paramDescriptions).length > 0
        ? { paramDescriptions: Object.freeze(paramDescriptions) }
        : {}),
    });
  }
  return freezeOverride({ ns: template.ns, promptKey: template.key, tag: resolvedTag, sections, tools });
}
