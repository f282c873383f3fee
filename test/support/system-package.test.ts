/**
 * Tests that need a system package skip with one line naming it, and fail under `CI=true`
 * (checked in child vitest runs over a fixture, since this file must itself stay green).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { hasCommand, requirement, systemPackages } from "./system-package.js";

const root = join(import.meta.dirname, "..", "..");

async function runFixture(ci: string): Promise<{ code: number; output: string }> {
  const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
  const config = join(root, "test", "support", "fixtures", "vitest.requiring.config.ts");
  return promisify(execFile)(process.execPath, [vitest, "run", "--config", config], {
    cwd: root,
    env: { ...process.env, CI: ci, FORCE_COLOR: "0", NO_COLOR: "1" },
  }).then(
    (done) => ({ code: 0, output: done.stdout + done.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? -1,
      output: `${err.stdout ?? ""}${err.stderr ?? ""}`,
    }),
  );
}

describe("requirements", () => {
  it("finds commands on PATH", () => {
    expect(hasCommand("sh")).toBe(true);
    expect(hasCommand("sh", "/nonexistent-dir")).toBe(false);
    expect(hasCommand("wink-absent-command")).toBe(false);
  });

  it("names the missing Debian packages and how to install them", () => {
    const req = systemPackages({ coreutils: "ls", "wink-absent-package": "wink-absent-command" });
    expect(req.missing).toEqual(["wink-absent-package"]);
    expect(req.install).toBe("apt-get install -y coreutils wink-absent-package");
    expect(requirement("a binary", true, "npm ci").missing).toEqual([]);
  });
});

describe("a block whose package is missing, in a real vitest run", () => {
  it("is skipped with one line naming the package", async () => {
    const run = await runFixture("");
    expect(run.code, run.output).toBe(0);
    const lines = run.output.split("\n").filter((line) => line.includes("wink-absent-package"));
    expect(lines).toEqual([
      "SKIPPED tests that need the Debian package wink-absent-package (missing: wink-absent-package); " +
        "install with: apt-get install -y wink-absent-package",
    ]);
    expect(run.output).toMatch(/1 passed \| 2 skipped/);
  }, 60_000);

  it("fails under CI=true instead", async () => {
    const run = await runFixture("true");
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/CI=true forbids skipping/);
    expect(run.output).toMatch(/apt-get install -y wink-absent-package/);
    expect(run.output).toMatch(/2 failed \| 1 passed/);
  }, 60_000);
});
