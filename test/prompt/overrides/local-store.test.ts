/**
 * LocalPromptOverridesStore: where files go, how the root is found, and how reads treat corrupt
 * files (fail, naming the file) versus drifted entries (drop, with a warning).
 */

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isWinkError } from "../../../src/errors.js";
import { resetLogging } from "../../../src/logging/index.js";
import {
  filterOverrideForDescriptor,
  LocalPromptOverridesStore,
  PromptOverridesError,
} from "../../../src/prompt/overrides/index.js";
import { captureLogs } from "../../logging/capture.js";
import { editJson, entry, overridesError, reviewTemplate, tempDir } from "./helpers.js";

afterEach(() => resetLogging());

const NS = "examples/code-review";
const KEY = "review";

function setup() {
  const root = tempDir();
  const store = new LocalPromptOverridesStore({ rootPath: root });
  const template = reviewTemplate();
  return { root, store, template, file: (tag?: string) => store.filePath(NS, KEY, tag) };
}

function writeRaw(file: string, text: string): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
}

describe("file layout", () => {
  it("stores a prompt's tag at {root}/{ns segments}/{promptKey}/{tag}.json", () => {
    const { root, store, template } = setup();
    store.seed(template, "stable");
    const expected = join(root, "examples", "code-review", "review", "stable.json");
    expect(store.filePath(NS, KEY, "stable")).toBe(expected);
    expect(existsSync(expected)).toBe(true);
  });

  it("treats an undefined or empty tag as latest", () => {
    const { root, store } = setup();
    const latest = join(root, "examples", "code-review", "review", "latest.json");
    expect(store.filePath(NS, KEY)).toBe(latest);
    expect(store.filePath(NS, KEY, "")).toBe(latest);
  });

  it.each([
    { what: "namespace segment", ns: "examples/Bad NS", key: KEY, tag: undefined, bad: "Bad NS" },
    { what: "namespace segment", ns: "examples/../etc", key: KEY, tag: undefined, bad: ".." },
    { what: "prompt key", ns: NS, key: "Review!", tag: undefined, bad: "Review!" },
    { what: "tag", ns: NS, key: KEY, tag: "../escape", bad: "../escape" },
  ])("rejects an invalid $what ($bad), naming it", ({ what, ns, key, tag, bad }) => {
    const { store } = setup();
    const error = overridesError(() => store.filePath(ns, key, tag));
    expect(error.reason).toBe("invalid_identifier");
    expect(error.message).toContain(`Override ${what} ${JSON.stringify(bad)} is invalid`);
  });
});

describe("finding the root", () => {
  it("uses rootPath as the overrides directory itself, relative to cwd", () => {
    const cwd = tempDir();
    const store = new LocalPromptOverridesStore({ rootPath: "config/overrides", cwd });
    expect(store.rootPath).toBe(join(cwd, "config", "overrides"));
    expect(store.filePath("demo", "welcome")).toBe(
      join(cwd, "config", "overrides", "demo", "welcome", "latest.json"),
    );
  });

  it("without rootPath, uses .weakincentives/prompts/overrides under the git top-level found above cwd", () => {
    const repo = tempDir();
    mkdirSync(join(repo, ".git"));
    const nested = join(repo, "packages", "agent");
    mkdirSync(nested, { recursive: true });
    const store = new LocalPromptOverridesStore({ cwd: nested });
    expect(store.rootPath).toBe(join(repo, ".weakincentives", "prompts", "overrides"));
  });

  it("accepts a .git file (worktree or submodule) as the repository marker", () => {
    const repo = tempDir();
    writeFileSync(join(repo, ".git"), "gitdir: /elsewhere\n");
    expect(new LocalPromptOverridesStore({ cwd: repo }).rootPath).toBe(
      join(repo, ".weakincentives", "prompts", "overrides"),
    );
  });

  it("without rootPath and outside any git repository, fails saying to pass rootPath", () => {
    const cwd = tempDir();
    const error = overridesError(() => new LocalPromptOverridesStore({ cwd }));
    expect(error.reason).toBe("root_not_found");
    expect(isWinkError(error, "prompt_validation")).toBe(true);
    expect(error.message).toContain("rootPath");
    expect(error.message).toContain(cwd);
  });

  it("rejects an empty rootPath instead of silently searching for git", () => {
    const error = overridesError(() => new LocalPromptOverridesStore({ rootPath: " ", cwd: tempDir() }));
    expect(error.reason).toBe("root_not_found");
    expect(error.message).toContain("rootPath");
  });
});

describe("reading a file that cannot be used", () => {
  it("returns undefined when the prompt has no file for the tag", () => {
    const { store, template } = setup();
    expect(store.resolve(template.descriptor, "nothing-here")).toBeUndefined();
  });

  it("fails on invalid JSON, naming the file", () => {
    const { store, template, file } = setup();
    writeRaw(file(), "{ not json");
    const error = overridesError(() => store.resolve(template.descriptor));
    expect(error.reason).toBe("invalid_file");
    expect(error.message).toContain(file());
    expect(error.message).toContain("seed");
  });

  it("fails on a version 1 file, naming the file and how to convert it", () => {
    const { store, template, file } = setup();
    writeRaw(
      file(),
      JSON.stringify({ version: 1, ns: NS, prompt_key: KEY, tag: "latest", sections: {}, tools: {} }),
    );
    const error = overridesError(() => store.resolve(template.descriptor));
    expect(error.reason).toBe("unsupported_version");
    expect(error.message).toContain(file());
    expect(error.message).toContain("version 1");
    expect(error.message).toContain("store.seed(prompt, tag)");
  });

  it("fails when the file's ns does not match its prompt, naming the file and the field", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      data.ns = "examples/other";
    });
    const error = overridesError(() => store.resolve(template.descriptor));
    expect(error.reason).toBe("identity_mismatch");
    expect(error.message).toContain(file());
    expect(error.message).toContain('"ns" is "examples/other" (expected "examples/code-review")');
  });

  it("fails when the file's tag does not match the tag it is stored under", () => {
    const { store, template, file } = setup();
    store.seed(template, "stable");
    editJson(file("stable"), (data) => {
      data.tag = "latest";
    });
    const error = overridesError(() => store.resolve(template.descriptor, "stable"));
    expect(error.message).toContain('"tag" is "latest" (expected "stable")');
  });

  it("fails on a misspelled field, naming where it is", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "tools", "lookup_entity").descripton = "typo";
    });
    const error = overridesError(() => store.resolve(template.descriptor));
    expect(error.reason).toBe("invalid_file");
    expect(error.message).toContain("tools.lookup_entity");
    expect(error.message).toContain("descripton");
  });

  it("fails when a section's path names another section than its key", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "sections", "reference/api").path = ["reference", "other"];
    });
    const error = overridesError(() => store.resolve(template.descriptor));
    expect(error.message).toContain('section "reference/api"');
  });

  it("fails when the JSON is not an object", () => {
    const { store, template, file } = setup();
    writeRaw(file(), "[]");
    expect(overridesError(() => store.resolve(template.descriptor)).message).toContain("JSON object");
  });

  it("fails naming the file when it cannot be read", () => {
    const { store, template, file } = setup();
    mkdirSync(file(), { recursive: true });
    const error = overridesError(() => store.resolve(template.descriptor));
    expect(error.reason).toBe("unreadable_file");
    expect(error.message).toContain(file());
  });
});

describe("reading entries that drifted from the code", () => {
  it("drops a stale section with a warning naming the path and both hashes, keeping a valid tool override", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "sections", "guide").expectedHash = "0".repeat(64);
      entry(data, "tools", "lookup_entity").description = "Edited.";
    });
    const logs = captureLogs({ level: "warning" });
    const resolved = store.resolve(template.descriptor);
    expect(resolved?.sections.guide).toBeUndefined();
    expect(resolved?.sections["reference/api"]).toBeDefined();
    expect(resolved?.tools.lookup_entity?.description).toBe("Edited.");
    const warning = logs.only();
    expect(warning.level).toBe("WARNING");
    expect(warning.event).toBe("prompt_override_stale_section");
    expect(warning.context).toMatchObject({
      path: "guide",
      expectedHash: "0".repeat(64),
      currentHash: template.descriptor.sections[0]?.contentHash,
      file: file(),
    });
  });

  it("drops a stale tool with a warning naming the tool and both hashes", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "tools", "lookup_entity").expectedContractHash = "f".repeat(64);
    });
    const logs = captureLogs({ level: "warning" });
    expect(store.resolve(template.descriptor)?.tools.lookup_entity).toBeUndefined();
    expect(logs.only()).toMatchObject({
      event: "prompt_override_stale_tool",
      context: { tool: "lookup_entity", expectedContractHash: "f".repeat(64) },
    });
    expect(logs.only().context.currentContractHash).toBe(template.descriptor.tools[0]?.contractHash);
  });

  it("drops unknown sections and tools with warnings naming them", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      (data.sections as Record<string, unknown>)["reference/gone"] = {
        path: ["reference", "gone"],
        expectedHash: "a".repeat(64),
        body: "Old.",
      };
      (data.tools as Record<string, unknown>).removed_tool = { expectedContractHash: "b".repeat(64) };
    });
    const logs = captureLogs({ level: "warning" });
    const resolved = store.resolve(template.descriptor);
    expect(Object.keys(resolved?.sections ?? {})).not.toContain("reference/gone");
    expect(Object.keys(resolved?.tools ?? {})).toEqual(["lookup_entity"]);
    expect(logs.records().map((r) => [r.event, r.context.path ?? r.context.tool])).toEqual([
      ["prompt_override_unknown_section", "reference/gone"],
      ["prompt_override_unknown_tool", "removed_tool"],
    ]);
  });

  it("returns undefined when only a stale section and an unknown path are left", () => {
    const { store, template, file } = setup();
    writeRaw(
      file(),
      JSON.stringify({
        version: 2,
        ns: NS,
        promptKey: KEY,
        tag: "latest",
        sections: {
          guide: { path: ["guide"], expectedHash: "0".repeat(64), body: "Stale." },
          nowhere: { path: ["nowhere"], expectedHash: "1".repeat(64), body: "Unknown." },
        },
      }),
    );
    const logs = captureLogs({ level: "debug" });
    expect(store.resolve(template.descriptor)).toBeUndefined();
    expect(logs.records().map((r) => r.event)).toContain("prompt_override_empty");
  });

  it("drops a section whose body has malformed placeholder syntax", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "sections", "guide").body = "Broken ${ placeholder";
    });
    const logs = captureLogs({ level: "warning" });
    expect(store.resolve(template.descriptor)?.sections.guide).toBeUndefined();
    expect(logs.only()).toMatchObject({
      event: "prompt_override_invalid_section",
      context: { path: "guide" },
    });
  });

  it("ignores, with a warning, an override offered to another prompt", () => {
    const { store, template } = setup();
    const seeded = store.seed(template);
    const logs = captureLogs({ level: "warning" });
    const other = { ...template.descriptor, key: "other" };
    expect(filterOverrideForDescriptor(seeded, other)).toBeUndefined();
    expect(logs.only().event).toBe("prompt_override_mismatched_descriptor");
  });

  it("logs prompt_override_missing and prompt_override_resolved at debug level", () => {
    const { store, template } = setup();
    const logs = captureLogs({ level: "debug" });
    store.resolve(template.descriptor);
    store.seed(template);
    store.resolve(template.descriptor);
    expect(logs.records().map((r) => r.event)).toEqual([
      "prompt_override_missing",
      "prompt_override_persisted",
      "prompt_override_resolved",
    ]);
  });

  it("warns once, naming the tags there are, when a tag asked for by name has no file", () => {
    const { store, template, file } = setup();
    store.seed(template, "staging");
    store.seed(template);
    const logs = captureLogs({ level: "warning" });
    expect(store.resolve(template.descriptor, "stagin")).toBeUndefined();
    expect(store.resolve(template.descriptor, "stagin")).toBeUndefined();
    const warning = logs.only();
    expect(warning).toMatchObject({
      event: "prompt_override_tag_missing",
      context: { tag: "stagin", file: file("stagin"), tagsFound: ["latest", "staging"] },
    });
    expect(warning.message).toContain("tags with files for this prompt: latest, staging");
  });

  it("says nothing above debug when the default tag has no file, and warns for a named one even with no files at all", () => {
    const { store, template } = setup();
    const logs = captureLogs({ level: "warning" });
    expect(store.resolve(template.descriptor)).toBeUndefined();
    expect(logs.records()).toEqual([]);
    expect(store.resolve(template.descriptor, "v2")).toBeUndefined();
    expect(logs.only().context).toMatchObject({ tag: "v2", tagsFound: [] });
  });

  it("is a WinkError with code prompt_validation", () => {
    expect(new PromptOverridesError("invalid_file", "x")).toMatchObject({ code: "prompt_validation" });
  });
});
