/**
 * The version 2 file format on its own: serialize and parse are inverses, optional fields stay
 * out of the file, and a hand-written file may leave out the redundant "path".
 */

import { describe, expect, it } from "vitest";
import {
  OVERRIDE_FILE_VERSION,
  type PromptOverride,
  parsePromptOverride,
  serializePromptOverride,
} from "../../../src/prompt/overrides/index.js";
import { overridesError } from "./helpers.js";

const override: PromptOverride = {
  ns: "demo/agents",
  promptKey: "welcome",
  tag: "stable",
  sections: {
    "intro/tone": {
      path: ["intro", "tone"],
      expectedHash: "a".repeat(64),
      body: "Be brief.",
      summary: "Tone.",
      visibility: "summary",
    },
    plain: { path: ["plain"], expectedHash: "b".repeat(64), body: "Plain." },
  },
  tools: {
    search: {
      name: "search",
      expectedContractHash: "c".repeat(64),
      description: "Search the index.",
      paramDescriptions: { query: "Keywords" },
    },
    bare: { name: "bare", expectedContractHash: "d".repeat(64) },
  },
};

describe("override file format", () => {
  it("parses what it serializes", () => {
    expect(parsePromptOverride(serializePromptOverride(override), "memory")).toEqual(override);
  });

  it("writes version 2 and leaves absent optional fields out", () => {
    const data = JSON.parse(serializePromptOverride(override));
    expect(data.version).toBe(OVERRIDE_FILE_VERSION);
    expect(OVERRIDE_FILE_VERSION).toBe(2);
    expect(Object.keys(data.sections.plain)).toEqual(["body", "expectedHash", "path"]);
    expect(Object.keys(data.tools.bare)).toEqual(["expectedContractHash"]);
  });

  it("derives a section's path from its key when the file leaves it out", () => {
    const text = JSON.stringify({
      version: 2,
      ns: "demo",
      promptKey: "welcome",
      tag: "latest",
      sections: { "intro/tone": { expectedHash: "a".repeat(64), body: "Hi." } },
    });
    const parsed = parsePromptOverride(text, "hand-written.json");
    expect(parsed.sections["intro/tone"]?.path).toEqual(["intro", "tone"]);
    expect(parsed.tools).toEqual({});
  });

  it("returns frozen values", () => {
    const parsed = parsePromptOverride(serializePromptOverride(override), "memory");
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.sections)).toBe(true);
    expect(Object.isFrozen(parsed.sections.plain)).toBe(true);
  });

  it("names the source when a required field is missing", () => {
    const error = overridesError(() =>
      parsePromptOverride(JSON.stringify({ version: 2, ns: "demo" }), "cfg/x.json"),
    );
    expect(error.reason).toBe("invalid_file");
    expect(error.message).toContain("cfg/x.json");
    expect(error.message).toContain("promptKey");
  });

  it("reports a missing version as null", () => {
    const error = overridesError(() => parsePromptOverride("{}", "cfg/x.json"));
    expect(error.reason).toBe("unsupported_version");
    expect(error.message).toContain("has version null");
  });
});
