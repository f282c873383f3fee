/**
 * The everyday section: markdown text with `${name}` placeholders filled from a zod-typed params
 * object. Placeholders are checked against the params schema when the section is built, so a
 * typo fails at start-up, not in production.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { MarkdownSection } from "weakincentives";
 *
 * const request = new MarkdownSection({
 *   key: "request",
 *   title: "Request",
 *   params: z.object({ request: z.string() }),
 *   template: "Review this change: ${request}",
 * });
 * ```
 */

import type { z } from "zod";
import { PromptValidationError } from "../errors.js";
import { type AnySection, Section, type SectionOptions } from "./section.js";
import { dedent, type ParsedTemplateText, parseTemplateText, substitute } from "./template-text.js";

/** Options for {@link MarkdownSection}. */
export interface MarkdownSectionOptions<
  K extends string,
  PS extends z.ZodObject | undefined,
  C extends readonly AnySection[],
> extends SectionOptions<K, PS, C> {
  /** Markdown body; dedented and trimmed. `${name}` refers to a field of `params`. */
  template: string;
}

/** A section whose body is markdown template text. */
export class MarkdownSection<
  const K extends string = string,
  PS extends z.ZodObject | undefined = undefined,
  const C extends readonly AnySection[] = [],
> extends Section<K, PS, C> {
  /** The dedented template text. */
  readonly template: string;
  private readonly parsed: ParsedTemplateText;
  private readonly parsedSummary: ParsedTemplateText | undefined;
  private readonly fields: readonly string[];

  constructor(options: MarkdownSectionOptions<K, PS, C>) {
    super(options);
    if (typeof options.template !== "string") {
      throw new PromptValidationError(`Section "${options.key}" needs a template string.`, {
        details: { section: options.key },
      });
    }
    this.fields = options.params ? Object.keys(options.params.shape) : [];
    this.template = dedent(options.template);
    this.parsed = this.parse(this.template, "template");
    this.parsedSummary =
      options.summary === undefined ? undefined : this.parse(dedent(options.summary), "summary");
  }

  renderBody(params: Readonly<Record<string, unknown>> | undefined, bodyOverride?: string): string {
    const parsed = bodyOverride === undefined ? this.parsed : this.parse(dedent(bodyOverride), "override");
    return substitute(parsed, params ?? {}).trim();
  }

  renderSummary(params: Readonly<Record<string, unknown>> | undefined, summaryOverride?: string): string {
    const parsed =
      summaryOverride === undefined
        ? this.parsedSummary
        : this.parse(dedent(summaryOverride), "summary override");
    return parsed ? substitute(parsed, params ?? {}).trim() : "";
  }

  bodyTemplate(): string {
    return this.template;
  }

  allowedPlaceholders(): readonly string[] {
    return this.fields;
  }

  private parse(text: string, what: string): ParsedTemplateText {
    const where = `section "${this.key}" ${what}`;
    const parsed = parseTemplateText(text, where);
    for (const name of parsed.placeholders) {
      if (!this.fields.includes(name)) {
        throw new PromptValidationError(
          this.fields.length === 0
            ? `Unknown placeholder \${${name}} in ${where}: the section has no params. Add params: z.object({ ${name}: ... }) or remove the placeholder.`
            : `Unknown placeholder \${${name}} in ${where}: params has ${this.fields.map((f) => `"${f}"`).join(", ")}. Fix the name or add the field.`,
          { details: { section: this.key, placeholder: name } },
        );
      }
    }
    return parsed;
  }
}
