import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSkill, mountSkills, SkillError } from "../../src/skills/index.js";
import { tempDir, validSkill } from "./support.js";

describe("mountSkills", () => {
  it("copies each skill into <destination>/<name>/, folders created as needed", () => {
    const skill = loadSkill(validSkill("demo"));
    const destination = join(tempDir(), "home", ".claude", "skills");
    expect(mountSkills([skill], destination)).toEqual([join(destination, "demo")]);
    expect(readFileSync(join(destination, "demo", "SKILL.md"), "utf8")).toContain("name: demo");
    expect(readFileSync(join(destination, "demo", "reference", "notes.md"), "utf8")).toContain("# Notes");
  });

  it("keeps executable files executable and the others not", () => {
    const dir = validSkill("demo");
    writeFileSync(join(dir, "run.sh"), "#!/bin/sh\n");
    chmodSync(join(dir, "run.sh"), 0o755);
    const destination = tempDir();
    mountSkills([loadSkill(dir)], destination);
    expect(statSync(join(destination, "demo", "run.sh")).mode & 0o100).not.toBe(0);
    expect(statSync(join(destination, "demo", "SKILL.md")).mode & 0o111).toBe(0);
  });

  it("writes what was loaded, not what the folder holds now", () => {
    const dir = validSkill("demo");
    const skill = loadSkill(dir);
    writeFileSync(join(dir, "added-later.md"), "not validated");
    const destination = tempDir();
    mountSkills([skill], destination);
    expect(existsSync(join(destination, "demo", "added-later.md"))).toBe(false);
  });

  it("refuses two skills with one name, naming both folders", () => {
    const first = loadSkill(validSkill("demo"));
    const second = loadSkill(validSkill("demo"));
    const destination = tempDir();
    expect(() => mountSkills([first, second], destination)).toThrow(SkillError);
    expect(() => mountSkills([first, second], destination)).toThrow(
      `${second.root}/SKILL.md: name: "demo" is also the name of the skill in ${first.root}`,
    );
    expect(existsSync(join(destination, "demo"))).toBe(false);
  });

  it("refuses to mount over an existing folder", () => {
    const skill = loadSkill(validSkill("demo"));
    const destination = tempDir();
    mountSkills([skill], destination);
    expect(() => mountSkills([skill], destination)).toThrow(
      `${join(destination, "demo")}: already exists. Mount into a fresh folder, or remove the old copy first.`,
    );
  });
});
