/**
 * Loading skills from disk. `loadSkill(dir)` reads one skill folder, `loadSkills(root)` every
 * folder of `root` holding a `SKILL.md`. Both read synchronously: skills are configuration, read
 * once when the agent module loads, and a problem should stop the start-up with every issue
 * listed.
 *
 * Symbolic links are refused anywhere in a skill, even ones pointing inside it: a skill is copied
 * into sandboxes and container images, where a link would resolve somewhere else (or be copied as
 * the file it points to, silently), and following links is how a folder reaches files it does not
 * hold. Copy the file instead. Only regular files and folders are accepted (no FIFOs, sockets or
 * devices), and no hard links (a file with a second name, which may be anywhere).
 *
 * @example
 * ```ts
 * import { loadSkills } from "weakincentives/skills";
 *
 * const skills = loadSkills("deploy/skills"); // sorted by name; README.md and other files ignored
 * skills.map((s) => s.name); // ["code-review"]
 * ```
 */

import { lstatSync, readdirSync, type Stats } from "node:fs";
import { basename, join, resolve } from "node:path";
import { type FileProblem, fileProblem, readChecked } from "../filesystem/checks.js";
import { SkillError, type SkillIssue } from "./errors.js";
import { parseFrontmatter } from "./frontmatter.js";
import { MAX_SKILL_BYTES, MAX_SKILL_FILE_BYTES, SKILL_FILE, Skill } from "./skill.js";
import { checkSkillSet, frontmatterFields } from "./validate.js";

type Contents = Map<string, { bytes: Uint8Array; executable: boolean }>;

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A folder that must exist and be a real folder (not a link), or a SkillError. */
function requireFolder(dir: string, what: string): string {
  const path = resolve(dir);
  const stats = lstatOrUndefined(path);
  const problem =
    stats === undefined
      ? "does not exist. Check the path (relative paths resolve from the current directory)."
      : stats.isSymbolicLink()
        ? "is a symbolic link. Pass the folder it points to."
        : stats.isDirectory()
          ? undefined
          : "is not a folder.";
  if (problem) throw new SkillError(`Cannot load ${what}:`, [{ file: path, message: problem }]);
  return path;
}

/** The issue of an entry that is not a plain regular file (a link, a hard link, a special file). */
function refusal(path: string, problem: FileProblem): SkillIssue {
  if (problem.reason === "hardlink") {
    return {
      file: path,
      message: `is a hard link (${problem.nlink} names; the others may be outside the skill). Replace it with a copy of the file.`,
    };
  }
  const fix = problem.reason === "symlink" ? "Replace it with a copy of the file." : "Remove it.";
  return { file: path, message: `is ${problem.kind}; skills hold regular files only. ${fix}` };
}

/** Read every regular file under `root`, collecting issues for everything else and the limits. */
function readTree(root: string, issues: SkillIssue[]): Contents {
  const contents: Contents = new Map();
  let total = 0;
  const visit = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort(byName)) {
      const path = join(dir, name);
      const relative = prefix === "" ? name : `${prefix}/${name}`;
      const stats = lstatSync(path);
      if (stats.isDirectory()) {
        visit(path, relative);
        continue;
      }
      const problem = fileProblem(stats);
      if (problem) {
        issues.push(refusal(path, problem));
        continue;
      }
      if (stats.size > MAX_SKILL_FILE_BYTES) {
        issues.push({
          file: path,
          message: `is ${stats.size} bytes; a skill file may hold at most ${MAX_SKILL_FILE_BYTES} (1 MiB). Split it or leave it out of the skill.`,
        });
        continue;
      }
      total += stats.size;
      if (total > MAX_SKILL_BYTES) continue; // reported once below, without reading more
      // Read through one checked descriptor: the file may have been swapped or grown since lstat.
      const read = readChecked(path, MAX_SKILL_FILE_BYTES);
      if (!read.ok) {
        issues.push(
          read.problem.reason === "too_large"
            ? { file: path, message: `grew past ${MAX_SKILL_FILE_BYTES} bytes while being read.` }
            : refusal(path, read.problem),
        );
        continue;
      }
      const executable = (read.stats.mode & 0o100) !== 0;
      contents.set(relative, { bytes: new Uint8Array(read.bytes), executable });
    }
  };
  visit(root, "");
  if (total > MAX_SKILL_BYTES) {
    issues.push({
      file: root,
      message: `holds ${total} bytes of files; a skill may hold at most ${MAX_SKILL_BYTES} (10 MiB). Move large files out of the skill.`,
    });
  }
  return contents;
}

/** The `SKILL.md` text, or an issue (a missing file, a differently cased one, bytes that are not UTF-8). */
function skillText(root: string, contents: Contents, issues: SkillIssue[]): string | undefined {
  const file = contents.get(SKILL_FILE);
  if (!file) {
    const near = [...contents.keys()].find((path) => path.toLowerCase() === SKILL_FILE.toLowerCase());
    issues.push({
      file: join(root, SKILL_FILE),
      message: near
        ? `is missing; found ${JSON.stringify(near)}. Rename it to ${SKILL_FILE} (the name is case-sensitive).`
        : `is missing. A skill folder holds a ${SKILL_FILE} with frontmatter (name, description) and instructions.`,
    });
    return undefined;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(file.bytes);
  } catch {
    issues.push({ file: join(root, SKILL_FILE), message: "is not UTF-8 text. Save it as UTF-8." });
    return undefined;
  }
}

/**
 * Load and validate one skill folder: its `SKILL.md` frontmatter, its name (equal to the folder
 * name), the file limits, no links or special files.
 *
 * @throws SkillError (`invalid_config`) listing every problem, each naming the file, the field
 *   when there is one, and the fix.
 *
 * @example
 * ```ts
 * import { loadSkill } from "weakincentives/skills";
 *
 * const review = loadSkill("deploy/skills/code-review");
 * review.description; // what the model sees before it opens the skill
 * ```
 */
export function loadSkill(dir: string): Skill {
  const root = requireFolder(dir, "a skill");
  const issues: SkillIssue[] = [];
  const contents = readTree(root, issues);
  const text = skillText(root, contents, issues);
  if (text !== undefined) {
    const file = join(root, SKILL_FILE);
    const parsed = parseFrontmatter(text, file);
    if (!parsed.ok) issues.push(...parsed.issues);
    else {
      const { fields, issues: fieldIssues } = frontmatterFields(parsed.value, file, basename(root));
      issues.push(...fieldIssues);
      if (issues.length === 0) return new Skill({ ...fields, root, body: parsed.value.body, contents });
    }
  }
  throw new SkillError(`Skill folder ${root} is invalid:`, issues);
}

/** Whether `dir` holds a `SKILL.md`, in any case (a wrongly cased one is reported, not skipped). */
function holdsSkillFile(dir: string): boolean {
  return readdirSync(dir).some((name) => name.toLowerCase() === SKILL_FILE.toLowerCase());
}

/**
 * Load every skill under `root`: each sub-folder holding a `SKILL.md`, sorted by name. Other
 * entries (a README, folders without `SKILL.md`) are ignored; a symbolic link among the entries
 * is refused.
 *
 * @throws SkillError (`invalid_config`) listing the problems of every invalid skill at once.
 *
 * @example
 * ```ts
 * import { loadSkills } from "weakincentives/skills";
 *
 * const skills = loadSkills("/app/skills");
 * ```
 */
export function loadSkills(root: string): Skill[] {
  const path = requireFolder(root, "skills");
  const skills: Skill[] = [];
  const issues: SkillIssue[] = [];
  for (const name of readdirSync(path).sort(byName)) {
    const entry = join(path, name);
    const stats = lstatSync(entry);
    if (stats.isSymbolicLink()) {
      issues.push({ file: entry, message: "is a symbolic link. Put the skill folder itself here." });
      continue;
    }
    if (!stats.isDirectory() || !holdsSkillFile(entry)) continue;
    try {
      skills.push(loadSkill(entry));
    } catch (error) {
      if (!(error instanceof SkillError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new SkillError(`Skills under ${path} are invalid:`, issues);
  checkSkillSet(skills);
  return skills;
}
