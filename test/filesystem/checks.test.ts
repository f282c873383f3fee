/**
 * The checks the host filesystem, the workspace copy and the skills loader share: containment
 * (including the root `/`), "a regular file of its own", and reads through one checked
 * descriptor, which refuse a file swapped after its lstat (simulated by a stale lstat).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fileProblem, isWithin, readChecked } from "../../src/filesystem/checks.js";

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return { ...actual, lstatSync: vi.fn(actual.lstatSync) };
});

let base: string;

beforeEach(() => {
  base = fs.mkdtempSync(join(tmpdir(), "wink-checks-"));
  fs.writeFileSync(join(base, "plain.txt"), "plain");
});
afterEach(() => {
  vi.mocked(fs.lstatSync).mockClear();
  fs.rmSync(base, { recursive: true, force: true });
});

/** Make the next lstat see a plain regular file, as before a swap. */
function staleLstat(): void {
  const plain = fs.statSync(join(base, "plain.txt"));
  vi.mocked(fs.lstatSync).mockReturnValueOnce(plain);
}

describe("isWithin", () => {
  it("holds for the root and below it, not for a sibling sharing its prefix", () => {
    expect(isWithin("/srv/ws", "/srv/ws")).toBe(true);
    expect(isWithin("/srv/ws", "/srv/ws/a/b")).toBe(true);
    expect(isWithin("/srv/ws", "/srv/wsx/a")).toBe(false);
    expect(isWithin("/srv/ws", "/srv")).toBe(false);
  });

  it("treats the root `/` (ending in a separator) as containing every absolute path", () => {
    expect(isWithin("/", "/")).toBe(true);
    expect(isWithin("/", "/etc/passwd")).toBe(true);
    expect(isWithin("/srv/", "/srv/a")).toBe(true);
    expect(isWithin("/srv/", "/srvx")).toBe(false);
  });
});

describe("fileProblem", () => {
  it("accepts a regular file with one name and names every other kind", () => {
    fs.symlinkSync("plain.txt", join(base, "link"));
    fs.linkSync(join(base, "plain.txt"), join(base, "hard"));
    execFileSync("mkfifo", [join(base, "pipe")]);
    const problem = (name: string) => fileProblem(fs.lstatSync(join(base, name)));
    expect(problem("link")).toMatchObject({ reason: "symlink", kind: "a symbolic link" });
    expect(problem("hard")).toMatchObject({ reason: "hardlink", nlink: 2 });
    expect(problem("pipe")).toMatchObject({ reason: "device", kind: "a FIFO" });
    expect(fileProblem(fs.lstatSync(base))).toMatchObject({ reason: "directory" });
    fs.rmSync(join(base, "hard"));
    expect(problem("plain.txt")).toBeUndefined();
  });
});

describe("readChecked", () => {
  it("reads a regular file, and refuses one over maxBytes", () => {
    const read = readChecked(join(base, "plain.txt"));
    expect(read.ok && read.bytes.toString()).toBe("plain");
    expect(readChecked(join(base, "plain.txt"), 5).ok).toBe(true);
    expect(readChecked(join(base, "plain.txt"), 4)).toMatchObject({
      ok: false,
      problem: { reason: "too_large", size: 5 },
    });
  });

  it("refuses a symbolic link swapped in after the lstat (O_NOFOLLOW), not reading its target", () => {
    fs.writeFileSync(join(base, "secret.txt"), "secret");
    fs.symlinkSync(join(base, "secret.txt"), join(base, "swapped"));
    staleLstat();
    expect(readChecked(join(base, "swapped"))).toMatchObject({ ok: false, problem: { reason: "symlink" } });
  });

  it("refuses a FIFO swapped in after the lstat, without blocking on it", () => {
    execFileSync("mkfifo", [join(base, "pipe")]);
    staleLstat();
    expect(readChecked(join(base, "pipe"))).toMatchObject({ ok: false, problem: { reason: "device" } });
  });

  it("refuses a hard link made after the lstat (checked on the open descriptor)", () => {
    fs.linkSync(join(base, "plain.txt"), join(base, "hard"));
    staleLstat();
    expect(readChecked(join(base, "hard"))).toMatchObject({ ok: false, problem: { reason: "hardlink" } });
  });

  it("throws ENOENT for a missing file", () => {
    expect(() => readChecked(join(base, "missing"))).toThrow(/ENOENT/);
  });
});
