/**
 * A prompt template: the whole agent definition — namespace and key, an ordered tree of sections
 * (each with its text and tools), an optional structured-output schema, tool policies and
 * resources. Templates are validated when built: bad keys, duplicate tool names and ambiguous
 * params fail here, naming the offender.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { MarkdownSection, PromptTemplate } from "weakincentives";
 *
 * const template = new PromptTemplate({
 *   ns: "examples/code-review",
 *   key: "review",
 *   output: z.object({ summary: z.string(), issues: z.array(z.string()) }),
 *   sections: [new MarkdownSection({ key: "guide", title: "Guide", template: "Review the change." })],
 * });
 * ```
 */

import { z } from "zod";
import { describeThrown, PromptValidationError } from "../errors.js";
import { ResourceRegistry } from "../resources/index.js";
import { type JsonSchema, toJsonSchema } from "../schema.js";
import { type FeedbackProviderConfig, feedbackConfigs } from "./feedback.js";
import { describeSections } from "./overrides/descriptor.js";
import type { PromptDescriptor } from "./overrides/types.js";
import type { ToolPolicy } from "./policies.js";
import { DISCLOSURE_TOOL_NAMES } from "./progressive-disclosure.js";
import { type AnySection, checkKey, type Section } from "./section.js";
import {
  type TaskCompletionChecker,
  type TaskCompletionConfig,
  type TaskCompletionSpec,
  taskCompletionSpec,
} from "./task-completion.js";
import type { AnyTool } from "./tool.js";

/** How the model must shape its final answer. */
export interface OutputSpec<T> {
  readonly schema: z.ZodType<T>;
  /** `"array"` for a top-level list (sent to providers wrapped as `{ "items": [...] }`). */
  readonly container: "object" | "array";
  /** JSON Schema of `schema`, derived once. */
  readonly jsonSchema: JsonSchema;
}

/** Options for {@link PromptTemplate}. */
export interface PromptTemplateOptions<Output, S extends readonly AnySection[]> {
  /** Namespace: one or more `/`-separated keys, e.g. `"examples/code-review"`. */
  ns: string;
  /** Key of the prompt within its namespace. */
  key: string;
  /** Display name (default `ns/key`). */
  name?: string;
  sections: S;
  /** Schema of the final answer: an object or an array schema. Omit for free text. */
  output?: z.ZodType<Output>;
  /** Policies applied to every tool of the prompt. */
  policies?: readonly ToolPolicy[];
  /** Lowest-precedence resources for tools (resources bound with `Prompt.bind` override them). */
  resources?: ResourceRegistry;
  /**
   * Checked when the model says it is done; an incomplete verdict sends it back to work (up to
   * `maxContinuations` times, default 3). See `docs/task-completion-and-feedback.md`.
   */
  taskCompletion?: TaskCompletionChecker | TaskCompletionConfig;
  /** Feedback providers run after tool calls, in priority order (the first that speaks wins). */
  feedback?: readonly FeedbackProviderConfig[];
}

/** Where a tool sits in the section tree. */
export interface ToolLocation {
  readonly tool: AnyTool;
  readonly path: readonly string[];
  /** Policies of the declaring section and its ancestors, innermost first. */
  readonly sectionPolicies: readonly ToolPolicy[];
}

/** An immutable, validated agent definition. Bind params to it through a {@link Prompt}. */
export class PromptTemplate<
  Output = undefined,
  const S extends readonly AnySection[] = readonly AnySection[],
> {
  readonly ns: string;
  readonly key: string;
  readonly name: string;
  readonly sections: S;
  readonly output: OutputSpec<Output> | undefined;
  readonly policies: readonly ToolPolicy[];
  readonly resources: ResourceRegistry | undefined;
  /** The completion check and its continuation limit, when configured. */
  readonly taskCompletion: TaskCompletionSpec | undefined;
  /** Feedback providers with their triggers (empty when none). */
  readonly feedback: readonly FeedbackProviderConfig[];
  /** The resources the sections bring, merged in section order (the template's own go over them). */
  readonly sectionResources: ResourceRegistry;
  /** Every tool in the tree by name (enabled or not), with its location. */
  readonly toolIndex: ReadonlyMap<string, ToolLocation>;
  /** Sections that take params, by key. */
  readonly paramSections: ReadonlyMap<string, AnySection>;

  constructor(options: PromptTemplateOptions<Output, S>) {
    if (typeof options.ns !== "string" || options.ns.length === 0) {
      throw new PromptValidationError('PromptTemplate needs an ns such as "examples/code-review".');
    }
    for (const segment of options.ns.split("/")) checkKey(segment, `Namespace segment of "${options.ns}":`);
    checkKey(options.key, "Prompt key");
    this.ns = options.ns;
    this.key = options.key;
    this.name = options.name ?? `${options.ns}/${options.key}`;
    this.sections = Object.freeze([...options.sections]) as unknown as S;
    this.policies = Object.freeze([...(options.policies ?? [])]);
    this.resources = options.resources;
    this.output = options.output ? outputSpec(options.output, this.name) : undefined;
    this.taskCompletion = options.taskCompletion
      ? taskCompletionSpec(options.taskCompletion, this.name)
      : undefined;
    this.feedback = feedbackConfigs(options.feedback ?? [], this.name);
    const index = new Map<string, ToolLocation>();
    const params = new Map<string, AnySection>();
    const rootKeys = new Set<string>();
    for (const section of this.sections) {
      if (rootKeys.has(section.key)) {
        throw new PromptValidationError(
          `Prompt "${this.name}" has two top-level sections with key "${section.key}". Give each its own key.`,
          { details: { prompt: this.name, section: section.key } },
        );
      }
      rootKeys.add(section.key);
    }
    indexSections(this.name, this.sections, [], [], index, params);
    this.sectionResources = collectResources(this.name, this.sections, ResourceRegistry.empty);
    this.toolIndex = index;
    this.paramSections = params;
    Object.freeze(this);
  }

  /** Hashes of every overridable section and tool. */
  get descriptor(): PromptDescriptor {
    return describeSections(this, this.ns, this.key, this.sections);
  }
}

function outputSpec<T>(schema: z.ZodType<T>, prompt: string): OutputSpec<T> {
  let container: "object" | "array";
  if (schema instanceof z.ZodObject) container = "object";
  else if (schema instanceof z.ZodArray) container = "array";
  else {
    throw new PromptValidationError(
      `Prompt "${prompt}" output must be a z.object(...) or z.array(...) schema. Wrap other values in an object.`,
      { details: { prompt } },
    );
  }
  return Object.freeze({ schema: schema as z.ZodType<T>, container, jsonSchema: toJsonSchema(schema) });
}

/** Merge the resources of every section, in tree order; one key bound twice is a template error. */
function collectResources(
  prompt: string,
  sections: readonly AnySection[],
  registry: ResourceRegistry,
): ResourceRegistry {
  let merged = registry;
  for (const section of sections) {
    if (section.resources) {
      try {
        merged = merged.merge(section.resources, { strict: true });
      } catch (error) {
        throw new PromptValidationError(
          `Section "${section.key}" of prompt "${prompt}" binds a resource another section binds too (${describeThrown(error)}). Keep one of the two sections, or bind the resource once on the template.`,
          { cause: error, details: { prompt, section: section.key } },
        );
      }
    }
    merged = collectResources(prompt, section.children, merged);
  }
  return merged;
}

function indexSections(
  prompt: string,
  sections: readonly AnySection[],
  parent: readonly string[],
  inherited: readonly ToolPolicy[],
  index: Map<string, ToolLocation>,
  params: Map<string, AnySection>,
): void {
  for (const section of sections as readonly Section[]) {
    const path = [...parent, section.key];
    const policies = [...section.policies, ...inherited];
    if (section.params) {
      const other = params.get(section.key);
      if (other) {
        throw new PromptValidationError(
          `Prompt "${prompt}" has two sections with params under key "${section.key}"; params are bound by section key, so rename one.`,
          { details: { prompt, section: section.key } },
        );
      }
      params.set(section.key, section as AnySection);
    }
    for (const tool of section.tools) {
      if (DISCLOSURE_TOOL_NAMES.has(tool.name)) {
        throw new PromptValidationError(
          `Section "${path.join("/")}" of prompt "${prompt}" declares tool "${tool.name}", a name reserved for progressive disclosure. Rename the tool.`,
          { details: { prompt, tool: tool.name } },
        );
      }
      const existing = index.get(tool.name);
      if (existing) {
        throw new PromptValidationError(
          `Prompt "${prompt}" declares tool "${tool.name}" twice (in "${existing.path.join("/")}" and "${path.join("/")}"). Tool names must be unique in a prompt.`,
          { details: { prompt, tool: tool.name } },
        );
      }
      index.set(tool.name, { tool, path, sectionPolicies: policies });
    }
    indexSections(prompt, section.children, path, policies, index, params);
  }
}
