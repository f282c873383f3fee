/**
 * Agent skills (`weakincentives/skills`): folders holding a `SKILL.md` (YAML frontmatter with a
 * `name` and a `description`, then instructions) and the files it refers to. Load and validate
 * them with {@link loadSkills}; give them to `ClaudeAgentSDKAdapter` as `skills` (mounted where
 * Claude Code discovers them), or to a prompt as a {@link SkillsSection} for the HTTP adapters.
 *
 * @example
 * ```ts
 * import { loadSkills, SkillsSection } from "weakincentives/skills";
 *
 * const skills = loadSkills("deploy/skills");
 * const section = new SkillsSection({ skills });
 * ```
 */

export { formatSkillIssues, SkillError, type SkillIssue } from "./errors.js";
export { loadSkill, loadSkills } from "./load.js";
export { mountSkills } from "./mount.js";
export { READ_SKILL_TOOL, SkillsSection, type SkillsSectionOptions } from "./section.js";
export {
  MAX_SKILL_BYTES,
  MAX_SKILL_COMPATIBILITY_LENGTH,
  MAX_SKILL_DESCRIPTION_LENGTH,
  MAX_SKILL_FILE_BYTES,
  MAX_SKILL_NAME_LENGTH,
  SKILL_FILE,
  Skill,
  type SkillFile,
  type SkillFrontmatter,
  type SkillInit,
} from "./skill.js";
export { checkSkillSet, skillNameProblem } from "./validate.js";
