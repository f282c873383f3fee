/** The workspace tools over a real directory: the same answers as over the in-memory workspace. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HostFilesystem } from "../../src/filesystem/host.js";
import { filesystemToolPolicies } from "../../src/workspace/tools.js";
import { failure, harness, success } from "./tools-harness.js";

const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

async function hostHarness(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "wink-tools-"));
  roots.push(root);
  const fs = new HostFilesystem(root);
  for (const [path, content] of Object.entries(files)) await fs.write(path, content);
  return { root, ...harness({}, { filesystem: fs, policies: filesystemToolPolicies() }) };
}

describe("the workspace tools over a HostFilesystem", () => {
  it("read, edit and list files on disk", async () => {
    const { root, call } = await hostHarness({ "src/a.ts": "let a = 1;\n", "README.md": "# x\n" });
    expect(success(await call("list_files", {}))).toBe("The workspace root holds:\nsrc/\nREADME.md");
    success(await call("read_file", { path: "src/a.ts" }));
    success(await call("edit_file", { path: "src/a.ts", old_string: "1", new_string: "2" }));
    expect(readFileSync(join(root, "src/a.ts"), "utf8")).toBe("let a = 2;\n");
  });

  it("grep a single file and refuse to list a file, as over the in-memory workspace", async () => {
    const { call } = await hostHarness({ "src/a.ts": "let a = 1;\n" });
    expect(success(await call("grep", { pattern: "let", path: "src/a.ts" }))).toBe("src/a.ts:1: let a = 1;");
    expect(failure(await call("list_files", { path: "src/a.ts" }))).toContain(
      '"src/a.ts" is a file, not a directory. Call read_file',
    );
  });
});
