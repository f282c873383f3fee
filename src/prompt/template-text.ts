/**
 * The placeholder language of section templates: `${name}` substitutes a parameter, `$${` writes
 * a literal `${`, and any other `$` is plain text (so shell snippets like `$HOME` stay as they
 * are). Templates are parsed once, at section construction, so an unknown placeholder fails
 * before anything renders.
 *
 * @example
 * ```ts
 * import { parseTemplateText } from "weakincentives/prompt";
 *
 * const parsed = parseTemplateText("Review ${file} for $${literal}.");
 * parsed.placeholders; // ["file"]
 * ```
 */

import { PromptValidationError } from "../errors.js";

/** A template split into literal text and placeholder names. */
export interface ParsedTemplateText {
  /** Alternating parts: strings are literal text, `{ name }` objects are placeholders. */
  readonly parts: readonly (string | { readonly name: string })[];
  /** Distinct placeholder names, in order of first appearance. */
  readonly placeholders: readonly string[];
}

const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse template text. Throws {@link PromptValidationError} for a malformed placeholder. */
export function parseTemplateText(text: string, where = "template"): ParsedTemplateText {
  const parts: (string | { name: string })[] = [];
  const names: string[] = [];
  let literal = "";
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    literal += text.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0] === "$${") {
      literal += "${";
      continue;
    }
    const name = match[1];
    if (name === undefined) {
      throw new PromptValidationError(
        `Unclosed placeholder in ${where} at offset ${match.index}: "${text.slice(match.index, match.index + 20)}". ` +
          "Close it with } or write $${ for a literal ${.",
        { details: { where, offset: match.index } },
      );
    }
    if (!NAME.test(name.trim()) || name.trim() !== name) {
      throw new PromptValidationError(
        `Invalid placeholder \${${name}} in ${where}: use a parameter name such as \${file} (letters, digits, _).`,
        { details: { where, placeholder: name } },
      );
    }
    if (literal) parts.push(literal);
    literal = "";
    parts.push({ name });
    if (!names.includes(name)) names.push(name);
  }
  literal += text.slice(last);
  if (literal) parts.push(literal);
  return { parts, placeholders: names };
}

/** Render a parameter value into text: strings verbatim, other values as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value, null, 2);
}

/** Substitute `values` into a parsed template. */
export function substitute(parsed: ParsedTemplateText, values: Readonly<Record<string, unknown>>): string {
  let out = "";
  for (const part of parsed.parts) out += typeof part === "string" ? part : formatValue(values[part.name]);
  return out;
}

/** Remove common leading indentation and surrounding blank lines (templates are often indented in code). */
export function dedent(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  while (lines.length > 0 && lines[0]?.trim() === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === "") lines.pop();
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(common).trimEnd()).join("\n");
}
