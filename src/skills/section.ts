/**
 * Skills for the HTTP adapters (OpenAI, Anthropic): a prompt section listing each skill's name and
 * description, with a `read_skill` tool the model calls to read a skill's instructions or one of
 * its files. Only the list costs tokens on every turn; a skill's body enters the conversation when
 * the model decides the task needs it, which is the Agent Skills format's progressive disclosure.
 * (Claude Code discovers skills itself: give them to `ClaudeAgentSDKAdapter` as `skills` instead.)
 *
 * @example
 * ```ts
 * import { MarkdownSection, PromptTemplate } from "weakincentives";
 * import { loadSkills, SkillsSection } from "weakincentives/skills";
 *
 * const template = new PromptTemplate({
 *   ns: "examples",
 *   key: "with-skills",
 *   sections: [
 *     new MarkdownSection({ key: "task", title: "Task", template: "Review the change." }),
 *     new SkillsSection({ skills: loadSkills("deploy/skills") }),
 *   ],
 * });
 * ```
 */

import { z } from "zod";
import { ToolValidationError, WorkspaceSecurityError } from "../errors.js";
import { normalizeWorkspacePath } from "../filesystem/index.js";
import type { ToolPolicy } from "../prompt/policies.js";
import { Section, type SectionRenderContext, type SectionVisibility } from "../prompt/section.js";
import { type AnyTool, Tool, ToolResult } from "../prompt/tool.js";
import { SKILL_FILE, type Skill } from "./skill.js";
import { checkSkillSet } from "./validate.js";

/** Name of the tool a {@link SkillsSection} offers. */
export const READ_SKILL_TOOL = "read_skill";

/** Options of {@link SkillsSection}. */
export interface SkillsSectionOptions<K extends string> {
  /** The skills to offer (names must be distinct). With none, the section and its tool are left out. */
  skills: readonly Skill[];
  /** Section key (default `"skills"`). */
  key?: K;
  /** Heading (default `"Skills"`). */
  title?: string;
  /** When it returns false the section and `read_skill` are left out. */
  enabled?: (params: undefined, context: SectionRenderContext) => boolean;
  /** Default `"full"`: the list of names and descriptions shows. `"summary"` hides even that until opened. */
  visibility?: SectionVisibility;
  /** Text shown while summarized; required for `visibility: "summary"`. */
  summary?: string;
  /** Policies applied to `read_skill`. */
  policies?: readonly ToolPolicy[];
}

/**
 * The section offering skills to a model through `read_skill`. Its text is generated from the
 * skills, so prompt overrides cannot replace it.
 *
 * @example
 * ```ts
 * import { loadSkill, SkillsSection } from "weakincentives/skills";
 *
 * const skills = new SkillsSection({ skills: [loadSkill("deploy/skills/code-review")], title: "Playbooks" });
 * skills.tools.map((t) => t.name); // ["read_skill"]
 * ```
 */
export class SkillsSection<const K extends string = "skills"> extends Section<K, undefined, []> {
  /** The skills offered, in the order given. */
  readonly skills: readonly Skill[];

  constructor(options: SkillsSectionOptions<K>) {
    checkSkillSet(options.skills);
    const skills = Object.freeze([...options.skills]);
    const enabled = options.enabled;
    super({
      key: options.key ?? ("skills" as K),
      title: options.title ?? "Skills",
      tools: [readSkillTool(skills)],
      acceptsOverrides: false,
      enabled: (params, context) => skills.length > 0 && (enabled?.(params, context) ?? true),
      ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
      ...(options.summary === undefined ? {} : { summary: options.summary }),
      ...(options.policies === undefined ? {} : { policies: options.policies }),
    });
    this.skills = skills;
  }

  renderBody(): string {
    return [
      "Skills are packaged instructions, with supporting files, for particular tasks. When your task",
      `matches a skill's description, call \`${READ_SKILL_TOOL}\` with its name and follow the instructions`,
      `it returns. Read a file a skill refers to with \`${READ_SKILL_TOOL}\` and \`file\`.`,
      "",
      ...this.skills.map((skill) => `- \`${skill.name}\`: ${skill.description.replace(/\s+/g, " ")}`),
    ].join("\n");
  }

  renderSummary(): string {
    return this.summary ?? "";
  }

  bodyTemplate(): undefined {
    return undefined;
  }

  allowedPlaceholders(): readonly string[] {
    return [];
  }
}

const ReadSkillResult = z.object({ skill: z.string(), file: z.string(), size: z.number().int() });

/** `read_skill`: a skill's instructions (with its list of files), or one of its files. */
function readSkillTool(skills: readonly Skill[]): AnyTool {
  const byName = new Map(skills.map((skill) => [skill.name, skill]));
  const names = skills.map((skill) => skill.name).join(", ");
  return new Tool({
    name: READ_SKILL_TOOL,
    description: "Read a skill's instructions, or one file of the skill.",
    params: z.object({
      name: z.string().describe(`The skill: one of ${names || "(none)"}`),
      file: z
        .string()
        .optional()
        .describe(
          `A file of the skill, relative to its folder. Omit to read its instructions (${SKILL_FILE}).`,
        ),
    }),
    result: ReadSkillResult,
    handler: ({ name, file }) => {
      const skill = byName.get(name);
      if (!skill) return ToolResult.error(`Unknown skill "${name}". Skills: ${names || "none"}.`);
      if (file === undefined) {
        const size = skill.files.find((f) => f.path === SKILL_FILE)?.size ?? 0;
        return ToolResult.ok({ skill: name, file: SKILL_FILE, size }, instructions(skill), {
          excludeValueFromContext: true,
        });
      }
      const path = skillPath(file);
      const entry = skill.files.find((f) => f.path === path);
      if (!entry) {
        return ToolResult.error(
          `Skill "${name}" has no file "${path}". Its files: ${skill.files.map((f) => f.path).join(", ")}.`,
        );
      }
      let text: string;
      try {
        text = skill.readText(path);
      } catch {
        return ToolResult.error(
          `"${path}" of skill "${name}" is binary (${entry.size} bytes); it cannot be shown.`,
        );
      }
      return ToolResult.ok({ skill: name, file: path, size: entry.size }, text, {
        excludeValueFromContext: true,
      });
    },
  });
}

/** The instructions as the model reads them: the body, then the other files it may ask for. */
function instructions(skill: Skill): string {
  const others = skill.files.filter((f) => f.path !== SKILL_FILE);
  const lines = [`# Skill: ${skill.name}`, "", skill.body];
  if (others.length > 0) {
    lines.push("", `Files of this skill (read one with ${READ_SKILL_TOOL} and file):`);
    for (const f of others) lines.push(`- ${f.path} (${f.size} bytes)`);
  }
  return lines.join("\n");
}

/**
 * A path inside a skill folder, normalized by the workspace path rules (`./a//b` → `a/b`), with
 * the refusal worded for the skill folder.
 *
 * @throws ToolValidationError naming the path when it is absolute, climbs out with `..` or names
 *   no file.
 */
function skillPath(path: string): string {
  try {
    return normalizeWorkspacePath(path);
  } catch (error) {
    if (!(error instanceof ToolValidationError)) throw error;
    const file = `file ${JSON.stringify(path)}`;
    const reason = error instanceof WorkspaceSecurityError ? error.details.reason : undefined;
    throw new ToolValidationError(
      reason === "absolute"
        ? `${file} is an absolute path. Give a path relative to the skill folder, like "${SKILL_FILE}".`
        : reason === "parent"
          ? `${file} leaves the skill folder with "..". Give a path inside it, like "${SKILL_FILE}".`
          : `${file} names no file of the skill. Omit file to read ${SKILL_FILE}.`,
      { details: { path }, cause: error },
    );
  }
}
