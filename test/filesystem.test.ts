import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ToolValidationError } from "../src/errors.js";
import { FilesystemKey, InMemoryFilesystem, normalizeWorkspacePath } from "../src/filesystem/index.js";
import {
  executeToolCall,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  ReadBeforeWritePolicy,
  Tool,
  ToolResult,
} from "../src/prompt/index.js";
import { Binding, ResourceRegistry } from "../src/resources/index.js";
import { Session } from "../src/session/index.js";

describe("workspace paths", () => {
  it("normalizes separators, dots and inner ..", () => {
    expect(normalizeWorkspacePath("./src//a/../main.ts")).toBe("src/main.ts");
    expect(normalizeWorkspacePath("src\\lib\\x.ts")).toBe("src/lib/x.ts");
  });

  it.each([
    ["", /is empty/],
    ["/etc/passwd", /"\/etc\/passwd" is absolute/],
    ["C:/x", /is absolute/],
    ["../secrets.env", /"..\/secrets.env" leaves the workspace/],
    ["a/../../b", /leaves the workspace/],
    [".", /names the workspace root/],
    ["a\0b", /NUL byte/],
  ])("rejects %j with a ToolValidationError naming it", (path, message) => {
    expect(() => normalizeWorkspacePath(path)).toThrow(ToolValidationError);
    expect(() => normalizeWorkspacePath(path)).toThrow(message);
  });
});

describe("InMemoryFilesystem", () => {
  it("reads, writes, lists, deletes", async () => {
    const fs = new InMemoryFilesystem({ "src/a.ts": "a", "docs/b.md": "b" });
    await fs.write("src/c.ts", "c");
    expect(await fs.read("./src/c.ts")).toBe("c");
    expect(await fs.list()).toEqual(["docs/b.md", "src/a.ts", "src/c.ts"]);
    expect(await fs.list("src")).toEqual(["src/a.ts", "src/c.ts"]);
    expect(await fs.delete("src/a.ts")).toBe(true);
    expect(await fs.delete("src/a.ts")).toBe(false);
    await expect(fs.read("missing.ts")).rejects.toThrow(/No file "missing.ts" in the workspace/);
  });

  it("restores a snapshot", async () => {
    const fs = new InMemoryFilesystem({ "a.txt": "1" });
    const snap = fs.snapshot();
    await fs.write("a.txt", "2");
    await fs.write("b.txt", "x");
    fs.restore(snap);
    expect(await fs.list()).toEqual(["a.txt"]);
    expect(await fs.read("a.txt")).toBe("1");
  });
});

describe("tools and the bound filesystem", () => {
  const write = new Tool({
    name: "write_file",
    description: "Write a file.",
    params: z.object({ path: z.string(), content: z.string(), fail: z.boolean().optional() }),
    handler: async ({ path, content, fail }, context) => {
      await context.filesystem?.write(path, content);
      return fail ? ToolResult.error("disk quota") : ToolResult.ok({ path });
    },
  });
  const read = new Tool({
    name: "read_file",
    description: "Read a file.",
    params: z.object({ path: z.string() }),
    handler: async ({ path }, context) => ToolResult.ok({ content: await context.filesystem?.read(path) }),
  });

  function setup() {
    const fs = new InMemoryFilesystem({ "config.yaml": "a: 1" });
    const template = new PromptTemplate({
      ns: "tests",
      key: "fs",
      sections: [
        new MarkdownSection({
          key: "ws",
          title: "Workspace",
          template: "Files.",
          tools: [write, read],
          policies: [new ReadBeforeWritePolicy()],
        }),
      ],
    });
    const prompt = new Prompt(template);
    const session = new Session();
    const resources = ResourceRegistry.of(Binding.instance(FilesystemKey, fs)).open();
    return { fs, ctx: { session, resources, rendered: prompt.render(), prompt, adapter: "test" } };
  }

  it("rolls the filesystem back when the tool fails", async () => {
    const { fs, ctx } = setup();
    await executeToolCall(
      { name: "write_file", arguments: { path: "new.txt", content: "x", fail: true } },
      ctx,
    );
    expect(await fs.list()).toEqual(["config.yaml"]);
  });

  it("answers a path escape with an error result naming the path", async () => {
    const { ctx } = setup();
    const execution = await executeToolCall({ name: "read_file", arguments: { path: "../etc/passwd" } }, ctx);
    expect(execution.output).toMatch(/^Tool validation failed: Path "..\/etc\/passwd" leaves the workspace/);
  });

  it("ReadBeforeWritePolicy asks the bound filesystem whether a file exists", async () => {
    const { ctx } = setup();
    expect(
      (await executeToolCall({ name: "write_file", arguments: { path: "fresh.txt", content: "x" } }, ctx))
        .result.success,
    ).toBe(true);
    const denied = await executeToolCall(
      { name: "write_file", arguments: { path: "config.yaml", content: "x" } },
      ctx,
    );
    expect(denied.output).toMatch(/"config.yaml" already exists and has not been read/);
  });
});
