/**
 * HostFilesystem on real directories: the Filesystem contract, rollback through its undo journal,
 * read-only paths, and every escape refused with a WorkspaceSecurityError naming the path.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolValidationError, WorkspaceSecurityError } from "../../src/errors.js";
import { HostFilesystem } from "../../src/filesystem/index.js";
import { failure, harness } from "./tools-harness.js";

let base: string;
let root: string;
let outside: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "wink-hostfs-"));
  root = join(base, "ws");
  outside = join(base, "secret.txt");
  mkdirSync(join(root, "src"), { recursive: true });
  writeFileSync(join(root, "src", "main.ts"), "export {};\n");
  writeFileSync(outside, "host secret");
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

async function refused(
  action: Promise<unknown>,
  path: string,
  reason?: string,
): Promise<WorkspaceSecurityError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkspaceSecurityError);
  const security = error as WorkspaceSecurityError;
  expect(security.message).toContain(path);
  expect(security.path).toBe(path);
  if (reason) expect(security.details.reason).toBe(reason);
  return security;
}

describe("HostFilesystem contract", () => {
  it("reads, writes (creating directories), lists, checks and deletes files", async () => {
    const fs = new HostFilesystem(root);
    expect(await fs.read("src/main.ts")).toBe("export {};\n");
    await fs.write("notes/a/b.md", "hi");
    expect(readFileSync(join(root, "notes/a/b.md"), "utf8")).toBe("hi");
    expect(await fs.list()).toEqual(["notes/a/b.md", "src/main.ts"]);
    expect(await fs.list("notes")).toEqual(["notes/a/b.md"]);
    expect(await fs.list("missing")).toEqual([]);
    expect(await fs.exists("notes/a/b.md")).toBe(true);
    expect(await fs.exists("notes/a")).toBe(false);
    expect(await fs.delete("notes/a/b.md")).toBe(true);
    expect(await fs.delete("notes/a/b.md")).toBe(false);
    await expect(fs.read("nope.ts")).rejects.toThrow(/No file "nope.ts"/);
    await expect(fs.read("src")).rejects.toThrow(/"src" is a directory/);
    await expect(fs.list("src/main.ts")).rejects.toThrow(/is a file, not a directory/);
  });

  it("refuses a root that does not exist", () => {
    expect(() => new HostFilesystem(join(base, "nope"))).toThrow(/does not exist/);
  });

  it("undoes writes, overwrites and deletes made after a snapshot, and the directories it made", async () => {
    const fs = new HostFilesystem(root);
    await fs.write("kept.md", "kept");
    const mark = fs.snapshot();
    await fs.write("src/main.ts", "changed");
    await fs.write("new/deep/file.md", "new");
    await fs.delete("kept.md");
    fs.restore(mark);
    expect(await fs.list()).toEqual(["kept.md", "src/main.ts"]);
    expect(await fs.read("src/main.ts")).toBe("export {};\n");
    expect(await fs.read("kept.md")).toBe("kept");
    expect(existsSync(join(root, "new"))).toBe(false); // the directories it made are gone too
  });

  it("refuses writes and deletes under read-only paths, naming the directory", async () => {
    const fs = new HostFilesystem(root, { readOnlyPaths: ["src"] });
    await expect(fs.write("src/main.ts", "x")).rejects.toThrow(/read-only directory "src"/);
    await expect(fs.write("src/new.ts", "x")).rejects.toThrow(ToolValidationError);
    await expect(fs.delete("src/main.ts")).rejects.toThrow(/read-only/);
    await fs.write("srcs/ok.ts", "fine"); // a sibling with the same prefix is writable
    expect(await fs.read("src/main.ts")).toBe("export {};\n");
  });

  it("checks read-only paths where a path really lands: a link `out -> ro` opens nothing", async () => {
    mkdirSync(join(root, "ro"));
    writeFileSync(join(root, "ro", "f.txt"), "kept");
    symlinkSync("ro", join(root, "out"));
    const fs = new HostFilesystem(root, { readOnlyPaths: ["ro"] });
    await expect(fs.write("out/f.txt", "x")).rejects.toThrow(
      /"out\/f.txt" is in the read-only directory "ro"/,
    );
    await expect(fs.write("out/new.txt", "x")).rejects.toThrow(/read-only directory "ro"/);
    await expect(fs.delete("out/f.txt")).rejects.toThrow(/read-only directory "ro"/);
    const { call } = harness({}, { filesystem: fs });
    expect(
      failure(await call("edit_file", { path: "out/f.txt", old_string: "kept", new_string: "x" })),
    ).toContain('read-only directory "ro"');
    expect(readFileSync(join(root, "ro", "f.txt"), "utf8")).toBe("kept");
    expect(existsSync(join(root, "ro", "new.txt"))).toBe(false);
    expect(await fs.read("out/f.txt")).toBe("kept"); // reads may follow a link that stays inside
  });

  it("refuses writes and deletes through a link that stays inside the root, naming the real path", async () => {
    mkdirSync(join(root, "w"));
    writeFileSync(join(root, "w", "f.txt"), "kept");
    symlinkSync("w", join(root, "alias"));
    const fs = new HostFilesystem(root);
    const write = await refused(fs.write("alias/new.txt", "x"), "alias/new.txt", "symlink");
    expect(write.message).toContain('really "w/new.txt"');
    expect(write.message).not.toContain("out of the workspace");
    await refused(fs.delete("alias/f.txt"), "alias/f.txt", "symlink");
    expect(readFileSync(join(root, "w", "f.txt"), "utf8")).toBe("kept");
    expect(existsSync(join(root, "w", "new.txt"))).toBe(false);
  });

  it("says which file is in the way of a new directory", async () => {
    const fs = new HostFilesystem(root);
    await expect(fs.write("src/main.ts/x.ts", "x")).rejects.toThrow(
      /"src\/main.ts" is a file, so "src\/main.ts\/x.ts" cannot be created below it/,
    );
    await expect(fs.read("src/main.ts/x.ts")).rejects.toThrow(/No file "src\/main.ts\/x.ts"/);
  });

  it("works over the filesystem root `/` itself", async () => {
    const file = join(realpathSync(base), "at-root.txt");
    writeFileSync(file, "from /");
    const fs = new HostFilesystem("/");
    expect(await fs.exists(file.slice(1))).toBe(true);
    expect(await fs.read(file.slice(1))).toBe("from /");
  });
});

describe("HostFilesystem escapes, one by one", () => {
  it("refuses `..` out of the root", async () => {
    const fs = new HostFilesystem(root);
    await refused(fs.read("../secret.txt"), "../secret.txt");
    await refused(fs.write("src/../../secret.txt", "x"), "src/../../secret.txt");
    expect(readFileSync(outside, "utf8")).toBe("host secret");
  });

  it("refuses absolute paths", async () => {
    const fs = new HostFilesystem(root);
    await refused(fs.read(outside), outside);
    await refused(fs.exists("/etc/passwd"), "/etc/passwd");
  });

  it("refuses a symbolic link to a file outside, for every operation", async () => {
    symlinkSync(outside, join(root, "link.txt"));
    const fs = new HostFilesystem(root);
    await refused(fs.read("link.txt"), "link.txt", "symlink");
    await refused(fs.write("link.txt", "pwned"), "link.txt", "symlink");
    await refused(fs.exists("link.txt"), "link.txt");
    await refused(fs.delete("link.txt"), "link.txt");
    expect(readFileSync(outside, "utf8")).toBe("host secret");
  });

  it("refuses paths through a symbolic link to a directory outside (`ln -s .. up`)", async () => {
    symlinkSync("..", join(root, "up"));
    symlinkSync("/", join(root, "slash"));
    const fs = new HostFilesystem(root);
    await refused(fs.read("up/secret.txt"), "up/secret.txt", "symlink");
    await refused(fs.write("up/planted.txt", "x"), "up/planted.txt", "symlink");
    await refused(fs.list("slash"), "slash");
    await refused(fs.exists("slash/etc/passwd"), "slash/etc/passwd");
    expect(await fs.list()).toEqual(["src/main.ts"]); // links are not listed, never followed
  });

  it("refuses writing through a dangling link", async () => {
    symlinkSync(join(base, "created-by-link.txt"), join(root, "dangling"));
    const fs = new HostFilesystem(root);
    await refused(fs.write("dangling", "x"), "dangling", "symlink");
    expect(() => readFileSync(join(base, "created-by-link.txt"))).toThrow();
  });

  it("refuses a hard link (its other name may be outside)", async () => {
    linkSync(outside, join(root, "hard.txt"));
    const fs = new HostFilesystem(root);
    await refused(fs.read("hard.txt"), "hard.txt", "hardlink");
    await refused(fs.write("hard.txt", "pwned"), "hard.txt", "hardlink");
    expect(readFileSync(outside, "utf8")).toBe("host secret");
  });

  it("refuses device files, pipes and sockets", async () => {
    execFileSync("mkfifo", [join(root, "pipe")]);
    const fs = new HostFilesystem(root);
    await refused(fs.read("pipe"), "pipe", "device");
    await refused(fs.write("pipe", "x"), "pipe", "device");
    if (process.getuid?.() === 0) {
      execFileSync("mknod", [join(root, "null"), "c", "1", "3"]);
      await refused(fs.read("null"), "null", "device");
    }
  });

  it("answers exists for links: true through a link inside the root, refused for a link out", async () => {
    symlinkSync("src/main.ts", join(root, "alias.ts"));
    symlinkSync(outside, join(root, "out.txt"));
    const fs = new HostFilesystem(root);
    expect(await fs.exists("alias.ts")).toBe(true);
    expect(await fs.exists("src")).toBe(false);
    await refused(fs.exists("out.txt"), "out.txt", "symlink");
  });

  it("allows a link that stays inside the root, for reading", async () => {
    symlinkSync("src/main.ts", join(root, "alias.ts"));
    const fs = new HostFilesystem(root);
    expect(await fs.read("alias.ts")).toBe("export {};\n");
    await refused(fs.write("alias.ts", "x"), "alias.ts", "symlink"); // writes never follow links
  });
});
