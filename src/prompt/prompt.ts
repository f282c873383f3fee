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
import type { ResourceRegistry, ResourceResolver } from "../resources/index.js";
import type { Session } from "../session/index.js";
import type { PromptDescriptor, PromptOverridesStore } from "./overrides/types.js";
import { type RenderedPrompt, renderPrompt } from "./render.js";
import type { AnySection, Section } from "./section.js";
import type { PromptTemplate } from "./template.js";

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

// "Contributes nothing" must be an empty object type, not `unknown`: entries are collected as a
// union before being intersected, and `unknown` would absorb the whole union.
type NoParams = Record<never, never>;

// A section without params has PS inferred as `ZodObject | undefined`; it takes no params entry.
type ParamsEntry<K extends string, PS> = undefined extends PS
  ? NoParams
  : PS extends z.ZodObject
    ? { [key in K]?: Partial<z.input<PS>> }
    : NoParams;

// A section whose key is only known as `string` (a wide AnySection) contributes nothing: mapping
// over `string` would accept every key and defeat the excess-property check on bind.
type SectionEntry<S, Depth extends readonly unknown[]> =
  S extends Section<infer K, infer PS, infer C>
    ? string extends K
      ? NoParams
      : ParamsEntry<K, PS> & ParamsOfSections<C, [...Depth, unknown]>
    : NoParams;

/**
 * The params a prompt accepts: section key → that section's params (inferred from the schemas).
 * Nesting deeper than eight levels accepts any params object; a children list typed only as
 * `AnySection[]` contributes nothing (render still validates every section's params).
 */
export type ParamsOfSections<
  S extends readonly AnySection[],
  Depth extends readonly unknown[] = [],
> = Depth["length"] extends 8
  ? Record<string, unknown>
  : readonly AnySection[] extends S
    ? NoParams
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
  /** The evaluation's open resources, passed to sections (adapters give them). */
  resources?: ResourceResolver;
}

/**
 * What adapters and loops need from a prompt: its identity, bound params, rendering and
 * resources. Every {@link Prompt} is one, whatever its section types, so code that runs prompts
 * of many templates (adapters, MainLoop) takes this instead of `Prompt<Output, S>`.
 */
export interface EvaluablePrompt<Output> {
  /** Type-only: carries `Output` so adapters infer it (never set at run time). */
  readonly __output?: Output;
  readonly name: string;
  readonly template: PromptTemplate<Output, readonly AnySection[]>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly descriptor: PromptDescriptor;
  render(options?: RenderOptions): RenderedPrompt<Output>;
  resourceRegistry(): ResourceRegistry;
}

/** A template with bound params: render it, or hand it to an adapter. */
export class Prompt<Output = undefined, S extends readonly AnySection[] = readonly AnySection[]>
  implements EvaluablePrompt<Output>
{
  /** Type-only marker of the output type; see {@link EvaluablePrompt}. */
  declare readonly __output?: Output;
  /** The template (its section tuple type is erased so prompts of any template share one type). */
  readonly template: PromptTemplate<Output, readonly AnySection[]>;
  readonly overridesStore: PromptOverridesStore | undefined;
  readonly overridesTag: string;
  /** Bound params by section key. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Resources bound with {@link Prompt.bind}; highest precedence. */
  readonly boundResources: ResourceRegistry | undefined;

  constructor(template: PromptTemplate<Output, S>, options: PromptOptions = {}) {
    this.template = template as PromptTemplate<Output, readonly AnySection[]>;
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
    return renderPrompt(this.template, {
      params: this.params,
      session: options.session,
      override,
      ...(options.resources ? { resources: options.resources } : {}),
    });
  }

  /** Resources for tools: the sections', the template's, then bound ones (later wins). */
  resourceRegistry(): ResourceRegistry {
    let registry = this.template.sectionResources;
    if (this.template.resources) registry = registry.merge(this.template.resources);
    if (this.boundResources) registry = registry.merge(this.boundResources);
    return registry;
  }
}
