/**
 * The code-review example reviews a real directory: its sample repository is copied read-only
 * into each request's workspace; offline, the scripted model reads the touched file from it and
 * writes its report to the workspace, and the prompt carries the content fingerprint. Runs the
 * example as a user does (a child process resolving `weakincentives` to the sources).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

interface Run {
  output: { approve: boolean };
  calls: { name: string; success: boolean; params: { path?: string }; output: string }[];
  prompt: string;
  fingerprint: string;
  envMounted: boolean;
}

describe("the code-review example's workspace", () => {
  it("reads the mounted repository and writes its report to the workspace", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--conditions=wink-source", "--import", "tsx", "test/examples/fixtures/review-workspace.ts"],
      { env: { ...process.env, WEAKINCENTIVES_LOG_LEVEL: "critical" } },
    );
    const run = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Run;
    expect(run.output.approve).toBe(false);
    expect(run.calls.map((c) => [c.name, c.success])).toEqual([
      ["glob", true],
      ["read_file", true],
      ["write_file", true],
    ]);
    // The glob saw the real files (not the repository's .env); the read returned the real code.
    expect(run.calls[0]?.output).toContain("repo/src/http.ts");
    expect(run.calls[0]?.output).toContain("repo/src/retry.ts");
    expect(run.calls[1]?.output).toContain("const res = await fetch(url);");
    expect(run.calls[2]?.params.path).toBe("review.md");
    expect(run.envMounted).toBe(false);
    // The prompt names the workspace's content: the fingerprint of the repository as mounted.
    expect(run.prompt).toContain(run.fingerprint);
    expect(run.prompt).toContain("`repo` (read-only: write elsewhere): 3 files");
  }, 30_000);
});
