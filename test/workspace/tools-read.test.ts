/** read_file, list_files, glob and grep against an in-memory workspace, through the executor. */
import { describe, expect, it } from "vitest";
import { WinkError } from "../../src/errors.js";
import { filesystemTools, readFileTool } from "../../src/workspace/tools.js";
import { failure, harness, success } from "./tools-harness.js";

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n");

describe("read_file", () => {
  it("shows the file as numbered lines with the total count", async () => {
    const { call } = harness({ "src/main.ts": "const a = 1;\nconst b = 2;\n" });
    const execution = await call("read_file", { path: "src/main.ts" });
    expect(success(execution)).toBe('"src/main.ts", lines 1-2 of 2:\n   1\tconst a = 1;\n   2\tconst b = 2;');
    expect(execution.result.value).toEqual({
      path: "src/main.ts",
      offset: 1,
      lines: 2,
      totalLines: 2,
      truncated: false,
      content: "const a = 1;\nconst b = 2;",
    });
  });

  it("pages with a 1-based offset and a limit, and says how to read on", async () => {
    const { call } = harness({ "log.txt": lines(10) });
    const output = success(await call("read_file", { path: "log.txt", offset: 4, limit: 2 }));
    expect(output).toContain("   4\tline 4\n   5\tline 5");
    expect(output).not.toContain("line 6");
    expect(output).toContain("(Showing lines 4-5 of 10. Call read_file with offset 6 to read on.)");
  });

  it("stops at maxReadLines even when a larger limit is asked for", async () => {
    const { call } = harness({ "big.txt": lines(30) }, { maxReadLines: 10 });
    const execution = await call("read_file", { path: "big.txt", limit: 25 });
    expect(execution.result.value).toMatchObject({ lines: 10, totalLines: 30, truncated: true });
    expect(execution.output).toContain("Call read_file with offset 11");
  });

  it("cuts very long lines and says so", async () => {
    const { call } = harness({ "min.js": "x".repeat(5_000) });
    const output = success(await call("read_file", { path: "min.js" }));
    expect(output).toContain("… (line cut at 2,000 characters)");
    expect(output.length).toBeLessThan(2_200);
  });

  it("reports an empty file as empty", async () => {
    const { call } = harness({ "empty.txt": "" });
    expect(success(await call("read_file", { path: "empty.txt" }))).toBe('"empty.txt" is empty (0 lines).');
  });

  it("normalizes the path before anything sees it", async () => {
    const { call } = harness({ "src/main.ts": "x\n" });
    const execution = await call("read_file", { path: "./src//main.ts" });
    expect(execution.params).toEqual({ path: "src/main.ts" });
    expect(success(execution)).toContain('"src/main.ts"');
  });

  it("refuses a path outside the workspace, naming it", async () => {
    const { call } = harness();
    expect(failure(await call("read_file", { path: "../etc/passwd" }))).toContain(
      'Path "../etc/passwd" leaves the workspace',
    );
    expect(failure(await call("read_file", { path: "/etc/passwd" }))).toContain(
      'Path "/etc/passwd" is absolute',
    );
  });

  it("says which file is missing and how to find the right one", async () => {
    const { call } = harness();
    expect(failure(await call("read_file", { path: "nope.ts" }))).toContain(
      'No file "nope.ts" in the workspace',
    );
  });

  it("refuses an offset past the end, naming the valid range", async () => {
    const { call } = harness({ "a.txt": lines(3) });
    expect(failure(await call("read_file", { path: "a.txt", offset: 9 }))).toContain(
      'offset 9 is past the end of "a.txt", which has 3 lines. Use an offset from 1 to 3.',
    );
  });

  it("refuses a binary file with a clear message", async () => {
    const { call } = harness({ "logo.png": "\u0089PNG\0\0\0" });
    expect(failure(await call("read_file", { path: "logo.png" }))).toContain(
      '"logo.png" is a binary file (it contains NUL bytes); read_file works on text files only.',
    );
  });

  it("rejects limits that are not positive integers when the tools are built", () => {
    expect(() => readFileTool({ maxReadLines: 0 })).toThrow(WinkError);
    expect(() => filesystemTools({ maxGrepMatches: 1.5 })).toThrow(
      /maxGrepMatches must be a positive integer, got 1.5/,
    );
  });
});

describe("list_files", () => {
  const files = { "README.md": "#", "src/main.ts": "", "src/lib/util.ts": "", "docs/guide.md": "" };

  it("lists the top level: directories first with a slash, then files", async () => {
    const { call } = harness(files);
    const execution = await call("list_files", {});
    expect(success(execution)).toBe("The workspace root holds:\ndocs/\nsrc/\nREADME.md");
    expect(execution.result.value).toEqual({
      path: "",
      directories: ["docs", "src"],
      files: ["README.md"],
      truncated: false,
    });
  });

  it("lists the immediate entries of a subdirectory as workspace paths", async () => {
    const { call } = harness(files);
    expect(success(await call("list_files", { path: "src/" }))).toBe('"src" holds:\nsrc/lib/\nsrc/main.ts');
  });

  it("treats '.' as the root and says when the workspace is empty", async () => {
    const { call } = harness();
    expect(success(await call("list_files", { path: "." }))).toBe("The workspace is empty.");
  });

  it("caps the entries with a note", async () => {
    const many = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.txt`, ""]));
    const { call } = harness(many, { maxListResults: 3 });
    const execution = await call("list_files", {});
    expect(execution.output).toContain("(Showing 3 of 5 entries.");
    expect(execution.result.value).toMatchObject({ files: ["f0.txt", "f1.txt", "f2.txt"], truncated: true });
  });

  it("says when the directory does not exist, or is a file", async () => {
    const { call } = harness(files);
    expect(failure(await call("list_files", { path: "lib" }))).toContain(
      'No directory "lib" in the workspace. Call list_files without a path',
    );
    expect(failure(await call("list_files", { path: "README.md" }))).toContain(
      '"README.md" is a file, not a directory. Call read_file',
    );
  });
});

describe("glob", () => {
  const files = { "a.ts": "", "src/b.ts": "", "src/c.md": "", "src/deep/d.ts": "", "test/e.test.ts": "" };

  it("returns matching paths, sorted", async () => {
    const { call } = harness(files);
    const execution = await call("glob", { pattern: "**/*.ts" });
    expect(execution.result.value).toMatchObject({
      matches: ["a.ts", "src/b.ts", "src/deep/d.ts", "test/e.test.ts"],
      total: 4,
      truncated: false,
    });
    expect(success(execution)).toBe(
      '4 files in the workspace match "**/*.ts":\na.ts\nsrc/b.ts\nsrc/deep/d.ts\ntest/e.test.ts',
    );
  });

  it("matches relative to path and returns workspace paths", async () => {
    const { call } = harness(files);
    const execution = await call("glob", { pattern: "*.ts", path: "src" });
    expect(execution.result.value).toMatchObject({ matches: ["src/b.ts", "src/deep/d.ts"] });
    const direct = await call("glob", { pattern: "deep/*", path: "src" });
    expect(direct.result.value).toMatchObject({ matches: ["src/deep/d.ts"] });
  });

  it("says when nothing matches", async () => {
    const { call } = harness(files);
    expect(success(await call("glob", { pattern: "*.py" }))).toBe('No files in the workspace match "*.py".');
  });

  it("caps the matches with a truncation note", async () => {
    const { call } = harness(files, { maxListResults: 2 });
    const execution = await call("glob", { pattern: "*.ts" });
    expect(execution.result.value).toMatchObject({
      matches: ["a.ts", "src/b.ts"],
      total: 4,
      truncated: true,
    });
    expect(execution.output).toContain("(Showing the first 2 of 4 matches. Narrow the pattern or the path.)");
  });

  it("turns a malformed pattern into a validation error naming it", async () => {
    const { call } = harness(files);
    expect(failure(await call("glob", { pattern: "src/[ab" }))).toBe(
      'Tool validation failed: Glob pattern "src/[ab" has a "[" without its "]". Fix the pattern.',
    );
  });
});

describe("grep", () => {
  const files = {
    "src/a.ts": "export function alpha() {}\nconst x = 1;\n",
    "src/b.ts": "export function beta() {}\n// TODO: gamma\n",
    "docs/notes.md": "TODO write docs\n",
    "bin/tool": "\0\0export function hidden",
  };

  it("returns path:line: text for every match, in path order", async () => {
    const { call } = harness(files);
    const execution = await call("grep", { pattern: "export function \\w+" });
    expect(success(execution)).toBe(
      "src/a.ts:1: export function alpha() {}\nsrc/b.ts:1: export function beta() {}",
    );
    expect(execution.result.value).toMatchObject({ filesSearched: 4, truncated: false });
  });

  it("narrows by path, by glob, and matches case-insensitively when asked", async () => {
    const { call } = harness(files);
    expect(success(await call("grep", { pattern: "TODO", path: "src" }))).toBe("src/b.ts:2: // TODO: gamma");
    expect(success(await call("grep", { pattern: "todo", glob: "*.md", ignore_case: true }))).toBe(
      "docs/notes.md:1: TODO write docs",
    );
    expect(success(await call("grep", { pattern: "alpha", path: "src/a.ts", glob: "*.ts" }))).toBe(
      "src/a.ts:1: export function alpha() {}",
    );
  });

  it("says when no line matches", async () => {
    const { call } = harness(files);
    expect(success(await call("grep", { pattern: "zeta", path: "src" }))).toBe(
      "No lines match /zeta/ in 2 files.",
    );
  });

  it("stops at maxGrepMatches with a note", async () => {
    const { call } = harness({ "many.txt": "hit\n".repeat(10) }, { maxGrepMatches: 3 });
    const execution = await call("grep", { pattern: "hit" });
    expect(execution.result.value).toMatchObject({ truncated: true });
    expect(execution.output.split("\n").filter((l) => l.startsWith("many.txt:"))).toHaveLength(3);
    expect(execution.output).toContain("(Stopped at 3 matches.");
  });

  it("refuses an invalid regular expression, naming the pattern", async () => {
    const { call } = harness(files);
    const output = failure(await call("grep", { pattern: "foo(" }));
    expect(output).toContain('Pattern "foo(" is not a valid regular expression');
    expect(output).toContain("escape special characters");
  });

  it("says when the path does not exist", async () => {
    const { call } = harness(files);
    expect(failure(await call("grep", { pattern: "x", path: "lib" }))).toContain(
      'No file or directory "lib" in the workspace',
    );
  });
});

describe("filesystemTools", () => {
  it("gives all seven tools, or only the four that read", () => {
    expect(filesystemTools().map((t) => t.name)).toEqual([
      "read_file",
      "list_files",
      "glob",
      "grep",
      "write_file",
      "edit_file",
      "delete_file",
    ]);
    expect(filesystemTools({ readOnly: true }).map((t) => t.name)).toEqual([
      "read_file",
      "list_files",
      "glob",
      "grep",
    ]);
  });

  it("fails every tool with a clear message when no workspace is bound", async () => {
    const { call } = harness({}, { filesystem: null });
    for (const [name, args] of [
      ["read_file", { path: "a.txt" }],
      ["list_files", {}],
      ["write_file", { path: "a.txt", content: "x" }],
    ] as const) {
      const output = failure(await call(name, args));
      expect(output).toContain(`No workspace is bound, so ${name} has no files to work on.`);
      expect(output).toContain("WorkspaceSection");
      expect(output).toContain("Binding.instance(FilesystemKey");
    }
  });
});
