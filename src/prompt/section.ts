/**
 * Sections: the building blocks of a prompt. Each section carries its own instructions *and* its
 * own tools, so a capability and the text that explains it travel together; disabling a section
 * removes both.
 */

import type { z } from "zod";
import { PromptValidationError } from "../errors.js";
import type { ResourceRegistry, ResourceResolver } from "../resources/index.js";
import type { Session } from "../session/index.js";
import type { ToolPolicy } from "./policies.js";
import type { AnyTool } from "./tool.js";

/** Whether a section renders in full or as its summary (progressive disclosure). */
export type SectionVisibility = "full" | "summary";

/** What `enabled` predicates and section renderers can look at. */
export interface SectionRenderContext {
  /** The session the prompt renders for, when one was given. */
  readonly session?: Session;
  /**
   * The evaluation's open resources, when the prompt renders for an evaluation (adapters render
   * after opening them), so a section can show what a resource holds (a workspace fingerprint).
   */
  readonly resources?: ResourceResolver;
}

/** Options every section accepts. */
export interface SectionOptions<
  K extends string,
  PS extends z.ZodObject | undefined,
  C extends readonly AnySection[],
> {
  /** `^[a-z0-9][a-z0-9._-]{0,63}$`; unique among siblings. Also the key params are bound under. */
  key: K;
  /** Heading text. */
  title: string;
  /** Schema of this section's parameters. */
  params?: PS;
  /** Used when nothing is bound for this section (merged under bound values). */
  defaultParams?: PS extends z.ZodObject ? Partial<z.input<PS>> : never;
  children?: C;
  tools?: readonly AnyTool[];
  policies?: readonly ToolPolicy[];
  /** When it returns false the section, its children and their tools are left out. */
  enabled?: (
    params: PS extends z.ZodObject ? z.output<PS> : undefined,
    context: SectionRenderContext,
  ) => boolean;
  /** Default `"full"`; `"summary"` renders {@link SectionOptions.summary} until the model opens it. */
  visibility?: SectionVisibility;
  /** Short text shown while the section is summarized. Required for `visibility: "summary"`. */
  summary?: string;
  /** Whether prompt overrides may replace this section's text (default true). */
  acceptsOverrides?: boolean;
  /**
   * Resources this section's tools need (a workspace, a client). Merged under the template's own
   * resources, in section order; two sections binding one key is a template error.
   */
  resources?: ResourceRegistry;
}

const SECTION_KEY = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Check a section or namespace identifier; throws naming the bad key. */
export function checkKey(key: string, what: string): void {
  if (typeof key !== "string" || !SECTION_KEY.test(key)) {
    throw new PromptValidationError(
      `${what} ${JSON.stringify(key)} is invalid: use 1-64 characters from a-z, 0-9, ".", "_" and "-", starting with a letter or digit.`,
      { details: { key } },
    );
  }
}

/**
 * Base class of sections. Subclasses implement {@link Section.renderBody}; the prompt renders
 * headings, numbering, children and visibility around it.
 */
export abstract class Section<
  K extends string = string,
  PS extends z.ZodObject | undefined = z.ZodObject | undefined,
  C extends readonly AnySection[] = readonly AnySection[],
> {
  readonly key: K;
  readonly title: string;
  readonly params: PS;
  readonly defaultParams: Readonly<Record<string, unknown>> | undefined;
  readonly children: C;
  readonly tools: readonly AnyTool[];
  readonly policies: readonly ToolPolicy[];
  readonly visibility: SectionVisibility;
  readonly summary: string | undefined;
  readonly acceptsOverrides: boolean;
  readonly resources: ResourceRegistry | undefined;
  // Stored with its params erased so sections of every params type share one base type.
  private readonly enabledFn: ((params: never, context: SectionRenderContext) => boolean) | undefined;

  constructor(options: SectionOptions<K, PS, C>) {
    checkKey(options.key, "Section key");
    if (!options.title || typeof options.title !== "string") {
      throw new PromptValidationError(`Section "${options.key}" needs a non-empty title.`, {
        details: { section: options.key },
      });
    }
    const visibility = options.visibility ?? "full";
    if (visibility === "summary" && !options.summary) {
      throw new PromptValidationError(
        `Section "${options.key}" has visibility "summary" but no summary text. Add summary: "..." or use "full".`,
        { details: { section: options.key } },
      );
    }
    const seen = new Set<string>();
    for (const child of options.children ?? []) {
      if (seen.has(child.key)) {
        throw new PromptValidationError(
          `Section "${options.key}" has two children with key "${child.key}". Give each child its own key.`,
          { details: { section: options.key, child: child.key } },
        );
      }
      seen.add(child.key);
    }
    this.key = options.key;
    this.title = options.title;
    this.params = options.params as PS;
    this.defaultParams = options.defaultParams as Readonly<Record<string, unknown>> | undefined;
    this.children = (options.children ?? []) as unknown as C;
    this.tools = Object.freeze([...(options.tools ?? [])]);
    this.policies = Object.freeze([...(options.policies ?? [])]);
    this.visibility = visibility;
    this.summary = options.summary;
    this.acceptsOverrides = options.acceptsOverrides ?? true;
    this.resources = options.resources;
    this.enabledFn = options.enabled as
      | ((params: never, context: SectionRenderContext) => boolean)
      | undefined;
  }

  /** Whether the section renders for these params (default: always). */
  isEnabled(params: Readonly<Record<string, unknown>> | undefined, context: SectionRenderContext): boolean {
    if (!this.enabledFn) return true;
    return this.enabledFn(params as never, context);
  }

  /**
   * The section's body text for `params`. `bodyOverride` is replacement template text from a
   * prompt override, already validated against this section's placeholders.
   */
  abstract renderBody(
    params: Readonly<Record<string, unknown>> | undefined,
    bodyOverride?: string,
    context?: SectionRenderContext,
  ): string;

  /** The summary text for `params` (only called when a summary exists). */
  abstract renderSummary(
    params: Readonly<Record<string, unknown>> | undefined,
    summaryOverride?: string,
    context?: SectionRenderContext,
  ): string;

  /**
   * The original body template (what overrides replace and hash), or undefined when the body is
   * not template text (such sections accept no overrides).
   */
  abstract bodyTemplate(): string | undefined;

  /** Placeholder names a body override may use. */
  abstract allowedPlaceholders(): readonly string[];
}

/** Any section, whatever its key, params and children. */
export type AnySection = Section<string, z.ZodObject | undefined, readonly AnySection[]>;
