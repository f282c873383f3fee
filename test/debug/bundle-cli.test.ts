/** `wink bundle list|info|verify|prune` over real bundles. */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addBundleCommand } from "../../src/cli/bundle.js";
import { FakeClock } from "../../src/clock.js";
import { writeBundle } from "../../src/debug/index.js";

let dir: string;
let lines: string[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wink-bundle-cli-"));
  lines = [];
  const clock = new FakeClock();
  for (const [i, failed] of [false, true, false].entries()) {
    await writeBundle(
      { target: dir },
      {
        requestId: `r-${i}`,
        runId: `run-${i}`,
        attempt: 1,
        input: { i },
        ...(failed ? { error: { type: "ToolError", message: "disk on fire" } } : { output: { ok: true } }),
        clock,
      },
    );
    clock.advance(1000);
  }
});
afterEach(async () => {
  process.exitCode = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function wink(...args: string[]): Promise<string[]> {
  const program = new Command("wink").exitOverride();
  addBundleCommand(program, { out: (line) => lines.push(line) });
  await program.parseAsync(["node", "wink", "bundle", ...args]);
  return lines;
}

describe("wink bundle", () => {
  it("lists bundles newest first, as text or JSON", async () => {
    const text = await wink("list", dir);
    expect(text.map((l) => l.split(/\s+/)[4])).toEqual(["run-2", "run-1", "run-0"]);
    expect(text[1]).toContain("error");
    lines = [];
    const json = (await wink("list", dir, "--json")).map((l) => JSON.parse(l) as { bundleId: string });
    expect(json.map((b) => b.bundleId)).toEqual(["run-2", "run-1", "run-0"]);
  });

  it("shows a bundle's ids, status, error and files", async () => {
    const out = (await wink("info", join(dir, "run-1"))).join("\n");
    expect(out).toContain("request  r-1 (attempt 1, run run-1)");
    expect(out).toContain("status   error");
    expect(out).toContain("disk on fire");
    expect(out).toContain("request/error.json");
  });

  it("verifies bundles and exits 1 when a file was changed", async () => {
    await wink("verify", join(dir, "run-0"), join(dir, "run-2"));
    expect(lines).toEqual([`ok       ${join(dir, "run-0")}`, `ok       ${join(dir, "run-2")}`]);
    expect(process.exitCode).toBe(0);
    await writeFile(join(dir, "run-2", "request", "input.json"), '{"i": 99}\n');
    lines = [];
    await wink("verify", join(dir, "run-2"));
    expect(lines).toEqual([`CHANGED  ${join(dir, "run-2")}`]);
    expect(process.exitCode).toBe(1);
  });

  it("prunes to a limit, or says what it would delete", async () => {
    expect(await wink("prune", dir, "--max-bundles", "1", "--dry-run")).toEqual([
      "would delete run-1",
      "would delete run-0",
      "2 to delete, 1 kept",
    ]);
    expect((await readdir(dir)).sort()).toEqual(["run-0", "run-1", "run-2"]);
    lines = [];
    expect(await wink("prune", dir, "--max-bundles", "1")).toEqual([
      "deleted run-1",
      "deleted run-0",
      "2 deleted, 1 kept",
    ]);
    expect(await readdir(dir)).toEqual(["run-2"]);
  });

  it("refuses prune without a limit or with a bad one, naming the flag", async () => {
    await expect(wink("prune", dir)).rejects.toThrow(
      /needs a limit: --max-bundles, --max-age or --max-bytes/,
    );
    await expect(wink("prune", dir, "--max-age", "soon")).rejects.toThrow(
      /--max-age must be a positive number, got "soon"/,
    );
  });
});
