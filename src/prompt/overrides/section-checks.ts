/**
 * The checks a section override entry must pass before it is saved: stored under its own path,
 * naming an overridable section, written against the section's current hash, with a body and
 * summary that use only placeholders the section can fill, and a visibility the section supports.
 */

import type { AnySection } from "../section.js";
import { dedent, parseTemplateText } from "../template-text.js";
import { PromptOverridesError } from "./errors.js";
import { type OverridableTemplate, quotedList, type TemplateIndex } from "./target.js";
import type { PromptDescriptor, SectionDescriptor, SectionOverride } from "./types.js";

/** What a section entry's errors name: the prompt and the section path. */
type SectionDetails = {
  readonly prompt: string;
  readonly section: string;
};

/** `entry` checked against the section it names, as a frozen copy; throws on the first problem. */
export function checkSection(
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
      ? `Prompt "${template.name}" has no section "${path}". Overridable sections: ${quotedList(overridable)}.`
      : `Section "${path}" of prompt "${template.name}" does not accept overrides (acceptsOverrides is false or its body is not template text). Overridable sections: ${quotedList(overridable)}.`,
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
  checkPlaceholders(section, path, entry.body, "body", details);
  if (entry.summary !== undefined) checkPlaceholders(section, path, entry.summary, "summary", details);
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

/** Throws unless `text` is valid template text using only placeholders the section can fill. */
function checkPlaceholders(
  section: AnySection,
  path: string,
  text: string,
  what: "body" | "summary",
  details: SectionDetails,
): void {
  const allowed = section.allowedPlaceholders();
  let names: readonly string[];
  try {
    names = parseTemplateText(dedent(text), `section "${path}" override ${what}`).placeholders;
  } catch (err) {
    throw new PromptOverridesError(
      "invalid_section_override",
      `Section "${path}" override ${what} is not valid template text: ${(err as Error).message}`,
      { cause: err, details },
    );
  }
  const unknown = names.filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    throw new PromptOverridesError(
      "invalid_section_override",
      `Section "${path}" override ${what} uses ${unknown.map((n) => `\${${n}}`).join(", ")}, which the section cannot fill. ` +
        `Allowed placeholders: ${quotedList(allowed.map((n) => `\${${n}}`))}. Remove them or write $\${ for a literal.`,
      { details: { ...details, placeholders: unknown, allowed } },
    );
  }
}
