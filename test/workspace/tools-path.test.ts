/** The path parameter of the workspace tools: normalized once while the arguments are parsed. */
import { describe, expect, it, vi } from "vitest";
import { normalizeWorkspacePath } from "../../src/filesystem/filesystem.js";
import { pathParam } from "../../src/workspace/tools/internal/shared.js";

vi.mock("../../src/filesystem/filesystem.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/filesystem/filesystem.js")>();
  return { ...actual, normalizeWorkspacePath: vi.fn(actual.normalizeWorkspacePath) };
});

describe("pathParam", () => {
  it("normalizes a file path once and passes the result on", () => {
    vi.mocked(normalizeWorkspacePath).mockClear();
    expect(pathParam("file", "d").parse("./src//a/../main.ts")).toBe("src/main.ts");
    expect(normalizeWorkspacePath).toHaveBeenCalledTimes(1);
  });

  it("lets a directory name the root, and normalizes the rest once", () => {
    const directory = pathParam("directory", "d");
    expect(["", ".", "./", "/"].map((root) => directory.parse(root))).toEqual(["", "", "", ""]);
    vi.mocked(normalizeWorkspacePath).mockClear();
    expect(directory.parse("src/")).toBe("src");
    expect(normalizeWorkspacePath).toHaveBeenCalledTimes(1);
  });

  it("turns a bad path into one validation issue naming it", () => {
    const result = pathParam("file", "d").safeParse("../etc/passwd");
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'Path "../etc/passwd" leaves the workspace. Stay inside it: no leading "..".',
    ]);
    expect(pathParam("directory", "d").safeParse("/etc").success).toBe(false);
  });
});
