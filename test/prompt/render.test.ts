import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PromptRenderError, VisibilityExpansionRequired } from "../../src/errors.js";
import {
  applyVisibilityExpansion,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  setSectionVisibility,
  Tool,
  ToolResult,
} from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { codeReviewTemplate, readFile } from "./fixtures.js";

const request = { repository: "acme/api", change: "Add retries to the HTTP client." };

function bound() {
  return new Prompt(codeReviewTemplate()).bind({ request });
}

describe("rendering the code-review template", () => {
  it("matches the snapshot: text, tools and output schema", () => {
    const rendered = bound().render();
    expect(rendered.text).toMatchSnapshot("text");
    expect(
      rendered.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
    ).toMatchSnapshot("tools");
    expect(rendered.output?.jsonSchema).toMatchSnapshot("output schema");
  });

  it("is deterministic: same inputs give byte-identical text, tools and schema", () => {
    const a = bound().render();
    const b = new Prompt(codeReviewTemplate()).bind({ request }).render();
    expect(b.text).toBe(a.text);
    expect(JSON.stringify(b.tools.map((t) => [t.name, t.description, t.parameters]))).toBe(
      JSON.stringify(a.tools.map((t) => [t.name, t.description, t.parameters])),
    );
    expect(JSON.stringify(b.output?.jsonSchema)).toBe(JSON.stringify(a.output?.jsonSchema));
  });

  it("exposes the template's descriptor (content hashes) on the rendered prompt", () => {
    const template = codeReviewTemplate();
    const rendered = new Prompt(template).bind({ request }).render();
    expect(rendered.descriptor).toBe(template.descriptor);
    expect(rendered.descriptor.sections[0]?.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("numbers headings hierarchically and deepens them per level", () => {
    const session = new Session();
    setSectionVisibility(session, "reference", "full");
    const text = bound().render({ session }).text;
    expect(text).toContain("## 2. Reference");
    expect(text).toContain("### 2.1. Style Guide");
    expect(text).toContain("### 2.2. API Reference");
  });

  it("renders summaries with a hint and hides their children and tools", () => {
    const rendered = bound().render();
    expect(rendered.text).toContain("Team conventions and the API reference.");
    expect(rendered.text).toContain('Call read_section with section_key "reference"');
    expect(rendered.text).toContain('Call open_sections with section_keys ["planning"]');
    expect(rendered.text).not.toContain("Style Guide");
    expect(rendered.tools.map((t) => t.name)).toEqual([
      "read_file",
      "write_file",
      "open_sections",
      "read_section",
    ]);
    expect(rendered.sections.find((s) => s.path === "planning")?.visibility).toBe("summary");
  });

  it("open_sections raises VisibilityExpansionRequired with the keys; applying it reveals text and tools", async () => {
    const session = new Session();
    const rendered = bound().render({ session });
    const open = rendered.toolsByName.get("open_sections")!.tool;
    let raised: unknown;
    try {
      await open.invoke({ section_keys: ["planning"], reason: "need tests" } as never, {} as never);
    } catch (err) {
      raised = err;
    }
    expect(raised).toBeInstanceOf(VisibilityExpansionRequired);
    expect((raised as VisibilityExpansionRequired).sectionKeys).toEqual(["planning"]);
    applyVisibilityExpansion(session, raised as VisibilityExpansionRequired);
    const again = bound().render({ session });
    expect(again.text).toContain("Run the tests before posting the review.");
    expect(again.tools.map((t) => t.name)).toEqual([
      "read_file",
      "write_file",
      "run_tests",
      "post_review",
      "read_section",
    ]);
  });

  it("open_sections answers unknown keys with an error result listing the valid ones", async () => {
    const open = bound().render().toolsByName.get("open_sections")!.tool;
    const result = await open.invoke({ section_keys: ["nope"] } as never, {} as never);
    expect(result.success).toBe(false);
    expect(result.message).toContain("Sections you can open: planning");
  });

  it("read_section returns the full section with its children without changing visibility", async () => {
    const session = new Session();
    const rendered = bound().render({ session });
    const read = rendered.toolsByName.get("read_section")!.tool;
    const result = await read.invoke({ section_key: "reference" } as never, {} as never);
    expect(result.message).toContain("House style lives here.");
    expect(result.message).toContain("Style Guide");
    expect(bound().render({ session }).text).not.toContain("House style lives here.");
    const unknown = await read.invoke({ section_key: "planning" } as never, {} as never);
    expect(unknown.success).toBe(false);
  });

  it("substitutes params and renders absent optional params as empty", () => {
    expect(bound().render().text).toContain(
      "Repository: acme/api\n\nChange:\nAdd retries to the HTTP client.\n\nFocus:",
    );
  });
});

describe("sections", () => {
  it("a disabled section removes its whole subtree, tools included", () => {
    const template = new PromptTemplate({
      ns: "t",
      key: "k",
      sections: [
        new MarkdownSection({
          key: "tools",
          title: "Tools",
          template: "Use tools.",
          params: z.object({ on: z.boolean() }),
          enabled: (params) => params.on,
          tools: [readFile],
          children: [new MarkdownSection({ key: "child", title: "Child", template: "Nested text." })],
        }),
        new MarkdownSection({ key: "after", title: "After", template: "Last." }),
      ],
    });
    const off = new Prompt(template).bind({ tools: { on: false } }).render();
    expect(off.text).toBe("## 1. After\n\nLast.");
    expect(off.tools).toEqual([]);
    const on = new Prompt(template).bind({ tools: { on: true } }).render();
    expect(on.text).toContain("### 1.1. Child");
    expect(on.tools.map((t) => t.name)).toEqual(["read_file"]);
  });

  it("uses defaultParams under bound values", () => {
    const template = new PromptTemplate({
      ns: "t",
      key: "k",
      sections: [
        new MarkdownSection({
          key: "greeting",
          title: "Greeting",
          params: z.object({ name: z.string(), punctuation: z.string() }),
          defaultParams: { punctuation: "!" },
          template: "Hello ${name}${punctuation}",
        }),
      ],
    });
    expect(new Prompt(template).bind({ greeting: { name: "Ada" } }).render().text).toContain("Hello Ada!");
    expect(
      new Prompt(template).bind({ greeting: { name: "Ada", punctuation: "." } }).render().text,
    ).toContain("Hello Ada.");
  });

  it("types bind params from the section schemas (checked by tsc)", () => {
    const prompt = new Prompt(codeReviewTemplate());
    // @ts-expect-error repository is a string in the request section's schema
    const wrong = prompt.bind({ request: { repository: 1 } });
    expect(() => wrong.render()).toThrow(/repository/);
    // @ts-expect-error "colour" is not a field of the request section
    prompt.bind({ request: { colour: "red" } });
  });

  it("rebinding merges section by section", () => {
    const prompt = bound().bind({ request: { ...request, change: "Second change" } });
    expect(prompt.render().text).toContain("Second change");
  });

  it("reports missing params naming the section and how to bind them", () => {
    expect(() => new Prompt(codeReviewTemplate()).render()).toThrow(PromptRenderError);
    expect(() => new Prompt(codeReviewTemplate()).render()).toThrow(
      /section "request" has invalid or missing params:\n.*repository[\s\S]*prompt\.bind\(\{ "request"/,
    );
  });

  it("bind rejects a key that names no section with params", () => {
    expect(() => new Prompt(codeReviewTemplate()).bind({ reqest: request } as never)).toThrow(
      /bind\(\) got params for "reqest".*Sections with params: request/,
    );
  });

  it("an unknown placeholder fails at construction, naming it and the fields", () => {
    expect(
      () =>
        new MarkdownSection({
          key: "s",
          title: "S",
          params: z.object({ file: z.string() }),
          template: "Review ${fiel}",
        }),
    ).toThrow(/Unknown placeholder \$\{fiel\} in section "s" template: params has "file"/);
    expect(() => new MarkdownSection({ key: "s", title: "S", template: "Hi ${name}" })).toThrow(
      /section has no params\. Add params: z\.object\(\{ name: \.\.\. \}\)/,
    );
  });

  it("validates keys, titles, summaries and sibling keys", () => {
    expect(() => new MarkdownSection({ key: "Bad Key", title: "T", template: "" })).toThrow(
      /Section key "Bad Key" is invalid/,
    );
    expect(() => new MarkdownSection({ key: "k", title: "", template: "" })).toThrow(
      /needs a non-empty title/,
    );
    expect(() => new MarkdownSection({ key: "k", title: "T", template: "", visibility: "summary" })).toThrow(
      /visibility "summary" but no summary text/,
    );
    const child = new MarkdownSection({ key: "c", title: "C", template: "" });
    expect(
      () => new MarkdownSection({ key: "p", title: "P", template: "", children: [child, child] }),
    ).toThrow(/two children with key "c"/);
  });

  it("wraps a section renderer that throws in PromptRenderError naming the section", () => {
    const template = new PromptTemplate({
      ns: "t",
      key: "k",
      sections: [
        new MarkdownSection({
          key: "broken",
          title: "Broken",
          template: "x",
          enabled: () => true,
        }),
      ],
    });
    const section = template.sections[0]!;
    section.renderBody = () => {
      throw new Error("kaput");
    };
    expect(() => new Prompt(template).render()).toThrow(
      /Section "broken" of prompt "t\/k" failed to render: Error: kaput/,
    );
  });
});

describe("template validation", () => {
  const tool = (name: string) =>
    new Tool({ name, description: "d", handler: () => ToolResult.ok(undefined) });

  it("rejects duplicate tool names, naming the tool and both sections", () => {
    expect(
      () =>
        new PromptTemplate({
          ns: "t",
          key: "k",
          sections: [
            new MarkdownSection({ key: "a", title: "A", template: "", tools: [tool("dup")] }),
            new MarkdownSection({
              key: "b",
              title: "B",
              template: "",
              children: [new MarkdownSection({ key: "c", title: "C", template: "", tools: [tool("dup")] })],
            }),
          ],
        }),
    ).toThrow(
      /^Prompt "t\/k" declares tool "dup" twice \(in "a" and "b\/c"\)\. Tool names must be unique in a prompt\.$/,
    );
  });

  it("reserves the disclosure tool names", () => {
    expect(
      () =>
        new PromptTemplate({
          ns: "t",
          key: "k",
          sections: [
            new MarkdownSection({ key: "a", title: "A", template: "", tools: [tool("open_sections")] }),
          ],
        }),
    ).toThrow(/"open_sections", a name reserved/);
  });

  it("rejects duplicate top-level keys and ambiguous params keys", () => {
    const a = new MarkdownSection({ key: "a", title: "A", template: "" });
    expect(() => new PromptTemplate({ ns: "t", key: "k", sections: [a, a] })).toThrow(
      /two top-level sections with key "a"/,
    );
    const withParams = () =>
      new MarkdownSection({ key: "p", title: "P", template: "${x}", params: z.object({ x: z.string() }) });
    expect(
      () =>
        new PromptTemplate({
          ns: "t",
          key: "k",
          sections: [
            withParams(),
            new MarkdownSection({ key: "q", title: "Q", template: "", children: [withParams()] }),
          ],
        }),
    ).toThrow(/two sections with params under key "p"/);
  });

  it("rejects bad ns/key and non-object output", () => {
    expect(() => new PromptTemplate({ ns: "", key: "k", sections: [] })).toThrow(/needs an ns/);
    expect(() => new PromptTemplate({ ns: "Bad/ns", key: "k", sections: [] })).toThrow(/"Bad" is invalid/);
    expect(() => new PromptTemplate({ ns: "t", key: "K", sections: [] })).toThrow(
      /Prompt key "K" is invalid/,
    );
    expect(
      () => new PromptTemplate({ ns: "t", key: "k", sections: [], output: z.string() as never }),
    ).toThrow(/output must be a z.object\(...\) or z.array\(...\)/);
  });

  it("describes overridable sections and tools with stable hashes", () => {
    const a = codeReviewTemplate().descriptor;
    const b = codeReviewTemplate().descriptor;
    expect(a).toEqual(b);
    expect(a.sections.map((s) => s.path.join("/"))).toEqual([
      "guide",
      "reference",
      "reference/style",
      "reference/api",
      "workspace",
      "planning",
      "request",
    ]);
    expect(codeReviewTemplate("Different guide.").descriptor.sections[0]?.contentHash).not.toBe(
      a.sections[0]?.contentHash,
    );
    expect(a.tools.map((t) => t.name)).toEqual(["read_file", "write_file", "run_tests", "post_review"]);
  });
});

describe("overrides at render time", () => {
  it("ignores an override body with placeholders the section cannot fill, rendering the code's text", () => {
    const template = codeReviewTemplate();
    const guide = template.descriptor.sections[0]!;
    const store = {
      resolve: () => ({
        ns: template.ns,
        promptKey: template.key,
        tag: "latest",
        sections: { guide: { path: ["guide"], expectedHash: guide.contentHash, body: "Hello ${nobody}" } },
        tools: {},
      }),
    };
    const text = new Prompt(template, { overridesStore: store }).bind({ request }).render().text;
    expect(text).toContain("You review pull requests. Be specific and kind.");
  });

  it("applies a valid override body and reports the tag", () => {
    const template = codeReviewTemplate();
    const store = {
      resolve: (_d: unknown, tag?: string) => ({
        ns: template.ns,
        promptKey: template.key,
        tag: tag ?? "latest",
        sections: { guide: { path: ["guide"], expectedHash: "x", body: "Be terse." } },
        tools: {},
      }),
    };
    const rendered = new Prompt(template, { overridesStore: store, overridesTag: "v2-prompts" })
      .bind({ request })
      .render();
    expect(rendered.text).toContain("## 1. Guide\n\nBe terse.");
    expect(rendered.overrideTag).toBe("v2-prompts");
  });
});
