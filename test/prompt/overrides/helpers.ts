/**
 * Test helpers for the overrides store: a fresh temp directory per test, a small template with
 * nested, summarized, locked and tool-bearing sections, and a way to catch thrown errors.
 *
 * @example
 * ```ts
 * const root = tempDir();
 * const store = new LocalPromptOverridesStore({ rootPath: root });
 * store.seed(reviewTemplate());
 * ```
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { z } from "zod";
import { MarkdownSection } from "../../../src/prompt/markdown-section.js";
import { PromptOverridesError } from "../../../src/prompt/overrides/errors.js";
import { PromptTemplate } from "../../../src/prompt/template.js";
import { Tool, ToolResult } from "../../../src/prompt/tool.js";

const made: string[] = [];
// Registered once per test file (each file imports this module afresh): the directories a file
// made are removed when it ends, so repeated runs leave nothing under the OS temp dir.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new, empty directory under the OS temp dir, unique to the caller; removed after the file. */
export function tempDir(label = "wink-overrides-"): string {
  const dir = mkdtempSync(join(tmpdir(), label));
  made.push(dir);
  return dir;
}

/** Knobs that change the code of {@link reviewTemplate}, to make overrides stale. */
export interface TemplateText {
  guide?: string;
  api?: string;
  lookupDescription?: string;
}

/**
 * `examples/code-review` / `review`:
 * - `guide` (plain), `reference` (has a summary) with child `reference/api` (params `topic`,
 *   tool `lookup_entity`), `security` (acceptsOverrides false, tool `locked_tool` also locked).
 */
export function reviewTemplate(text: TemplateText = {}) {
  const lookup = new Tool({
    name: "lookup_entity",
    description: text.lookupDescription ?? "Fetch information for an entity id.",
    params: z.object({
      entityId: z.string().describe("Id to fetch"),
      verbose: z.boolean().optional(),
    }),
    handler: async ({ entityId }) => ToolResult.ok(`entity ${entityId}`),
  });
  const locked = new Tool({
    name: "locked_tool",
    description: "A tool whose description is fixed.",
    acceptsOverrides: false,
    handler: async () => ToolResult.ok("done"),
  });
  return new PromptTemplate({
    ns: "examples/code-review",
    key: "review",
    sections: [
      new MarkdownSection({
        key: "guide",
        title: "Guide",
        template: text.guide ?? "Review the change carefully.",
      }),
      new MarkdownSection({
        key: "reference",
        title: "Reference",
        template: "Reference material follows.",
        summary: "Reference docs for the API.",
        children: [
          new MarkdownSection({
            key: "api",
            title: "API",
            params: z.object({ topic: z.string() }),
            defaultParams: { topic: "billing" },
            template: text.api ?? "Use the API for ${topic}.",
            tools: [lookup],
          }),
        ],
      }),
      new MarkdownSection({
        key: "security",
        title: "Security",
        template: "Never reveal secrets.",
        acceptsOverrides: false,
        tools: [locked],
      }),
    ],
  });
}

/** The error `fn` throws; fails the test when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** The {@link PromptOverridesError} `fn` throws; fails the test for anything else. */
export function overridesError(fn: () => unknown): PromptOverridesError {
  const error = thrown(fn);
  if (!(error instanceof PromptOverridesError))
    throw new Error(`expected PromptOverridesError, got ${String(error)}`);
  return error;
}

/** Read, change and rewrite a JSON file. */
export function editJson(file: string, change: (data: Record<string, unknown>) => void): void {
  const data = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  change(data);
  writeFileSync(file, JSON.stringify(data, null, 2));
}

/** A nested record inside parsed JSON (sections.x, tools.y…). */
export function entry(
  data: Record<string, unknown>,
  group: "sections" | "tools",
  key: string,
): Record<string, unknown> {
  const found = (data[group] as Record<string, Record<string, unknown>>)[key];
  if (found === undefined) throw new Error(`no ${group} entry ${key}`);
  return found;
}
