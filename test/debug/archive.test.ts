/** The single-file form of a bundle: a zip that loads and verifies like the directory. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addBundleCommand } from "../../src/cli/bundle.js";
import { archiveBundle, DebugBundle } from "../../src/debug/index.js";
import { writeFailedRun } from "./fixtures/failed-run.js";

let dir: string;
let bundlePath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wink-archive-"));
  bundlePath = await writeFailedRun(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("archiveBundle", () => {
  it("writes a zip that loads, reads and verifies like the directory", async () => {
    const zip = await archiveBundle(bundlePath);
    expect(zip).toBe(`${bundlePath}.zip`);
    expect((await readFile(zip)).subarray(0, 2).toString()).toBe("PK");
    const fromDir = await DebugBundle.load(bundlePath);
    const fromZip = await DebugBundle.load(zip);
    expect(fromZip.manifest).toEqual(fromDir.manifest);
    expect(fromZip.error).toEqual(fromDir.error);
    expect(fromZip.sessionLines).toEqual(fromDir.sessionLines);
    expect(await fromZip.readFile("filesystem/review.md")).toBe(
      await fromDir.readFile("filesystem/review.md"),
    );
    await expect(fromZip.verifyIntegrity()).resolves.toBe(true);
  });

  it("refuses a damaged archive, naming it", async () => {
    const zip = await archiveBundle(bundlePath, join(dir, "shipped.zip"));
    const bytes = await readFile(zip);
    bytes[60] = (bytes[60] ?? 0) ^ 0xff; // inside the first file's compressed data
    await writeFile(zip, bytes);
    await expect(DebugBundle.load(zip)).rejects.toThrow(/shipped\.zip" is not a readable bundle archive/);
    await writeFile(zip, "not a zip");
    await expect(DebugBundle.load(zip)).rejects.toThrow(/no end of central directory/);
  });

  it("is `wink bundle zip`", async () => {
    const lines: string[] = [];
    const program = new Command("wink").exitOverride();
    addBundleCommand(program, { out: (line) => lines.push(line) });
    await program.parseAsync(["node", "wink", "bundle", "zip", bundlePath, "--out", join(dir, "out.zip")]);
    expect(lines).toEqual([join(dir, "out.zip")]);
    await program.parseAsync(["node", "wink", "bundle", "verify", join(dir, "out.zip")]);
    expect(lines.at(-1)).toBe(`ok       ${join(dir, "out.zip")}`);
    process.exitCode = undefined;
  });
});
