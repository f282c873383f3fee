import { chmodSync, linkSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isWinkError } from "../../src/errors.js";
import {
  loadSkill,
  loadSkills,
  MAX_SKILL_BYTES,
  MAX_SKILL_FILE_BYTES,
  SkillError,
} from "../../src/skills/index.js";
import { skillMd, tempDir, validSkill, writeSkill } from "./support.js";

/** The SkillError `fn` throws. */
function failure(fn: () => unknown): SkillError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SkillError);
    expect(isWinkError(error, "invalid_config")).toBe(true);
    return error as SkillError;
  }
  throw new Error("expected a SkillError");
}

/** Load a skill folder `name` whose SKILL.md has these frontmatter lines; return the error. */
function invalid(frontmatter: string, name = "demo"): SkillError {
  const dir = writeSkill(tempDir(), name, { "SKILL.md": skillMd(frontmatter) });
  return failure(() => loadSkill(dir));
}

describe("loadSkill", () => {
  it("loads the frontmatter, the body and every file with its size", () => {
    const text = skillMd(
      [
        "name: demo",
        "description: Demo skill for tests.",
        "license: MIT",
        "compatibility: Needs nothing.",
        "allowed-tools: Read Grep",
        "metadata:",
        "  owner: wink",
      ].join("\n"),
      "# Demo\n\nSteps.\n",
    );
    const dir = writeSkill(tempDir(), "demo", {
      "SKILL.md": text,
      "scripts/run.sh": "#!/bin/sh\necho hi\n",
      "a.md": "A",
    });
    chmodSync(join(dir, "scripts/run.sh"), 0o755);
    const skill = loadSkill(dir);
    expect(skill).toMatchObject({
      name: "demo",
      description: "Demo skill for tests.",
      license: "MIT",
      compatibility: "Needs nothing.",
      allowedTools: "Read Grep",
      metadata: { owner: "wink" },
      root: dir,
      body: "# Demo\n\nSteps.",
    });
    expect(skill.files.map((f) => [f.path, f.size, f.executable])).toEqual([
      ["SKILL.md", 162, false],
      ["a.md", 1, false],
      ["scripts/run.sh", 18, true],
    ]);
    expect(Buffer.byteLength(text)).toBe(162);
    expect(skill.size).toBe(162 + 1 + 18);
    expect(skill.readText("scripts/run.sh")).toContain("echo hi");
    expect(Object.isFrozen(skill)).toBe(true);
  });

  it("keeps what it read, whatever happens to the folder afterwards", () => {
    const dir = validSkill();
    const skill = loadSkill(dir);
    writeFileSync(join(dir, "reference/notes.md"), "changed");
    expect(skill.readText("reference/notes.md")).toContain("# Notes");
  });

  it("refuses a file it does not hold, naming it and listing the files", () => {
    const skill = loadSkill(validSkill());
    expect(() => skill.read("missing.md")).toThrow(
      /has no file "missing.md". Its files: SKILL.md, reference\/notes.md/,
    );
  });

  it("refuses a folder that does not exist", () => {
    const dir = join(tempDir(), "absent");
    expect(failure(() => loadSkill(dir)).message).toContain(`${dir}: does not exist`);
  });

  it("refuses a folder without SKILL.md, naming the file it expected", () => {
    const dir = writeSkill(tempDir(), "demo", { "README.md": "hi" });
    expect(failure(() => loadSkill(dir)).message).toContain(`${join(dir, "SKILL.md")}: is missing`);
  });

  it("suggests the right name for a wrongly cased skill.md", () => {
    const dir = writeSkill(tempDir(), "demo", { "skill.md": skillMd("name: demo\ndescription: d") });
    expect(failure(() => loadSkill(dir)).message).toMatch(/found "skill.md". Rename it to SKILL.md/);
  });

  it("refuses a SKILL.md without frontmatter", () => {
    const dir = writeSkill(tempDir(), "demo", { "SKILL.md": "# Just markdown\n" });
    const error = failure(() => loadSkill(dir));
    expect(error.issues[0]?.file).toBe(join(dir, "SKILL.md"));
    expect(error.message).toMatch(/must start with a "---" line/);
  });

  it("refuses a SKILL.md that is not UTF-8", () => {
    const dir = writeSkill(tempDir(), "demo", { "SKILL.md": new Uint8Array([0xff, 0xfe, 0x00]) });
    expect(failure(() => loadSkill(dir)).message).toContain("SKILL.md: is not UTF-8 text");
  });
});

describe("frontmatter fields", () => {
  const fieldIssue = (error: SkillError, field: string) => {
    const issue = error.issues.find((i) => i.field === field);
    expect(issue, `an issue for ${field}`).toBeDefined();
    expect(issue?.file.endsWith("/SKILL.md")).toBe(true);
    expect(error.message).toContain(`SKILL.md: ${field}: `);
    return issue?.message ?? "";
  };

  it("requires name", () => {
    expect(fieldIssue(invalid("description: d"), "name")).toBe("is missing. Add name: demo");
  });

  it.each([
    ["Demo", "uses characters other than lowercase letters"],
    ["de_mo", "uses characters other than lowercase letters"],
    ["-demo", "starts or ends with a hyphen"],
    ["demo-", "starts or ends with a hyphen"],
    ["de--mo", 'holds "--"'],
    ["d".repeat(65), "is 65 characters long; the limit is 64"],
  ])("refuses the name %j", (name, message) => {
    expect(fieldIssue(invalid(`name: ${name}\ndescription: d`, name), "name")).toContain(message);
  });

  it("requires the name to equal the folder name", () => {
    expect(fieldIssue(invalid("name: other\ndescription: d"), "name")).toBe(
      'is "other" but the folder is "demo". Make them equal: rename the folder or the skill.',
    );
  });

  it("requires a description", () => {
    expect(fieldIssue(invalid("name: demo"), "description")).toMatch(/is missing or empty/);
    expect(fieldIssue(invalid('name: demo\ndescription: "  "'), "description")).toMatch(
      /is missing or empty/,
    );
  });

  it("limits description to 1024 characters", () => {
    expect(fieldIssue(invalid(`name: demo\ndescription: ${"x".repeat(1025)}`), "description")).toBe(
      "is 1025 characters long; the limit is 1024. Shorten it.",
    );
  });

  it("limits compatibility to 500 characters", () => {
    expect(
      fieldIssue(invalid(`name: demo\ndescription: d\ncompatibility: ${"x".repeat(501)}`), "compatibility"),
    ).toMatch(/is 501 characters long; the limit is 500/);
  });

  it("refuses unknown fields, pointing at metadata", () => {
    expect(fieldIssue(invalid("name: demo\ndescripton: d"), "descripton")).toMatch(
      /is not a skill field\. Use name, description, .*put anything else under metadata/,
    );
  });

  it("requires metadata to be a map and the other fields to be text", () => {
    expect(fieldIssue(invalid("name: demo\ndescription: d\nmetadata: x"), "metadata")).toMatch(
      /must be a map/,
    );
    expect(fieldIssue(invalid("name: demo\ndescription: d\nlicense:\n  a: b"), "license")).toMatch(
      /must be one line of text/,
    );
  });

  it("lists every problem of a skill at once", () => {
    const error = invalid(`name: Demo\ncompatibility: ${"x".repeat(501)}`);
    expect(error.issues.map((i) => i.field)).toEqual(["name", "description", "compatibility"]);
  });
});

describe("files of a skill", () => {
  it("refuses a symbolic link, even one pointing inside the skill", () => {
    const dir = validSkill();
    symlinkSync("reference/notes.md", join(dir, "link.md"));
    expect(failure(() => loadSkill(dir)).message).toContain(
      `${join(dir, "link.md")}: is a symbolic link; skills hold regular files only. Replace it with a copy of the file.`,
    );
  });

  it("refuses a linked folder", () => {
    const dir = validSkill();
    symlinkSync(tempDir(), join(dir, "outside"));
    expect(failure(() => loadSkill(dir)).message).toContain(`${join(dir, "outside")}: is a symbolic link`);
  });

  it("refuses a hard link, naming each of its names in the skill", () => {
    const dir = validSkill();
    linkSync(join(dir, "reference/notes.md"), join(dir, "copy.md"));
    const error = failure(() => loadSkill(dir));
    expect(error.message).toContain(
      `${join(dir, "copy.md")}: is a hard link (2 names; the others may be outside the skill). Replace it with a copy of the file.`,
    );
    expect(error.issues.map((i) => i.file)).toEqual([join(dir, "copy.md"), join(dir, "reference/notes.md")]);
  });

  it("refuses a socket (and any other special file)", async () => {
    const dir = validSkill();
    const socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(dir, "agent.sock"), resolve));
    try {
      expect(failure(() => loadSkill(dir)).message).toContain(
        `${join(dir, "agent.sock")}: is a socket; skills hold regular files only. Remove it.`,
      );
    } finally {
      await new Promise((resolve) => socket.close(resolve));
    }
  });

  it("refuses a file over 1 MiB, naming it", () => {
    const dir = validSkill();
    writeFileSync(join(dir, "big.bin"), "");
    truncateSync(join(dir, "big.bin"), MAX_SKILL_FILE_BYTES + 1);
    expect(failure(() => loadSkill(dir)).message).toContain(
      `${join(dir, "big.bin")}: is ${MAX_SKILL_FILE_BYTES + 1} bytes; a skill file may hold at most ${MAX_SKILL_FILE_BYTES}`,
    );
  });

  it("accepts a file of exactly 1 MiB", () => {
    const dir = validSkill();
    writeFileSync(join(dir, "big.bin"), "");
    truncateSync(join(dir, "big.bin"), MAX_SKILL_FILE_BYTES);
    expect(loadSkill(dir).files.find((f) => f.path === "big.bin")?.size).toBe(MAX_SKILL_FILE_BYTES);
  });

  it("refuses a skill over 10 MiB in total, naming the folder", () => {
    const dir = validSkill();
    mkdirSync(join(dir, "data"));
    for (let i = 0; i <= MAX_SKILL_BYTES / MAX_SKILL_FILE_BYTES; i++) {
      writeFileSync(join(dir, "data", `${i}.bin`), "");
      truncateSync(join(dir, "data", `${i}.bin`), MAX_SKILL_FILE_BYTES);
    }
    expect(failure(() => loadSkill(dir)).message).toMatch(
      new RegExp(
        `${dir}: holds \\d+ bytes of files; a skill may hold at most ${MAX_SKILL_BYTES} \\(10 MiB\\)`,
      ),
    );
  });
});

describe("loadSkills", () => {
  it("loads every folder holding a SKILL.md, sorted, and ignores everything else", () => {
    const root = tempDir();
    validSkill("zeta", root);
    validSkill("alpha", root);
    writeSkill(root, "not-a-skill", { "notes.md": "x" });
    writeFileSync(join(root, "README.md"), "# skills\n");
    expect(loadSkills(root).map((s) => s.name)).toEqual(["alpha", "zeta"]);
  });

  it("gives an empty list for an empty folder", () => {
    expect(loadSkills(tempDir())).toEqual([]);
  });

  it("lists the problems of every invalid skill at once", () => {
    const root = tempDir();
    writeSkill(root, "one", { "SKILL.md": skillMd("name: one") });
    writeSkill(root, "two", { "SKILL.md": skillMd("name: three\ndescription: d") });
    const error = failure(() => loadSkills(root));
    expect(error.message).toContain(`Skills under ${root} are invalid:`);
    expect(error.issues.map((i) => [i.file, i.field])).toEqual([
      [join(root, "one", "SKILL.md"), "description"],
      [join(root, "two", "SKILL.md"), "name"],
    ]);
  });

  it("refuses a linked skill folder", () => {
    const root = tempDir();
    symlinkSync(validSkill("demo"), join(root, "demo"));
    expect(failure(() => loadSkills(root)).message).toContain(`${join(root, "demo")}: is a symbolic link`);
  });

  it("refuses a root that is not a folder", () => {
    const root = tempDir();
    writeFileSync(join(root, "file"), "x");
    expect(failure(() => loadSkills(join(root, "file"))).message).toContain("file: is not a folder.");
  });
});
