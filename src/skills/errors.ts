/**
 * The error of the skills layer: one {@link SkillError} carrying every problem found in a skill
 * (or a set of skills) as data, with one formatter deriving the message from it.
 *
 * @example
 * ```ts
 * import { loadSkill, SkillError } from "weakincentives/skills";
 *
 * try {
 *   loadSkill("skills/code-review");
 * } catch (error) {
 *   if (error instanceof SkillError) for (const issue of error.issues) console.log(issue.file, issue.field);
 * }
 * ```
 */

import { WinkError } from "../errors.js";

/** One problem with a skill: where it is, what is wrong, and how to fix it. */
export interface SkillIssue {
  /** The file or folder at fault (absolute path). */
  readonly file: string;
  /** The frontmatter field at fault (`name`, `metadata.owner`…), when the problem is a field. */
  readonly field?: string;
  /** What is wrong, then what to do about it. */
  readonly message: string;
}

/** One line per issue: `<file>: <field>: <message>`. */
export function formatSkillIssues(issues: readonly SkillIssue[]): string {
  return issues
    .map((issue) => `- ${issue.file}: ${issue.field === undefined ? "" : `${issue.field}: `}${issue.message}`)
    .join("\n");
}

/**
 * A skill, or a set of skills, is invalid or cannot be read or mounted. Its code is
 * `invalid_config`: skills are configuration, checked when the agent starts.
 *
 * @example
 * ```ts
 * import { isWinkError } from "weakincentives";
 * import { loadSkills } from "weakincentives/skills";
 *
 * try {
 *   loadSkills("deploy/skills");
 * } catch (error) {
 *   if (isWinkError(error, "invalid_config")) console.error(error.message);
 * }
 * ```
 */
export class SkillError extends WinkError {
  /** Every problem found, in the order found. */
  readonly issues: readonly SkillIssue[];

  constructor(summary: string, issues: readonly SkillIssue[], options: { cause?: unknown } = {}) {
    super("invalid_config", `${summary}\n${formatSkillIssues(issues)}`, {
      ...options,
      details: { issues: issues.map((issue) => ({ ...issue })) },
    });
    this.issues = Object.freeze([...issues]);
  }
}
