/** Skill folders written into temporary directories, removed after the calling file's tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];

/** A fresh temporary directory, removed after the calling file's tests. */
export function tempDir(prefix = "wink-skills-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The text of a SKILL.md with these frontmatter lines and body. */
export function skillMd(frontmatter: string, body = "# Instructions\n\nDo the thing.\n"): string {
  return `---\n${frontmatter}\n---\n\n${body}`;
}

/** Write `files` (path → text) into `<root>/<name>/` and return that folder. */
export function writeSkill(
  root: string,
  name: string,
  files: Readonly<Record<string, string | Uint8Array>>,
): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** A valid skill `name` with an extra file, under a fresh root; returns the skill folder. */
export function validSkill(name = "demo", root = tempDir()): string {
  return writeSkill(root, name, {
    "SKILL.md": skillMd(`name: ${name}\ndescription: Demo skill for tests.`),
    "reference/notes.md": "# Notes\n\nSee here.\n",
  });
}
