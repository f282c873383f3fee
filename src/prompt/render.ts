/**
 * Rendering: walk the section tree once and produce the text, the tools and the output contract
 * a provider needs. The same template, params, overrides and session state always give
 * byte-identical text, the same tool list and the same schemas.
 */

import { PromptRenderError, PromptValidationError, WinkError } from "../errors.js";
import { getLogger } from "../logging/index.js";
import type { ResourceResolver } from "../resources/index.js";
import { formatIssues, type JsonSchema, schemaIssues } from "../schema.js";
import type { Session } from "../session/index.js";
import type { FeedbackProviderConfig } from "./feedback.js";
import type { PromptDescriptor, PromptOverride } from "./overrides/types.js";
import type { ToolPolicy } from "./policies.js";
import { openSectionsTool, readSectionTool, visibilityOverrides } from "./progressive-disclosure.js";
import type { AnySection, SectionRenderContext, SectionVisibility } from "./section.js";
import type { TaskCompletionSpec } from "./task-completion.js";
import type { OutputSpec, PromptTemplate } from "./template.js";
import type { AnyTool } from "./tool.js";

const log = getLogger("weakincentives.prompt");

/** A tool as offered to the model in one render. */
export interface RenderedTool {
  readonly tool: AnyTool;
  readonly name: string;
  /** Description after overrides. */
  readonly description: string;
  /** Parameters JSON Schema after parameter-description overrides. */
  readonly parameters: JsonSchema;
  /** Path of the declaring section (empty for built-in tools). */
  readonly sectionPath: readonly string[];
  /** Policies governing the tool: its section's and ancestors', then the prompt's. */
  readonly policies: readonly ToolPolicy[];
}

/** A section as it appeared in one render. */
export interface RenderedSection {
  readonly path: string;
  readonly number: string;
  readonly title: string;
  readonly visibility: SectionVisibility;
}

/** The result of {@link Prompt.render}: everything an adapter sends to a provider. */
export interface RenderedPrompt<Output = unknown> {
  readonly ns: string;
  readonly key: string;
  readonly name: string;
  /** The markdown sent as the prompt. */
  readonly text: string;
  /** Tools offered, in section order, built-ins last. */
  readonly tools: readonly RenderedTool[];
  /** Tools by name. */
  readonly toolsByName: ReadonlyMap<string, RenderedTool>;
  /** The output contract, when the template declares one. */
  readonly output: OutputSpec<Output> | undefined;
  /** The template's completion check, when it declares one. */
  readonly taskCompletion: TaskCompletionSpec | undefined;
  /** The template's feedback providers (empty when none). */
  readonly feedback: readonly FeedbackProviderConfig[];
  readonly sections: readonly RenderedSection[];
  /** The override tag applied, when any override applied. */
  readonly overrideTag: string | undefined;
  /** Content hashes of the template's overridable sections and tools. */
  readonly descriptor: PromptDescriptor;
}

/** Inputs of one render. */
export interface RenderInputs {
  readonly params: Readonly<Record<string, unknown>>;
  readonly session: Session | undefined;
  readonly override: PromptOverride | undefined;
  /** The evaluation's open resources, for sections that show what one holds. */
  readonly resources?: ResourceResolver;
}

interface Walk {
  readonly context: SectionRenderContext;
  readonly template: PromptTemplate<unknown, readonly AnySection[]>;
  readonly inputs: RenderInputs;
  readonly visibility: ReadonlyMap<string, SectionVisibility>;
  readonly tools: RenderedTool[];
  readonly sections: RenderedSection[];
  readonly openable: string[];
  readonly readable: string[];
}

/** Resolve the params of one section: defaults, then bound values, parsed by its schema. */
export function sectionParams(
  template: PromptTemplate<unknown, readonly AnySection[]>,
  section: AnySection,
  bound: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> | undefined {
  if (!section.params) return undefined;
  const given = bound[section.key] as Record<string, unknown> | undefined;
  const merged = { ...(section.defaultParams ?? {}), ...(given ?? {}) };
  const result = section.params.safeParse(merged);
  if (result.success) return result.data as Record<string, unknown>;
  throw new PromptRenderError(
    `Prompt "${template.name}" section "${section.key}" has invalid or missing params:\n${formatIssues(
      schemaIssues(result.error),
    )}\nBind them with prompt.bind({ "${section.key}": { ... } }) or give the section defaultParams.`,
    { details: { prompt: template.name, section: section.key } },
  );
}

/** Render a template with bound params, overrides and session visibility. */
export function renderPrompt<Output>(
  template: PromptTemplate<Output, readonly AnySection[]>,
  inputs: RenderInputs,
): RenderedPrompt<Output> {
  const walk: Walk = {
    context: {
      ...(inputs.session ? { session: inputs.session } : {}),
      ...(inputs.resources ? { resources: inputs.resources } : {}),
    },
    template: template as PromptTemplate<unknown, readonly AnySection[]>,
    inputs,
    visibility: visibilityOverrides(inputs.session),
    tools: [],
    sections: [],
    openable: [],
    readable: [],
  };
  if (log.isEnabled("debug")) {
    log.debug("prompt.render.start", "Rendering prompt", { prompt: template.name });
  }
  const text = renderList(walk, template.sections, [], "", 0, true).join("\n\n");
  if (walk.openable.length > 0) walk.tools.push(builtin(openSectionsTool(walk.openable)));
  if (walk.readable.length > 0) {
    walk.tools.push(builtin(readSectionTool(walk.readable, (path) => renderFull(walk, path))));
  }
  if (log.isEnabled("debug")) {
    log.debug("prompt.render.complete", "Rendered prompt", {
      prompt: template.name,
      sections: walk.sections.length,
      tools: walk.tools.length,
      chars: text.length,
    });
  }
  return Object.freeze({
    ns: template.ns,
    key: template.key,
    name: template.name,
    text,
    tools: Object.freeze(walk.tools),
    toolsByName: new Map(walk.tools.map((t) => [t.name, t])),
    output: template.output,
    taskCompletion: template.taskCompletion,
    feedback: template.feedback,
    sections: Object.freeze(walk.sections),
    overrideTag: inputs.override?.tag,
    descriptor: template.descriptor,
  });
}

function builtin(tool: AnyTool): RenderedTool {
  return {
    tool,
    name: tool.name,
    description: tool.description,
    parameters: tool.parametersJsonSchema,
    sectionPath: [],
    policies: [],
  };
}

function renderList(
  walk: Walk,
  list: readonly AnySection[],
  parent: readonly string[],
  prefix: string,
  depth: number,
  offerTools: boolean,
  expandAll = false,
): string[] {
  const chunks: string[] = [];
  let ordinal = 0;
  for (const section of list) {
    const params = sectionParams(walk.template, section, walk.inputs.params);
    if (!section.isEnabled(params, walk.context)) continue;
    ordinal++;
    const pathKeys = [...parent, section.key];
    const path = pathKeys.join("/");
    const number = prefix ? `${prefix}.${ordinal}` : `${ordinal}`;
    const override = walk.inputs.override?.sections[path];
    const visibility: SectionVisibility = expandAll
      ? "full"
      : (walk.visibility.get(path) ?? override?.visibility ?? section.visibility);
    const summarized = visibility === "summary" && section.summary !== undefined;
    const heading = `${"#".repeat(depth + 2)} ${number}. ${section.title}`;
    if (offerTools && log.isEnabled("trace")) {
      log.trace("prompt.render.section", "Rendering section", { path, visibility });
    }
    let body: string;
    let children: string[] = [];
    try {
      if (summarized) {
        const hasTools = subtreeHasTools(section);
        const summary = withOverride(walk, path, override?.summary, (text) =>
          section.renderSummary(params, text, walk.context),
        );
        body = `${summary}\n\n${disclosureHint(path, hasTools)}`.trim();
        if (offerTools) (hasTools ? walk.openable : walk.readable).push(path);
      } else {
        body = withOverride(walk, path, override?.body, (text) =>
          section.renderBody(params, text, walk.context),
        );
      }
    } catch (err) {
      throw err instanceof WinkError
        ? err
        : new PromptRenderError(
            `Section "${path}" of prompt "${walk.template.name}" failed to render: ${String(err)}`,
            {
              cause: err,
              details: { prompt: walk.template.name, section: path },
            },
          );
    }
    if (offerTools)
      walk.sections.push({ path, number, title: section.title, visibility: summarized ? "summary" : "full" });
    if (!summarized) {
      if (offerTools) for (const tool of section.tools) walk.tools.push(renderTool(walk, tool, pathKeys));
      children = renderList(walk, section.children, pathKeys, number, depth + 1, offerTools, expandAll);
    }
    chunks.push(joinParts(heading, body, children));
  }
  return chunks;
}

/** A section's heading, body and rendered children, blank parts left out, as one chunk. */
function joinParts(heading: string, body: string, children: readonly string[]): string {
  let out = body === "" ? heading : `${heading}\n\n${body}`;
  for (const child of children) if (child !== "") out += `\n\n${child}`;
  return out;
}

/**
 * Render with override text when there is one; an override whose placeholders the section cannot
 * fill is skipped with a warning, like a stale one, so a bad file never breaks rendering.
 */
function withOverride(
  walk: Walk,
  path: string,
  text: string | undefined,
  render: (text?: string) => string,
): string {
  if (text === undefined) return render();
  try {
    return render(text);
  } catch (err) {
    if (!(err instanceof PromptValidationError)) throw err;
    log.warning("prompt_override_invalid_section", "Ignoring a section override the section cannot render.", {
      prompt: walk.template.name,
      path,
      tag: walk.inputs.override?.tag,
      error: err.message,
    });
    return render();
  }
}

function subtreeHasTools(section: AnySection): boolean {
  return section.tools.length > 0 || section.children.some(subtreeHasTools);
}

function disclosureHint(path: string, hasTools: boolean): string {
  return hasTools
    ? `[This section is summarized. Call open_sections with section_keys ["${path}"] to see it in full and use its tools.]`
    : `[This section is summarized. Call read_section with section_key "${path}" to read it in full.]`;
}

function renderTool(walk: Walk, tool: AnyTool, path: readonly string[]): RenderedTool {
  const override = tool.acceptsOverrides ? walk.inputs.override?.tools[tool.name] : undefined;
  let parameters = tool.parametersJsonSchema;
  const descriptions = override?.paramDescriptions;
  if (descriptions && Object.keys(descriptions).length > 0) {
    const properties = {
      ...((parameters.properties as Record<string, Record<string, unknown>> | undefined) ?? {}),
    };
    for (const [name, text] of Object.entries(descriptions)) {
      if (properties[name]) properties[name] = { ...properties[name], description: text };
    }
    parameters = { ...parameters, properties };
  }
  const sectionPolicies = walk.template.toolIndex.get(tool.name)?.sectionPolicies ?? [];
  return {
    tool,
    name: tool.name,
    description: override?.description ?? tool.description,
    parameters,
    sectionPath: path,
    policies: [...sectionPolicies, ...walk.template.policies],
  };
}

/** Render one summarized section (and its subtree) in full, for read_section. */
function renderFull(walk: Walk, path: string): string {
  const keys = path.split("/");
  let list = walk.template.sections as readonly AnySection[];
  let section: AnySection | undefined;
  for (const key of keys) {
    section = list.find((s) => s.key === key);
    if (!section) return "";
    list = section.children;
  }
  if (!section) return "";
  return renderList(walk, [section], keys.slice(0, -1), "", 0, false, true).join("\n\n");
}
