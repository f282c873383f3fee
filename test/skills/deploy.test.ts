/** The skills the image ships (deploy/skills → /app/skills) are valid and self-contained. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSkills } from "../../src/skills/index.js";

const DEPLOY_SKILLS = join(import.meta.dirname, "..", "..", "deploy", "skills");

describe("deploy/skills", () => {
  const skills = loadSkills(DEPLOY_SKILLS);

  it("holds the code-review agent's skill, and every skill there is valid", () => {
    expect(skills.map((s) => s.name)).toContain("code-review");
  });

  it.each(skills.map((s) => [s.name, s] as const))("%s links only to files it holds", (_name, skill) => {
    const targets = [...skill.body.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1] ?? "");
    const local = targets.filter((t) => !/^[a-z]+:/.test(t));
    expect(local.filter((t) => !skill.files.some((f) => f.path === t))).toEqual([]);
  });
});
