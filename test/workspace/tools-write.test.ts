/** write_file, edit_file and delete_file against an in-memory workspace, through the executor. */
import { describe, expect, it } from "vitest";
import { ToolValidationError } from "../../src/errors.js";
import { InMemoryFilesystem } from "../../src/filesystem/index.js";
import { failure, harness, success } from "./tools-harness.js";

describe("write_file", () => {
  it("creates a file and says so", async () => {
    const { call, fs } = harness();
    const execution = await call("write_file", { path: "notes/todo.md", content: "- ship\n" });
    expect(success(execution)).toBe('Created "notes/todo.md" (7 characters).');
    expect(execution.result.value).toEqual({ path: "notes/todo.md", created: true, chars: 7 });
    expect(await fs?.read("notes/todo.md")).toBe("- ship\n");
  });

  it("normalizes the path once, while parsing, and hands that spelling to the filesystem", async () => {
    const calls: string[] = [];
    class RecordingFilesystem extends InMemoryFilesystem {
      override async exists(path: string): Promise<boolean> {
        calls.push(`exists ${path}`);
        return super.exists(path);
      }
      override async write(path: string, content: string): Promise<void> {
        calls.push(`write ${path}`);
        return super.write(path, content);
      }
    }
    const { call } = harness({}, { filesystem: new RecordingFilesystem() });
    const execution = await call("write_file", { path: "./notes//x/../todo.md", content: "x" });
    expect(execution.result.value).toEqual({ path: "notes/todo.md", created: true, chars: 1 });
    expect(calls).toEqual(["exists notes/todo.md", "write notes/todo.md"]);
  });

  it("replaces an existing file whole", async () => {
    const { call, fs } = harness({ "a.txt": "old" });
    expect(success(await call("write_file", { path: "a.txt", content: "new" }))).toBe(
      'Replaced "a.txt" (3 characters).',
    );
    expect(await fs?.read("a.txt")).toBe("new");
  });

  it("refuses content over the limit, naming the size and the limit", async () => {
    const { call, fs } = harness({}, { maxWriteChars: 1_000 });
    const output = failure(await call("write_file", { path: "big.txt", content: "x".repeat(1_234) }));
    expect(output).toContain('Content for "big.txt" is 1,234 characters, over the 1,000-character limit');
    expect(output).toContain("Split it into several smaller files");
    expect(await fs?.exists("big.txt")).toBe(false);
  });

  it("has a 48,000-character limit by default", async () => {
    const { call } = harness();
    expect(success(await call("write_file", { path: "ok.txt", content: "x".repeat(48_000) }))).toContain(
      "Created",
    );
    expect(failure(await call("write_file", { path: "no.txt", content: "x".repeat(48_001) }))).toContain(
      "over the 48,000-character limit",
    );
  });
});

describe("edit_file", () => {
  const source = "const answer = 41;\nconst other = 41;\n";

  it("replaces the one occurrence of old_string", async () => {
    const { call, fs } = harness({ "src/a.ts": "let x = 1;\nlet y = 2;\n" });
    const execution = await call("edit_file", {
      path: "src/a.ts",
      old_string: "x = 1",
      new_string: "x = 10",
    });
    expect(success(execution)).toBe('Edited "src/a.ts": 1 replacement.');
    expect(await fs?.read("src/a.ts")).toBe("let x = 10;\nlet y = 2;\n");
  });

  it("refuses an ambiguous old_string, saying how many times it was found and what to do", async () => {
    const { call, fs } = harness({ "src/a.ts": source });
    const output = failure(await call("edit_file", { path: "src/a.ts", old_string: "41", new_string: "42" }));
    expect(output).toContain('old_string was found 2 times in "src/a.ts"');
    expect(output).toContain("set replace_all to true");
    expect(await fs?.read("src/a.ts")).toBe(source);
  });

  it("replaces every occurrence with replace_all, keeping $ patterns literal", async () => {
    const { call, fs } = harness({ "src/a.ts": source });
    const execution = await call("edit_file", {
      path: "src/a.ts",
      old_string: "41",
      new_string: "$&$1",
      replace_all: true,
    });
    expect(success(execution)).toBe('Edited "src/a.ts": 2 replacements.');
    expect(await fs?.read("src/a.ts")).toBe("const answer = $&$1;\nconst other = $&$1;\n");
  });

  it("says old_string was not found and to read the file again", async () => {
    const { call } = harness({ "src/a.ts": source });
    const output = failure(await call("edit_file", { path: "src/a.ts", old_string: "43", new_string: "44" }));
    expect(output).toContain('old_string was not found in "src/a.ts". Read the file again with read_file');
  });

  it("refuses an empty or unchanged old_string", async () => {
    const { call } = harness({ "src/a.ts": source });
    expect(failure(await call("edit_file", { path: "src/a.ts", old_string: "", new_string: "x" }))).toContain(
      'old_string is empty for "src/a.ts"',
    );
    expect(
      failure(await call("edit_file", { path: "src/a.ts", old_string: "41", new_string: "41" })),
    ).toContain("are the same");
  });

  it("refuses a new_string over the limit", async () => {
    const { call } = harness({ "a.txt": "x" }, { maxWriteChars: 10 });
    expect(
      failure(await call("edit_file", { path: "a.txt", old_string: "x", new_string: "y".repeat(11) })),
    ).toContain('new_string for "a.txt" is 11 characters, over the 10-character limit');
  });

  it("refuses a missing or binary file", async () => {
    const { call } = harness({ "blob.bin": "a\0b" });
    expect(failure(await call("edit_file", { path: "nope.ts", old_string: "a", new_string: "b" }))).toContain(
      'No file "nope.ts"',
    );
    expect(
      failure(await call("edit_file", { path: "blob.bin", old_string: "a", new_string: "b" })),
    ).toContain('"blob.bin" is a binary file');
  });
});

describe("delete_file", () => {
  it("deletes a file", async () => {
    const { call, fs } = harness({ "old.md": "x", "keep.md": "y" });
    expect(success(await call("delete_file", { path: "old.md" }))).toBe('Deleted "old.md".');
    expect(await fs?.list()).toEqual(["keep.md"]);
  });

  it("says when there is no such file, or it is a directory", async () => {
    const { call } = harness({ "docs/a.md": "" });
    expect(failure(await call("delete_file", { path: "b.md" }))).toContain('No file "b.md" in the workspace');
    expect(failure(await call("delete_file", { path: "docs" }))).toContain('"docs" is a directory');
  });
});

describe("read-only paths", () => {
  const files = { "vendor/lib.ts": "x", "src/main.ts": "y", "keys/server.pem": "z" };
  const readOnlyPaths = ["vendor", "*.pem"];

  it("refuse every write tool with a message saying where to write instead", async () => {
    const { call, fs } = harness(files, { readOnlyPaths });
    expect(failure(await call("write_file", { path: "vendor/lib.ts", content: "new" }))).toBe(
      'Tool validation failed: "vendor/lib.ts" is in a read-only mount ("vendor"); write elsewhere, e.g. "lib.ts".',
    );
    expect(
      failure(await call("edit_file", { path: "vendor/lib.ts", old_string: "x", new_string: "w" })),
    ).toContain("read-only mount");
    expect(failure(await call("delete_file", { path: "vendor/lib.ts" }))).toContain("read-only mount");
    expect(failure(await call("write_file", { path: "keys/new.pem", content: "k" }))).toBe(
      'Tool validation failed: "keys/new.pem" is in a read-only mount ("*.pem"); write elsewhere.',
    );
    expect(await fs?.read("vendor/lib.ts")).toBe("x");
  });

  it("still allow reading them and writing elsewhere", async () => {
    const { call } = harness(files, { readOnlyPaths });
    expect(success(await call("read_file", { path: "vendor/lib.ts" }))).toContain("x");
    expect(success(await call("write_file", { path: "src/main.ts", content: "ok" }))).toContain("Replaced");
  });

  it("reject a malformed pattern when the tools are built", () => {
    expect(() => harness({}, { readOnlyPaths: ["{a,b"] })).toThrow(
      /Glob pattern "\{a,b" has a "\{" without its "\}"/,
    );
  });

  it("let the filesystem's own refusal through as a tool error", async () => {
    class LockedFilesystem extends InMemoryFilesystem {
      override async write(path: string): Promise<void> {
        throw new ToolValidationError(
          `"${path}" is in a read-only mount; write elsewhere, e.g. "out/${path}".`,
        );
      }
    }
    const { call } = harness({}, { filesystem: new LockedFilesystem({ "repo/a.ts": "" }) });
    expect(failure(await call("write_file", { path: "repo/a.ts", content: "x" }))).toBe(
      'Tool validation failed: "repo/a.ts" is in a read-only mount; write elsewhere, e.g. "out/repo/a.ts".',
    );
  });
});
