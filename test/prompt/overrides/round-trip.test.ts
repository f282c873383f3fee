/**
 * The workflow overrides exist for, end to end through `Prompt.render()`: seed a file, edit it on
 * disk, see the edit rendered; change the code, see the stale edit ignored.
 */

import { afterEach, describe, expect, it } from "vitest";
import { resetLogging } from "../../../src/logging/index.js";
import { LocalPromptOverridesStore } from "../../../src/prompt/overrides/index.js";
import { Prompt } from "../../../src/prompt/prompt.js";
import { captureLogs } from "../../logging/capture.js";
import { editJson, entry, reviewTemplate, tempDir } from "./helpers.js";

afterEach(() => resetLogging());

function setup() {
  const store = new LocalPromptOverridesStore({ rootPath: tempDir() });
  const template = reviewTemplate();
  return { store, template, file: (tag?: string) => store.filePath(template.ns, template.key, tag) };
}

describe("seed, edit on disk, render", () => {
  it("renders a section body edited in the seeded file", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "sections", "reference/api").body = "Consult the ${topic} API reference first.";
    });
    const text = new Prompt(template, { overridesStore: store }).render().text;
    expect(text).toContain("Consult the billing API reference first.");
    expect(text).not.toContain("Use the API for billing.");
  });

  it("renders the code's text once the section changed in code, ignoring the stale edit with a warning", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "sections", "reference/api").body = "Edited against the old text for ${topic}.";
    });
    const changed = reviewTemplate({ api: "The API changed; ask about ${topic}." });
    const logs = captureLogs({ level: "warning" });
    const text = new Prompt(changed, { overridesStore: store }).render().text;
    expect(text).toContain("The API changed; ask about billing.");
    expect(text).not.toContain("Edited against the old text");
    expect(logs.records().map((r) => [r.event, r.context.path])).toContainEqual([
      "prompt_override_stale_section",
      "reference/api",
    ]);
  });

  it("reads the store on every render, so a later edit shows without rebuilding the prompt", () => {
    const { store, template, file } = setup();
    store.seed(template);
    const prompt = new Prompt(template, { overridesStore: store });
    expect(prompt.render().text).toContain("Review the change carefully.");
    editJson(file(), (data) => {
      entry(data, "sections", "guide").body = "Review only the tests.";
    });
    expect(prompt.render().text).toContain("Review only the tests.");
  });

  it("renders an overridden summary when the override sets visibility to summary", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      const reference = entry(data, "sections", "reference");
      reference.visibility = "summary";
      reference.summary = "Short reference summary.";
    });
    const rendered = new Prompt(template, { overridesStore: store }).render();
    expect(rendered.text).toContain("Short reference summary.");
    expect(rendered.text).not.toContain("Reference material follows.");
  });
});

describe("tags", () => {
  it("overridesTag selects its own file", () => {
    const { store, template, file } = setup();
    store.seed(template, "v2-prompts");
    editJson(file("v2-prompts"), (data) => {
      entry(data, "sections", "guide").body = "Version two guide.";
    });
    const flagged = new Prompt(template, { overridesStore: store, overridesTag: "v2-prompts" }).render();
    expect(flagged.text).toContain("Version two guide.");
    expect(flagged.overrideTag).toBe("v2-prompts");
  });

  it("an undefined overridesTag reads the latest file, not another tag's", () => {
    const { store, template, file } = setup();
    store.seed(template, "v2-prompts");
    editJson(file("v2-prompts"), (data) => {
      entry(data, "sections", "guide").body = "Version two guide.";
    });
    store.seed(template);
    editJson(file("latest"), (data) => {
      entry(data, "sections", "guide").body = "Latest guide.";
    });
    const rendered = new Prompt(template, { overridesStore: store, overridesTag: undefined }).render();
    expect(rendered.text).toContain("Latest guide.");
    expect(rendered.text).not.toContain("Version two guide.");
    expect(rendered.overrideTag).toBe("latest");
  });
});

describe("tool overrides", () => {
  it("the tool description and parameter descriptions from the file appear in rendered.tools", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      const tool = entry(data, "tools", "lookup_entity");
      tool.description = "Look up an entity by its id.";
      tool.paramDescriptions = { entityId: "The entity's id, e.g. ent_123", verbose: "Include history" };
    });
    const tool = new Prompt(template, { overridesStore: store }).render().toolsByName.get("lookup_entity");
    expect(tool?.description).toBe("Look up an entity by its id.");
    const properties = tool?.parameters.properties as Record<string, { description?: string }>;
    expect(properties.entityId?.description).toBe("The entity's id, e.g. ent_123");
    expect(properties.verbose?.description).toBe("Include history");
  });

  it("a tool override still applies when a section override beside it is stale", () => {
    const { store, template, file } = setup();
    store.seed(template);
    editJson(file(), (data) => {
      entry(data, "sections", "guide").body = "Old guide edit.";
      entry(data, "tools", "lookup_entity").description = "Edited description.";
    });
    const rendered = new Prompt(reviewTemplate({ guide: "New guide in code." }), {
      overridesStore: store,
    }).render();
    expect(rendered.text).toContain("New guide in code.");
    expect(rendered.toolsByName.get("lookup_entity")?.description).toBe("Edited description.");
  });
});
