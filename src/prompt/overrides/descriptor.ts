/**
 * Content hashes that tie an override to the exact text it was written against. When the code's
 * section text or tool contract changes, the hash changes and the old override goes stale
 * instead of silently applying to text it was never meant for.
 */

import { createHash } from "node:crypto";
import { toJsonSchema } from "../../schema.js";
import type { AnySection } from "../section.js";
import type { AnyTool } from "../tool.js";
import type { PromptDescriptor, SectionDescriptor, ToolDescriptor } from "./types.js";

/** sha256 hex of UTF-8 text. */
export function hashText(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return v;
  });
}

/** sha256 hex of the canonical JSON of `value`. */
export function hashJson(value: unknown): string {
  return hashText(canonicalJson(value));
}

/** The contract hash of a tool: its description and its params and result schemas. */
export function toolContractHash(tool: AnyTool): string {
  const result = tool.result ? hashJson(toJsonSchema(tool.result)) : "none";
  return hashText(`${hashText(tool.description)}::${hashJson(tool.parametersJsonSchema)}::${result}`);
}

const cache = new WeakMap<object, PromptDescriptor>();

/** The descriptor of a template (computed once per template object). */
export function describeSections(
  owner: object,
  ns: string,
  key: string,
  sections: readonly AnySection[],
): PromptDescriptor {
  const cached = cache.get(owner);
  if (cached) return cached;
  const sectionDescriptors: SectionDescriptor[] = [];
  const toolDescriptors: ToolDescriptor[] = [];
  const walk = (list: readonly AnySection[], parent: readonly string[], prefix: string): void => {
    list.forEach((section, index) => {
      const path = [...parent, section.key];
      const number = prefix ? `${prefix}.${index + 1}` : `${index + 1}`;
      const template = section.bodyTemplate();
      if (section.acceptsOverrides && template !== undefined) {
        sectionDescriptors.push({ path, contentHash: hashText(template), number });
      }
      for (const tool of section.tools) {
        if (tool.acceptsOverrides)
          toolDescriptors.push({ path, name: tool.name, contractHash: toolContractHash(tool) });
      }
      walk(section.children, path, number);
    });
  };
  walk(sections, [], "");
  const descriptor: PromptDescriptor = Object.freeze({
    ns,
    key,
    sections: Object.freeze(sectionDescriptors),
    tools: Object.freeze(toolDescriptors),
  });
  cache.set(owner, descriptor);
  return descriptor;
}
