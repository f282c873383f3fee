/**
 * What an override is written for: the template (or prompt) it targets, its default tag, and an
 * index of the template's sections and tools by the keys override entries use. Shared by the
 * section and tool checks and by the seed.
 */

import type { AnySection } from "../section.js";
import type { AnyTool } from "../tool.js";
import { normalizeTag } from "./paths.js";
import type { PromptDescriptor } from "./types.js";

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

/** A template's sections by "/"-joined path and its tools by name. */
export interface TemplateIndex {
  readonly sections: ReadonlyMap<string, AnySection>;
  readonly tools: ReadonlyMap<string, AnyTool>;
}

/** Every section of `template` (nested ones included) by path, and every tool they declare by name. */
export function indexTemplate(template: OverridableTemplate): TemplateIndex {
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

/** The `properties` of the tool's parameter schema, or `{}` when it has none. */
export function paramProperties(tool: AnyTool): Readonly<Record<string, unknown>> {
  const properties = tool.parametersJsonSchema.properties;
  return properties && typeof properties === "object" ? (properties as Record<string, unknown>) : {};
}

/** `names` quoted and comma-separated for an error message, or "none". */
export function quotedList(names: readonly string[]): string {
  return names.length > 0 ? names.map((n) => `"${n}"`).join(", ") : "none";
}
