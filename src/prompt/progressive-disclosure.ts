/**
 * Progressive disclosure: sections rendered as summaries until the model asks for them.
 *
 * A summarized section that has tools is opened with the `open_sections` tool, which raises
 * {@link VisibilityExpansionRequired}; the runtime records the new visibility in the session and
 * renders again, so the section's text and tools appear. A summarized section without tools can
 * be read once with `read_section`, which changes nothing.
 *
 * @example
 * ```ts
 * import { Session, setSectionVisibility } from "weakincentives";
 *
 * const session = new Session();
 * setSectionVisibility(session, "reference", "full"); // what open_sections leads to
 * ```
 */

import { z } from "zod";
import { defineType } from "../data-type.js";
import { VisibilityExpansionRequired } from "../errors.js";
import type { Session } from "../session/index.js";
import type { SectionVisibility } from "./section.js";
import { type AnyTool, Tool, ToolResult } from "./tool.js";

/** A visibility chosen at run time for one section path (`a/b`); the latest per path wins. */
export const VisibilityOverride = defineType(
  "VisibilityOverride",
  z.object({ path: z.string().min(1), visibility: z.enum(["full", "summary"]) }),
);

/** Record a visibility for `path` in the session. */
export function setSectionVisibility(session: Session, path: string, visibility: SectionVisibility): void {
  session.dispatch(VisibilityOverride.create({ path, visibility }));
}

/** The visibility overrides in a session, by path (latest wins). */
export function visibilityOverrides(session: Session | undefined): ReadonlyMap<string, SectionVisibility> {
  const map = new Map<string, SectionVisibility>();
  if (!session) return map;
  for (const item of session.slice(VisibilityOverride).all()) map.set(item.path, item.visibility);
  return map;
}

/** Open every section an {@link VisibilityExpansionRequired} asked for. */
export function applyVisibilityExpansion(session: Session, error: VisibilityExpansionRequired): void {
  for (const path of error.sectionKeys) setSectionVisibility(session, path, "full");
}

/** Names reserved for the built-in disclosure tools. */
export const DISCLOSURE_TOOL_NAMES: ReadonlySet<string> = new Set(["open_sections", "read_section"]);

/** Build `open_sections` for the summarized sections that carry tools. */
export function openSectionsTool(paths: readonly string[]): AnyTool {
  return new Tool({
    name: "open_sections",
    description: "Expand summarized sections so their full text and tools become available.",
    params: z.object({
      section_keys: z
        .array(z.string())
        .min(1)
        .describe(`Section keys to open: ${paths.join(", ")}`),
      reason: z.string().optional().describe("Why you need them"),
    }),
    handler: (params) => {
      const keys = params.section_keys;
      const unknown = keys.filter((k) => !paths.includes(k));
      if (unknown.length > 0) {
        return ToolResult.error(
          `Unknown or already open section(s): ${unknown.join(", ")}. Sections you can open: ${paths.join(", ")}.`,
        );
      }
      throw new VisibilityExpansionRequired(keys, params.reason ?? "");
    },
  });
}

/** Build `read_section` for summarized sections without tools; `read` renders one in full. */
export function readSectionTool(paths: readonly string[], read: (path: string) => string): AnyTool {
  return new Tool({
    name: "read_section",
    description: "Read the full text of a summarized section without expanding it.",
    params: z.object({ section_key: z.string().describe(`One of: ${paths.join(", ")}`) }),
    handler: (params) => {
      const key = params.section_key;
      if (!paths.includes(key)) {
        return ToolResult.error(`Unknown section "${key}". Sections you can read: ${paths.join(", ")}.`);
      }
      return ToolResult.ok(undefined, read(key));
    },
  });
}
