/** What the Claude Agent SDK adapter's options become with `skills`, without starting Claude Code. */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { McpSdkServerConfigWithInstance } from "@anthropic-ai/claude-agent-sdk";
import { describe, expect, it } from "vitest";
import { IsolationConfig } from "../../src/adapters/claude-agent-sdk/isolation.js";
import {
  type SdkOptionsInput,
  sdkOptions,
  skillsDirOf,
} from "../../src/adapters/claude-agent-sdk/options.js";
import type { EvaluationDirs } from "../../src/adapters/claude-agent-sdk/workdirs.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../src/prompt/index.js";
import { loadSkill, type Skill } from "../../src/skills/index.js";
import { tempDir, validSkill } from "./support.js";

function input(skills: readonly Skill[] | undefined, env: Record<string, string> = {}): SdkOptionsInput {
  const root = tempDir("wink-skills-eval-");
  const home = join(root, "home");
  mkdirSync(home);
  const dirs: EvaluationDirs = {
    root,
    home,
    tmp: join(root, "tmp"),
    cwd: join(root, "work"),
    readOnly: [],
    remove: async () => {},
  };
  const rendered = new Prompt(
    new PromptTemplate({
      ns: "tests/skills",
      key: "options",
      sections: [new MarkdownSection({ key: "task", title: "Task", template: "Do it." })],
    }),
  ).render();
  return {
    options: skills === undefined ? {} : { skills, nativeTools: ["Read"] },
    model: "claude-test",
    isolation: IsolationConfig.create({ bedrock: false }),
    dirs,
    env: { HOME: home, CLAUDE_CONFIG_DIR: join(home, ".claude"), ...env },
    hostEnv: {},
    controller: new AbortController(),
    rendered,
    mcp: {} as McpSdkServerConfigWithInstance,
    hooks: {},
  };
}

describe("sdkOptions with skills", () => {
  it("mounts them in the child's CLAUDE_CONFIG_DIR and turns on the user layer, Skill and the listing", () => {
    const sdkInput = input([loadSkill(validSkill("demo"))]);
    const options = sdkOptions(sdkInput);
    const mounted = join(sdkInput.dirs.home, ".claude", "skills", "demo");
    expect(existsSync(join(mounted, "SKILL.md"))).toBe(true);
    expect(options.settingSources).toEqual(["user"]);
    expect(options.tools).toEqual(["Read", "Skill"]);
    expect(options.skills).toEqual(["demo"]);
  });

  it("follows a CLAUDE_CONFIG_DIR set through the adapter's env", () => {
    const config = join(tempDir(), "config");
    const sdkInput = input([loadSkill(validSkill("demo"))], { CLAUDE_CONFIG_DIR: config });
    sdkOptions(sdkInput);
    expect(skillsDirOf(sdkInput.env, sdkInput.dirs.home)).toBe(join(config, "skills"));
    expect(existsSync(join(config, "skills", "demo", "SKILL.md"))).toBe(true);
  });

  it("lets sandboxed commands read the mounted skills", () => {
    const sdkInput = input([loadSkill(validSkill("demo"))]);
    const options = sdkOptions(sdkInput);
    const dir = skillsDirOf(sdkInput.env, sdkInput.dirs.home);
    expect(options.sandbox?.filesystem?.allowRead).toContain(dir);
    expect(options.sandbox?.filesystem?.denyRead).toContain(sdkInput.dirs.root);
  });

  it("loads no settings and mounts nothing without skills", () => {
    const sdkInput = input(undefined);
    const options = sdkOptions(sdkInput);
    expect(options.settingSources).toEqual([]);
    expect(options.tools).toEqual([]);
    expect(options.skills).toBeUndefined();
    expect(existsSync(join(sdkInput.dirs.home, ".claude"))).toBe(false);
  });

  it("refuses two skills with one name before Claude Code starts", () => {
    const sdkInput = input([loadSkill(validSkill("demo")), loadSkill(validSkill("demo"))]);
    expect(() => sdkOptions(sdkInput)).toThrow(/"demo" is also the name of the skill in/);
  });
});
