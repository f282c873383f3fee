/**
 * The on-disk override format, version 2. Human-edited, so it is pretty-printed with sorted keys
 * (stable diffs) and parsed strictly (a misspelled field is an error, not silently ignored).
 *
 * ```json
 * {
 *   "ns": "examples/code-review",
 *   "promptKey": "review",
 *   "sections": {
 *     "reference/api": { "body": "…", "expectedHash": "…", "path": ["reference", "api"] }
 *   },
 *   "tag": "latest",
 *   "tools": {
 *     "lookup_entity": { "description": "…", "expectedContractHash": "…", "paramDescriptions": { "entityId": "…" } }
 *   },
 *   "version": 2
 * }
 * ```
 *
 * @example
 * ```ts
 * import { type PromptOverride, parsePromptOverride, serializePromptOverride } from "weakincentives/prompt";
 *
 * declare const override: PromptOverride;
 * const text = serializePromptOverride(override);
 * parsePromptOverride(text, "override.json"); // deep-equals override
 * ```
 */

import { z } from "zod";
import { formatIssues, schemaIssues } from "../../schema.js";
import { PromptOverridesError } from "./errors.js";
import type { PromptOverride, SectionOverride, ToolOverride } from "./types.js";

/** The only file format version read and written. */
export const OVERRIDE_FILE_VERSION = 2;

const SectionEntry = z.strictObject({
  path: z.array(z.string().min(1)).min(1).optional(),
  expectedHash: z.string().min(1),
  body: z.string(),
  summary: z.string().optional(),
  visibility: z.enum(["full", "summary"]).optional(),
});

const ToolEntry = z.strictObject({
  expectedContractHash: z.string().min(1),
  description: z.string().optional(),
  paramDescriptions: z.record(z.string(), z.string()).optional(),
});

const OverrideFile = z.strictObject({
  version: z.literal(OVERRIDE_FILE_VERSION),
  ns: z.string().min(1),
  promptKey: z.string().min(1),
  tag: z.string().min(1),
  sections: z.record(z.string(), SectionEntry).default({}),
  tools: z.record(z.string(), ToolEntry).default({}),
});

function invalid(source: string, problem: string, fix: string, cause?: unknown): PromptOverridesError {
  return new PromptOverridesError("invalid_file", `Override file ${source} ${problem} ${fix}`, {
    details: { file: source },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Parse the text of an override file. `source` (usually the file path) is named in every error.
 * Throws {@link PromptOverridesError} for invalid JSON, another version or a malformed entry.
 */
export function parsePromptOverride(text: string, source: string): PromptOverride {
  const data = parseJsonObject(text, source);
  checkVersion(data, source);
  const file = parseOverrideFile(data, source);
  const sections = sectionsFromFile(file.sections, source);
  const tools = toolsFromFile(file.tools);
  return freezeOverride({ ns: file.ns, promptKey: file.promptKey, tag: file.tag, sections, tools });
}

/** The JSON value of `text`; throws `invalid_file` unless it is valid JSON holding an object. */
function parseJsonObject(text: string, source: string): object {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw invalid(
      source,
      `is not valid JSON (${err instanceof Error ? err.message : String(err)}).`,
      "Fix the syntax, or delete the file and run store.seed(prompt, tag) to recreate it.",
      err,
    );
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw invalid(
      source,
      "must hold a JSON object.",
      "Run store.seed(prompt, tag) to see the expected shape.",
    );
  }
  return data;
}

/**
 * Throws `unsupported_version` unless the file declares version 2. Checked before the shape so
 * an old file gets advice on recreating it rather than a list of unknown fields.
 */
function checkVersion(data: object, source: string): void {
  const version = (data as { version?: unknown }).version;
  if (version === OVERRIDE_FILE_VERSION) return;
  throw new PromptOverridesError(
    "unsupported_version",
    `Override file ${source} has version ${JSON.stringify(version ?? null)}, but only version ${OVERRIDE_FILE_VERSION} is read. ` +
      'Recreate it with store.seed(prompt, tag): version 2 keys sections by their "/"-joined path, stores each "path", ' +
      'and uses camelCase fields ("promptKey", "expectedHash", "expectedContractHash", "paramDescriptions").',
    { details: { file: source, version } },
  );
}

/** `data` checked against the strict file schema; throws `invalid_file` listing every bad field. */
function parseOverrideFile(data: object, source: string): z.output<typeof OverrideFile> {
  const parsed = OverrideFile.safeParse(data);
  if (!parsed.success) {
    throw invalid(
      source,
      `does not have the override file shape:\n${formatIssues(schemaIssues(parsed.error))}\n`,
      "Fix those fields (see store.seed(prompt, tag) for a valid file).",
    );
  }
  return parsed.data;
}

/**
 * The file's section entries as frozen overrides by key, each path defaulted to the "/"-split
 * key; throws `invalid_file` when a stored path disagrees with its key.
 */
function sectionsFromFile(
  entries: Readonly<Record<string, z.output<typeof SectionEntry>>>,
  source: string,
): Record<string, SectionOverride> {
  const sections: Record<string, SectionOverride> = {};
  for (const [key, entry] of Object.entries(entries)) {
    const path = entry.path ?? key.split("/");
    if (path.join("/") !== key) {
      throw invalid(
        source,
        `has section "${key}" whose path ${JSON.stringify(path)} names another section.`,
        `Make "path" the "/"-split key (${JSON.stringify(key.split("/"))}) or remove it.`,
      );
    }
    sections[key] = Object.freeze({
      path: Object.freeze([...path]),
      expectedHash: entry.expectedHash,
      body: entry.body,
      ...(entry.summary === undefined ? {} : { summary: entry.summary }),
      ...(entry.visibility === undefined ? {} : { visibility: entry.visibility }),
    });
  }
  return sections;
}

/** The file's tool entries as frozen overrides by name (the key is the tool name). */
function toolsFromFile(
  entries: Readonly<Record<string, z.output<typeof ToolEntry>>>,
): Record<string, ToolOverride> {
  const tools: Record<string, ToolOverride> = {};
  for (const [name, entry] of Object.entries(entries)) tools[name] = frozenToolOverride(name, entry);
  return tools;
}

/** The tool override for `name` from an entry's fields, frozen (its parameter descriptions too). */
export function frozenToolOverride(name: string, entry: Omit<ToolOverride, "name">): ToolOverride {
  return Object.freeze({
    name,
    expectedContractHash: entry.expectedContractHash,
    ...(entry.description === undefined ? {} : { description: entry.description }),
    ...(entry.paramDescriptions === undefined
      ? {}
      : { paramDescriptions: Object.freeze({ ...entry.paramDescriptions }) }),
  });
}

/** A frozen copy of `override` (its records and entries frozen too). */
export function freezeOverride(override: PromptOverride): PromptOverride {
  return Object.freeze({
    ns: override.ns,
    promptKey: override.promptKey,
    tag: override.tag,
    sections: Object.freeze({ ...override.sections }),
    tools: Object.freeze({ ...override.tools }),
  });
}

/** The file text for `override`: version 2, sorted keys, two-space indent, trailing newline. */
export function serializePromptOverride(override: PromptOverride): string {
  const sections: Record<string, unknown> = {};
  for (const entry of Object.values(override.sections)) {
    sections[entry.path.join("/")] = {
      path: [...entry.path],
      expectedHash: entry.expectedHash,
      body: entry.body,
      summary: entry.summary,
      visibility: entry.visibility,
    };
  }
  const tools: Record<string, unknown> = {};
  for (const entry of Object.values(override.tools)) {
    tools[entry.name] = {
      expectedContractHash: entry.expectedContractHash,
      description: entry.description,
      paramDescriptions: entry.paramDescriptions,
    };
  }
  const document = {
    version: OVERRIDE_FILE_VERSION,
    ns: override.ns,
    promptKey: override.promptKey,
    tag: override.tag,
    sections,
    tools,
  };
  // Undefined fields vanish in JSON.stringify, so optional entries need no special casing.
  return `${JSON.stringify(document, sortKeys, 2)}\n`;
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return value;
}
