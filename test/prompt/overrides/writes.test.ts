/**
 * Writes are strict: upsert, store and seed check every entry against the prompt's real sections
 * and tools, and files are written atomically in a stable, reviewable form.
 */

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resetLogging } from "../../../src/logging/index.js";
import {
  LocalPromptOverridesStore,
  type PromptOverride,
  type SectionOverride,
  type ToolOverride,
} from "../../../src/prompt/overrides/index.js";
import { Prompt } from "../../../src/prompt/prompt.js";
import { captureLogs } from "../../logging/capture.js";
import { editJson, entry, overridesError, reviewTemplate, tempDir } from "./helpers.js";

afterEach(() => resetLogging());

function setup() {
  const store = new LocalPromptOverridesStore({ rootPath: tempDir() });
  const template = reviewTemplate();
  const hashOf = (path: string) =>
    template.descriptor.sections.find((s) => s.path.join("/") === path)?.contentHash ?? "missing";
  const lookupHash =
    template.descriptor.tools.find((t) => t.name === "lookup_entity")?.contractHash ?? "missing";
  const section = (path: string, fields: Partial<SectionOverride> = {}): SectionOverride => ({
    path: path.split("/"),
    expectedHash: hashOf(path),
    body: "New body.",
    ...fields,
  });
  const tool = (fields: Partial<ToolOverride> = {}): ToolOverride => ({
    name: "lookup_entity",
    expectedContractHash: lookupHash,
    ...fields,
  });
  const override = (parts: Partial<PromptOverride> = {}): PromptOverride => ({
    ns: template.ns,
    promptKey: template.key,
    tag: "latest",
    sections: {},
    tools: {},
    ...parts,
  });
  return {
    store,
    template,
    section,
    tool,
    override,
    file: (tag?: string) => store.filePath(template.ns, template.key, tag),
  };
}

describe("strict section writes", () => {
  it("store() rejects a wrong hash, naming the section", () => {
    const { store, template, section } = setup();
    const error = overridesError(() =>
      store.store(template, section("reference/api", { expectedHash: "0".repeat(64) })),
    );
    expect(error.reason).toBe("hash_mismatch");
    expect(error.message).toMatch(/^Hash mismatch for section "reference\/api"/);
    expect(error.details).toMatchObject({ section: "reference/api", expectedHash: "0".repeat(64) });
  });

  it("upsert rejects an unknown section path, listing the overridable ones", () => {
    const { store, template, section, override } = setup();
    const ghost = { ...section("guide"), path: ["ghost"] };
    const error = overridesError(() => store.upsert(template, override({ sections: { ghost } })));
    expect(error.reason).toBe("unknown_section");
    expect(error.message).toContain('no section "ghost"');
    expect(error.message).toContain('"guide", "reference", "reference/api"');
  });

  it("upsert rejects a section that does not accept overrides", () => {
    const { store, template, section, override } = setup();
    const security = { ...section("guide"), path: ["security"] };
    const error = overridesError(() => store.upsert(template, override({ sections: { security } })));
    expect(error.reason).toBe("unknown_section");
    expect(error.message).toContain('Section "security"');
    expect(error.message).toContain("does not accept overrides");
  });

  it("upsert rejects a section stored under a key other than its path", () => {
    const { store, template, section, override } = setup();
    const error = overridesError(() =>
      store.upsert(template, override({ sections: { api: section("reference/api") } })),
    );
    expect(error.message).toContain('stored under "api" has path "reference/api"');
  });

  it("rejects a body placeholder the section cannot fill, naming it and the allowed ones", () => {
    const { store, template, section } = setup();
    const error = overridesError(() =>
      store.store(template, section("reference/api", { body: "Ask about ${topik}." })),
    );
    expect(error.reason).toBe("invalid_section_override");
    expect(error.message).toContain("${topik}");
    expect(error.message).toContain("${topic}");
    // Its details name the prompt as every other section error's do.
    expect(error.details).toMatchObject({ section: "reference/api", placeholders: ["topik"] });
    expect(error.details.prompt).toEqual(expect.any(String));
  });

  it("rejects a summary with malformed placeholder syntax", () => {
    const { store, template, section } = setup();
    const error = overridesError(() =>
      store.store(template, section("reference", { summary: "Open ${ here" })),
    );
    expect(error.reason).toBe("invalid_section_override");
    expect(error.message).toContain('Section "reference" override summary is not valid template text');
  });

  it("rejects visibility summary on a section that declares no summary", () => {
    const { store, template, section } = setup();
    const error = overridesError(() => store.store(template, section("guide", { visibility: "summary" })));
    expect(error.message).toContain('Section "guide" override sets visibility "summary"');
  });

  it("rejects an unknown visibility value", () => {
    const { store, template, section } = setup();
    const bad = { ...section("guide"), visibility: "hidden" } as unknown as SectionOverride;
    expect(overridesError(() => store.store(template, bad)).message).toContain('visibility "hidden"');
  });

  it("rejects a missing body", () => {
    const { store, template, section } = setup();
    const bad = { ...section("guide"), body: undefined } as unknown as SectionOverride;
    expect(overridesError(() => store.store(template, bad)).message).toContain("needs a body string");
  });
});

describe("strict tool writes", () => {
  it("store() rejects an unknown tool, naming it", () => {
    const { store, template, tool } = setup();
    const error = overridesError(() => store.store(template, tool({ name: "ghost_tool" })));
    expect(error.reason).toBe("unknown_tool");
    expect(error.message).toContain('no tool "ghost_tool"');
    expect(error.message).toContain('Overridable tools: "lookup_entity"');
  });

  it("rejects a tool that does not accept overrides", () => {
    const { store, template, tool } = setup();
    const error = overridesError(() => store.store(template, tool({ name: "locked_tool" })));
    expect(error.message).toContain('Tool "locked_tool"');
    expect(error.message).toContain("does not accept overrides");
  });

  it("rejects a wrong contract hash, naming the tool", () => {
    const { store, template, tool } = setup();
    const error = overridesError(() => store.store(template, tool({ expectedContractHash: "9".repeat(64) })));
    expect(error.reason).toBe("hash_mismatch");
    expect(error.message).toMatch(/^Hash mismatch for tool "lookup_entity"/);
  });

  it("rejects a description outside 1-200 characters", () => {
    const { store, template, tool } = setup();
    expect(
      overridesError(() => store.store(template, tool({ description: "x".repeat(201) }))).message,
    ).toContain("1-200 characters, got 201");
    expect(overridesError(() => store.store(template, tool({ description: "  " }))).reason).toBe(
      "invalid_tool_override",
    );
  });

  it("rejects a description for a parameter the tool does not have", () => {
    const { store, template, tool } = setup();
    const error = overridesError(() =>
      store.store(template, tool({ paramDescriptions: { entityID: "typo" } })),
    );
    expect(error.message).toContain('parameter "entityID", which the tool does not have');
    expect(error.message).toContain('"entityId", "verbose"');
  });

  it("rejects a non-string parameter description", () => {
    const { store, template, tool } = setup();
    const bad = tool({ paramDescriptions: { entityId: 3 as unknown as string } });
    expect(overridesError(() => store.store(template, bad)).message).toContain("non-string description");
  });

  it("upsert rejects a tool stored under a key other than its name", () => {
    const { store, template, tool, override } = setup();
    const error = overridesError(() => store.upsert(template, override({ tools: { lookup: tool() } })));
    expect(error.message).toContain('stored under "lookup" is for tool "lookup_entity"');
  });
});

describe("upsert and store", () => {
  it("upsert rejects an override for another prompt", () => {
    const { store, template, override } = setup();
    const error = overridesError(() => store.upsert(template, override({ promptKey: "other" })));
    expect(error.reason).toBe("identity_mismatch");
    expect(error.message).toContain('"examples/code-review/other"');
  });

  it("upsert writes the override under its tag, an empty tag meaning latest", () => {
    const { store, template, section, override } = setup();
    const written = store.upsert(template, override({ tag: "", sections: { guide: section("guide") } }));
    expect(written.tag).toBe("latest");
    expect(store.resolve(template.descriptor)?.sections.guide?.body).toBe("New body.");
  });

  it("store() adds one entry and keeps the others in the file", () => {
    const { store, template, section, tool } = setup();
    store.store(template, section("guide", { body: "Guide edit." }));
    const after = store.store(template, tool({ description: "Tool edit." }));
    expect(after.sections.guide?.body).toBe("Guide edit.");
    expect(after.tools.lookup_entity?.description).toBe("Tool edit.");
    expect(store.resolve(template.descriptor)).toEqual(after);
  });

  it("store() fails, naming the entry, when the file already holds a stale one", () => {
    const { store, template, section, tool, file } = setup();
    store.store(template, section("guide"));
    editJson(file(), (data) => {
      entry(data, "sections", "guide").expectedHash = "0".repeat(64);
    });
    expect(overridesError(() => store.store(template, tool())).message).toContain('section "guide"');
  });

  it("store() and seed() default to the prompt's overridesTag", () => {
    const { store, template, section } = setup();
    const prompt = new Prompt(template, { overridesTag: "v2-prompts" });
    expect(store.store(prompt, section("guide")).tag).toBe("v2-prompts");
    expect(store.seed(prompt).tag).toBe("v2-prompts");
    expect(store.resolve(template.descriptor, "v2-prompts")?.sections.guide?.body).toBe("New body.");
    expect(store.resolve(template.descriptor)).toBeUndefined();
  });
});

describe("file writing", () => {
  it("writes version 2, pretty-printed with sorted keys and a trailing newline", () => {
    const { store, template, section, file } = setup();
    store.store(template, section("guide", { visibility: "full" }));
    const text = readFileSync(file(), "utf8");
    expect(text).toBe(
      `${JSON.stringify(
        {
          ns: "examples/code-review",
          promptKey: "review",
          sections: {
            guide: {
              body: "New body.",
              expectedHash: template.descriptor.sections[0]?.contentHash,
              path: ["guide"],
              visibility: "full",
            },
          },
          tag: "latest",
          tools: {},
          version: 2,
        },
        null,
        2,
      )}\n`,
    );
  });

  it("leaves no temporary file beside the written one", () => {
    const { store, template, file } = setup();
    store.seed(template);
    store.seed(template, "stable");
    expect(readdirSync(dirname(file())).sort()).toEqual(["latest.json", "stable.json"]);
  });

  it("fails naming the file when the root is not a writable directory", () => {
    const parent = tempDir();
    const root = join(parent, "not-a-dir");
    writeFileSync(root, "");
    const store = new LocalPromptOverridesStore({ rootPath: root });
    const template = reviewTemplate();
    const error = overridesError(() =>
      store.upsert(template, {
        ns: template.ns,
        promptKey: template.key,
        tag: "latest",
        sections: {},
        tools: {},
      }),
    );
    expect(error.reason).toBe("write_failed");
    expect(error.message).toContain(store.filePath("examples/code-review", "review"));
  });

  it("logs prompt_override_persisted with the file and entry counts", () => {
    const { store, template, file } = setup();
    const logs = captureLogs({ level: "info" });
    store.seed(template);
    expect(logs.only()).toMatchObject({
      level: "INFO",
      event: "prompt_override_persisted",
      context: { file: file(), sections: 3, tools: 1, tag: "latest" },
    });
  });
});

describe("delete", () => {
  it("removes the file and returns true", () => {
    const { store, template } = setup();
    store.seed(template, "stable");
    expect(store.delete(template.ns, template.key, "stable")).toBe(true);
    expect(store.resolve(template.descriptor, "stable")).toBeUndefined();
  });

  it("returns false when there is no file", () => {
    const { store, template } = setup();
    expect(store.delete(template.ns, template.key)).toBe(false);
  });
});

describe("seed", () => {
  it("writes every overridable section's body, summary and visibility and every overridable tool's descriptions", () => {
    const { store, template } = setup();
    const seeded = store.seed(template);
    expect(Object.keys(seeded.sections)).toEqual(["guide", "reference", "reference/api"]);
    expect(seeded.sections.reference).toMatchObject({
      body: "Reference material follows.",
      summary: "Reference docs for the API.",
      visibility: "full",
    });
    expect(seeded.sections["reference/api"]?.body).toBe("Use the API for ${topic}.");
    expect(seeded.tools).toEqual({
      lookup_entity: {
        name: "lookup_entity",
        expectedContractHash: template.descriptor.tools[0]?.contractHash,
        description: "Fetch information for an entity id.",
        paramDescriptions: { entityId: "Id to fetch" },
      },
    });
    expect(store.resolve(template.descriptor)).toEqual(seeded);
  });

  it("returns the existing file's override instead of overwriting it", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "sections", "guide").body = "Hand-edited guide.";
    });
    expect(store.seed(template).sections.guide?.body).toBe("Hand-edited guide.");
    expect(JSON.parse(readFileSync(file(), "utf8")).sections.guide.body).toBe("Hand-edited guide.");
  });

  it("fails when the existing file is stale, naming the section", () => {
    const { store, template } = setup();
    store.seed(template);
    const changed = reviewTemplate({ guide: "Changed in code." });
    expect(overridesError(() => store.seed(changed)).message).toMatch(/^Hash mismatch for section "guide"/);
  });

  it("fails when the existing file is corrupt, naming it", () => {
    const { store, template, file } = setup();
    store.seed(template);
    writeFileSync(file(), "{");
    expect(overridesError(() => store.seed(template)).message).toContain(file());
  });
});

describe("atomic replacement", () => {
  it("a failed rename removes its temporary file and keeps what was there", () => {
    const { store, template, override, file } = setup();
    mkdirSync(join(file(), "occupied"), { recursive: true });
    const error = overridesError(() => store.upsert(template, override()));
    expect(error.reason).toBe("write_failed");
    expect(readdirSync(dirname(file()))).toEqual(["latest.json"]);
    expect(readdirSync(file())).toEqual(["occupied"]);
  });
});
