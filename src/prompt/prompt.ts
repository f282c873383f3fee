/**
 * A {@link Prompt} is a template with params bound, plus where its overrides come from. It is
 * immutable: `bind` returns a new prompt, so one template serves every request concurrently.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { MarkdownSection, Prompt, PromptTemplate } from "weakincentives";
 *
 * const template = new PromptTemplate({
 *   ns: "examples",
 *   key: "greet",
 *   sections: [
 *     new MarkdownSection({
 *       key: "request",
 *       title: "Request",
 *       params: z.object({ name: z.string() }),
 *       template: "Say hello to ${name}.",
 *     }),
 *   ],
 * });
 * const rendered = new Prompt(template).bind({ request: { name: "Ada" } }).render();
 * rendered.text; // "## 1. Request\n\nSay hello to Ada."
 * ```
 */

import type { z } from "zod";
import { PromptValidationError } from "../errors.js";
import { ResourceRegistry } from "../resources/index.js";
import type { Session } from "../runtime/session/index.js";
import type { PromptDescriptor, PromptOverridesStore } from "./overrides/types.js";
import { type RenderedPrompt, renderPrompt } from "./render.js";
import type { AnySection, Section } from "./section.js";
import type { PromptTemplate } from "./template.js";

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

type SectionEntry<S, Depth extends readonly unknown[]> =
  S extends Section<infer K, infer PS, infer C>
    ? (PS extends z.ZodObject ? { [key in K]?: Partial<z.input<PS>> } : unknown) &
        ParamsOfSections<C, [...Depth, unknown]>
    : unknown;

/**
 * The params a prompt accepts: section key → that section's params (inferred from the schemas).
 * Nesting deeper than eight levels, or a children list typed only as `AnySection[]`, accepts any
 * params object for the sections it cannot see (render still validates them).
 */
export type ParamsOfSections<
  S extends readonly AnySection[],
  Depth extends readonly unknown[] = [],
> = Depth["length"] extends 8
  ? Record<string, unknown>
  : readonly AnySection[] extends S
    ? S extends readonly []
      ? unknown
      : Record<string, unknown>
    : UnionToIntersection<SectionEntry<S[number], Depth>>;

/** Options for {@link Prompt}. */
export interface PromptOptions {
  /** Where section and tool overrides are read from at render time. */
  overridesStore?: PromptOverridesStore;
  /** Which override set to use (default `"latest"`); `undefined`/empty means `"latest"`. */
  overridesTag?: string | undefined;
}

/** Options for {@link Prompt.render}. */
export interface RenderOptions {
  /** Supplies visibility overrides and is passed to `enabled` predicates. */
  session?: Session;
}

/** A template with bound params: render it, or hand it to an adapter. */
export class Prompt<Output = undefined, S extends readonly AnySection[] = readonly AnySection[]> {
  readonly template: PromptTemplate<Output, S>;
  readonly overridesStore: PromptOverridesStore | undefined;
  readonly overridesTag: string;
  /** Bound params by section key. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Resources bound with {@link Prompt.bind}; highest precedence. */
  readonly boundResources: ResourceRegistry | undefined;

  constructor(template: PromptTemplate<Output, S>, options: PromptOptions = {}) {
    this.template = template;
    this.overridesStore = options.overridesStore;
    this.overridesTag = options.overridesTag || "latest";
    this.params = Object.freeze({});
    this.boundResources = undefined;
  }

  /** The template's name. */
  get name(): string {
    return this.template.name;
  }

  /** Hashes of every overridable section and tool. */
  get descriptor(): PromptDescriptor {
    return this.template.descriptor;
  }

  /**
   * A new prompt with `params` bound (merged over earlier bindings, section by section) and
   * optionally extra resources. Keys must name sections that take params.
   */
  bind(params: ParamsOfSections<S>, options: { resources?: ResourceRegistry } = {}): Prompt<Output, S> {
    const given = (params ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!this.template.paramSections.has(key)) {
        const known = [...this.template.paramSections.keys()];
        throw new PromptValidationError(
          `bind() got params for "${key}", but prompt "${this.name}" has no section with params under that key. ` +
            (known.length > 0 ? `Sections with params: ${known.join(", ")}.` : "No section takes params."),
          { details: { prompt: this.name, key } },
        );
      }
    }
    const next = Object.create(Prompt.prototype) as Prompt<Output, S>;
    const resources =
      options.resources && this.boundResources
        ? this.boundResources.merge(options.resources)
        : (options.resources ?? this.boundResources);
    Object.assign(next, {
      template: this.template,
      overridesStore: this.overridesStore,
      overridesTag: this.overridesTag,
      params: Object.freeze({ ...this.params, ...given }),
      boundResources: resources,
    });
    return next;
  }

  /** Render text, tools and output contract. Reads overrides from the store on every call. */
  render(options: RenderOptions = {}): RenderedPrompt<Output> {
    const override = this.overridesStore?.resolve(this.descriptor, this.overridesTag);
    return renderPrompt(this.template, { params: this.params, session: options.session, override });
  }

  /** Resources for tools: template, then bound ones (later wins). */
  resourceRegistry(): ResourceRegistry {
    let registry = this.template.resources ?? ResourceRegistry.of();
    if (this.boundResources) registry = registry.merge(this.boundResources);
    return registry;
  }
}
