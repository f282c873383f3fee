/**
 * The rules a skill's frontmatter and a set of skills follow (the Agent Skills format), as
 * functions returning issues; `loadSkill` and the consumers of skill sets turn them into one
 * {@link SkillError}.
 *
 * @example
 * ```ts
 * import { skillNameProblem } from "weakincentives/skills";
 *
 * skillNameProblem("code-review"); // undefined
 * skillNameProblem("Code_Review"); // "uses characters other than ..."
 * ```
 */

import { SkillError, type SkillIssue } from "./errors.js";
import type { ParsedFrontmatter } from "./frontmatter.js";
import {
  MAX_SKILL_COMPATIBILITY_LENGTH,
  MAX_SKILL_DESCRIPTION_LENGTH,
  MAX_SKILL_NAME_LENGTH,
  SKILL_FILE,
  type SkillFrontmatter,
} from "./skill.js";

const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SCALAR_FIELDS = ["name", "description", "license", "compatibility", "allowed-tools"] as const;
const KNOWN_FIELDS: readonly string[] = [...SCALAR_FIELDS, "metadata"];

/**
 * Why `name` is not a valid skill name, or `undefined` when it is: 1–64 characters from `a-z`,
 * `0-9` and `-`, no hyphen at either end and no two in a row.
 *
 * @example
 * ```ts
 * import { skillNameProblem } from "weakincentives/skills";
 *
 * skillNameProblem("-draft"); // "starts or ends with a hyphen ..."
 * ```
 */
export function skillNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty. Name the skill after its folder.";
  if (name.length > MAX_SKILL_NAME_LENGTH) {
    return `is ${name.length} characters long; the limit is ${MAX_SKILL_NAME_LENGTH}. Shorten it (and the folder name).`;
  }
  if (NAME.test(name)) return undefined;
  if (/^[a-z0-9-]+$/.test(name)) {
    return name.includes("--")
      ? 'holds "--". Use single hyphens between words.'
      : "starts or ends with a hyphen. Remove it.";
  }
  return "uses characters other than lowercase letters, digits and hyphens. Write it like code-review.";
}

/** The validated fields of a parsed `SKILL.md` at `file`, in folder `folderName`, or the issues. */
export function frontmatterFields(
  parsed: ParsedFrontmatter,
  file: string,
  folderName: string,
): { fields: SkillFrontmatter; issues: readonly SkillIssue[] } {
  const issues: SkillIssue[] = [];
  const issue = (field: string, message: string): void => {
    issues.push({ file, field, message });
  };
  for (const key of [...parsed.scalars.keys(), ...parsed.maps.keys()]) {
    if (!KNOWN_FIELDS.includes(key)) {
      issue(key, `is not a skill field. Use ${KNOWN_FIELDS.join(", ")}; put anything else under metadata.`);
    }
  }
  for (const key of SCALAR_FIELDS) {
    if (parsed.maps.has(key)) issue(key, `must be one line of text, not a map.`);
  }
  if (parsed.scalars.has("metadata")) {
    issue("metadata", 'must be a map of indented "key: value" lines, or left out.');
  }
  const name = parsed.scalars.get("name");
  if (name === undefined) issue("name", `is missing. Add name: ${folderName}`);
  else {
    const problem = skillNameProblem(name);
    if (problem) issue("name", `${JSON.stringify(name)} ${problem}`);
    else if (name !== folderName) {
      issue(
        "name",
        `is ${JSON.stringify(name)} but the folder is ${JSON.stringify(folderName)}. Make them equal: rename the folder or the skill.`,
      );
    }
  }
  const description = (parsed.scalars.get("description") ?? "").trim();
  if (description === "") {
    issue("description", "is missing or empty. Say what the skill does and when to use it.");
  }
  checkLength(issue, "description", description, MAX_SKILL_DESCRIPTION_LENGTH);
  const compatibility = parsed.scalars.get("compatibility");
  checkLength(issue, "compatibility", compatibility ?? "", MAX_SKILL_COMPATIBILITY_LENGTH);
  const license = parsed.scalars.get("license");
  const allowedTools = parsed.scalars.get("allowed-tools");
  const fields: SkillFrontmatter = {
    name: name ?? "",
    description,
    ...(license === undefined ? {} : { license }),
    ...(compatibility === undefined ? {} : { compatibility }),
    metadata: Object.fromEntries(parsed.maps.get("metadata") ?? []),
    ...(allowedTools === undefined ? {} : { allowedTools }),
  };
  return { fields, issues };
}

function checkLength(
  issue: (field: string, message: string) => void,
  field: string,
  value: string,
  limit: number,
): void {
  if (value.length > limit) {
    issue(field, `is ${value.length} characters long; the limit is ${limit}. Shorten it.`);
  }
}

/**
 * Refuse a set of skills in which two share a name: they would land in the same folder, and a
 * model could not tell them apart.
 *
 * @throws SkillError naming both folders.
 */
export function checkSkillSet(skills: readonly { readonly name: string; readonly root: string }[]): void {
  const seen = new Map<string, string>();
  const issues: SkillIssue[] = [];
  for (const skill of skills) {
    const first = seen.get(skill.name);
    if (first === undefined) seen.set(skill.name, skill.root);
    else {
      issues.push({
        file: `${skill.root}/${SKILL_FILE}`,
        field: "name",
        message: `"${skill.name}" is also the name of the skill in ${first}. Give each skill its own name, or pass only one of them.`,
      });
    }
  }
  if (issues.length > 0) throw new SkillError("Two skills share a name:", issues);
}
