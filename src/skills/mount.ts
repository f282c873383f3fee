/**
 * Mounting skills: writing each skill's files into `<destination>/<name>/`, the layout agents
 * such as Claude Code discover (`$CLAUDE_CONFIG_DIR/skills/<name>/SKILL.md`). The files come from
 * the validated in-memory copy, so a folder changed after loading cannot slip anything in.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadSkills, mountSkills } from "weakincentives/skills";
 *
 * const home = mkdtempSync(join(tmpdir(), "agent-home-"));
 * mountSkills(loadSkills("deploy/skills"), join(home, ".claude", "skills"));
 * ```
 */

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SkillError } from "./errors.js";
import type { Skill } from "./skill.js";
import { checkSkillSet } from "./validate.js";

/**
 * Copy each skill to `<destination>/<name>/` (folders created as needed), regular files only,
 * executable files kept executable. Synchronous, so it fits where options are built without
 * awaiting.
 *
 * @returns the folders written, in the order of `skills`.
 * @throws SkillError (`invalid_config`) when two skills share a name, or `<destination>/<name>`
 *   already exists (mount into a fresh folder, or remove the old copy first).
 *
 * @example
 * ```ts
 * import { loadSkill, mountSkills } from "weakincentives/skills";
 *
 * mountSkills([loadSkill("deploy/skills/code-review")], "/tmp/agent-home/.claude/skills");
 * ```
 */
export function mountSkills(skills: readonly Skill[], destination: string): string[] {
  checkSkillSet(skills);
  const root = resolve(destination);
  const taken = skills.map((skill) => join(root, skill.name)).filter((dir) => existsSync(dir));
  if (taken.length > 0) {
    throw new SkillError(
      "Cannot mount skills over existing folders:",
      taken.map((file) => ({
        file,
        message: "already exists. Mount into a fresh folder, or remove the old copy first.",
      })),
    );
  }
  return skills.map((skill) => {
    const dir = join(root, skill.name);
    mkdirSync(dir, { recursive: true });
    for (const file of skill.files) {
      const target = join(dir, ...file.path.split("/"));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, skill.read(file.path), { mode: file.executable ? 0o755 : 0o644, flag: "wx" });
    }
    return dir;
  });
}
