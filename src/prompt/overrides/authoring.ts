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

import type { AnySection } from "../section.js";
import { dedent, parseTemplateText } from "../template-text.js";
import type { AnyTool } from "../tool.js";
import { PromptOverridesError } from "./errors.js";
import { freezeOverride } from "./file-format.js";
import { checkIdentifier, normalizeTag } from "./paths.js";
import type {
  PromptDescriptor,
  PromptOverride,
  SectionDescriptor,
  SectionOverride,
  ToolDescriptor,
  ToolOverride,
} from "./types.js";

/** What the write side needs from a template: a {@link PromptTemplate} satisfies it. */
export interface OverridableTemplate {
  readonly ns: string;
  readonly key: string;
  readonly name: string;
  readonly sections: readonly AnySection[];
  readonly descriptor: PromptDescriptor;
}

/** A {@link PromptTemplate}, or a {@link Prompt} (whose `overridesTag` becomes the default tag). */
export type OverridesTarget =
  | OverridableTemplate
  | { readonly template: OverridableTemplate; readonly overridesTag?: string | undefined };

/** The template behind `target`. */
export function templateOf(target: OverridesTarget): OverridableTemplate {
  return "template" in target ? target.template : target;
}

/** `tag`, else the prompt's own `overridesTag`, else `"latest"`. */
export function defaultTagOf(target: OverridesTarget, tag?: string): string {
  if (tag !== undefined && tag !== "") return tag;
  return normalizeTag("template" in target ? target.overridesTag : undefined);
}

const MAX_TOOL_DESCRIPTION = 200;

interface TemplateIndex {
  readonly sections: ReadonlyMap<string, AnySection>;
  readonly tools: ReadonlyMap<string, AnyTool>;
}

function indexTemplate(template: OverridableTemplate): TemplateIndex {
  const sections = new Map<string, AnySection>();
  const tools = new Map<string, AnyTool>();
  const walk = (list: readonly AnySection[], parent: readonly string[]): void => {
    for (const section of list) {
      const path = [...parent, section.key];
      sections.set(path.join("/"), section);
      for (const tool of section.tools) tools.set(tool.name, tool);
      walk(section.children, path);
    }
  };
  walk(template.sections, []);
  return { sections, tools };
}

function list(names: readonly string[]): string {
  return names.length > 0 ? names.map((n) => `"${n}"`).join(", ") : "none";
}

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

/** What a section entry's errors name: the prompt and the section path. */
type SectionDetails = {
  readonly prompt: string;
  readonly section: string;
};

/** `entry` checked against the section it names, as a frozen copy; throws on the first problem. */
function checkSection(
  template: OverridableTemplate,
  descriptor: PromptDescriptor,
  index: TemplateIndex,
  key: string,
  entry: SectionOverride,
): SectionOverride {
  const path = entry.path.join("/");
  const details: SectionDetails = { prompt: template.name, section: path };
  checkSectionKey(key, path, details);
  const [described, section] = overridableSection(template, descriptor, index, path, details);
  checkSectionHash(template, path, entry, described, details);
  checkSectionText(section, path, entry, details);
  checkSectionVisibility(section, path, entry, details);
  return Object.freeze({
    path: Object.freeze([...entry.path]),
    expectedHash: entry.expectedHash,
    body: entry.body,
    ...(entry.summary === undefined ? {} : { summary: entry.summary }),
    ...(entry.visibility === undefined ? {} : { visibility: entry.visibility }),
  });
}

/** Throws unless the entry is stored under its own "/"-joined path. */
function checkSectionKey(key: string, path: string, details: SectionDetails): void {
  if (path === key) return;
  throw new PromptOverridesError(
    "invalid_section_override",
    `Section override stored under "${key}" has path "${path}". Store each section override under its "/"-joined path.`,
    { details: { ...details, key } },
  );
}

/**
 * The descriptor entry and the section at `path`; throws `unknown_section` when the prompt has
 * no such section or the section does not accept overrides (it is then missing from the descriptor).
 */
function overridableSection(
  template: OverridableTemplate,
  descriptor: PromptDescriptor,
  index: TemplateIndex,
  path: string,
  details: SectionDetails,
): readonly [SectionDescriptor, AnySection] {
  const described = descriptor.sections.find((s) => s.path.join("/") === path);
  const section = index.sections.get(path);
  if (described !== undefined && section !== undefined) return [described, section];
  const overridable = descriptor.sections.map((s) => s.path.join("/"));
  throw new PromptOverridesError(
    "unknown_section",
    section === undefined
      ? `Prompt "${template.name}" has no section "${path}". Overridable sections: ${list(overridable)}.`
      : `Section "${path}" of prompt "${template.name}" does not accept overrides (acceptsOverrides is false or its body is not template text). Overridable sections: ${list(overridable)}.`,
    { details },
  );
}

/** Throws `hash_mismatch` unless the entry was written against the section's current template. */
function checkSectionHash(
  template: OverridableTemplate,
  path: string,
  entry: SectionOverride,
  described: SectionDescriptor,
  details: SectionDetails,
): void {
  if (entry.expectedHash === described.contentHash) return;
  throw new PromptOverridesError(
    "hash_mismatch",
    `Hash mismatch for section "${path}" of prompt "${template.name}": the override expects ${entry.expectedHash}, ` +
      `but the section's template now hashes to ${described.contentHash}. Re-seed the override, or review the body ` +
      "against the new text and set expectedHash to the current hash.",
    { details: { ...details, expectedHash: entry.expectedHash, currentHash: described.contentHash } },
  );
}

/** Throws unless the body is a string and the body and summary use only placeholders the section fills. */
function checkSectionText(
  section: AnySection,
  path: string,
  entry: SectionOverride,
  details: SectionDetails,
): void {
  // Hand-built entries (not parsed from a file) are only typed, not checked, so test the body at run time.
  if (typeof entry.body !== "string") {
    throw new PromptOverridesError(
      "invalid_section_override",
      `Section "${path}" override needs a body string.`,
      {
        details,
      },
    );
  }
  checkPlaceholders(section, path, entry.body, "body");
  if (entry.summary !== undefined) checkPlaceholders(section, path, entry.summary, "summary");
}

/**
 * Throws unless the visibility is absent, "full" or "summary", and "summary" only on a section
 * that declares a summary.
 */
function checkSectionVisibility(
  section: AnySection,
  path: string,
  entry: SectionOverride,
  details: SectionDetails,
): void {
  if (entry.visibility !== undefined && entry.visibility !== "full" && entry.visibility !== "summary") {
    throw new PromptOverridesError(
      "invalid_section_override",
      `Section "${path}" override has visibility ${JSON.stringify(entry.visibility)}; use "full" or "summary".`,
      { details },
    );
  }
  if (entry.visibility === "summary" && section.summary === undefined) {
    throw new PromptOverridesError(
      "invalid_section_override",
      `Section "${path}" override sets visibility "summary", but the section declares no summary, so it would still ` +
        "render in full. Give the section a summary in code, or drop the visibility.",
      { details },
    );
  }
}

function checkPlaceholders(section: AnySection, path: string, text: string, what: "body" | "summary"): void {
  const allowed = section.allowedPlaceholders();
  let names: readonly string[];
  try {
    names = parseTemplateText(dedent(text), `section "${path}" override ${what}`).placeholders;
  } catch (err) {
    throw new PromptOverridesError(
      "invalid_section_override",
      `Section "${path}" override ${what} is not valid template text: ${(err as Error).message}`,
      { cause: err, details: { section: path } },
    );
  }
  const unknown = names.filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    throw new PromptOverridesError(
      "invalid_section_override",
      `Section "${path}" override ${what} uses ${unknown.map((n) => `\${${n}}`).join(", ")}, which the section cannot fill. ` +
        `Allowed placeholders: ${list(allowed.map((n) => `\${${n}}`))}. Remove them or write $\${ for a literal.`,
      { details: { section: path, placeholders: unknown, allowed } },
    );
  }
}

/** What a tool entry's errors name: the prompt and the tool. */
type ToolDetails = {
  readonly prompt: string;
  readonly tool: string;
};

/** `entry` checked against the tool it names, as a frozen copy; throws on the first problem. */
function checkTool(
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
  return Object.freeze({
    name,
    expectedContractHash: entry.expectedContractHash,
    ...(entry.description === undefined ? {} : { description: entry.description }),
    ...(entry.paramDescriptions === undefined
      ? {}
      : { paramDescriptions: Object.freeze({ ...entry.paramDescriptions }) }),
  });
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
      ? `Prompt "${template.name}" has no tool "${name}". Overridable tools: ${list(overridable)}.`
      : `Tool "${name}" of prompt "${template.name}" does not accept overrides (acceptsOverrides is false). Overridable tools: ${list(overridable)}.`,
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
          : `Tool "${name}" override describes parameter "${param}", which the tool does not have. Parameters: ${list(params)}.`,
        { details: { ...details, param } },
      );
    }
  }
}

function paramProperties(tool: AnyTool): Readonly<Record<string, unknown>> {
  const properties = tool.parametersJsonSchema.properties;
  return properties && typeof properties === "object" ? (properties as Record<string, unknown>) : {};
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
