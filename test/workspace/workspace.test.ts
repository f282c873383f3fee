/**
 * Workspace.create copies host mounts into a fresh directory: globs, default excludes, budgets,
 * read-only mounts and the fingerprint; and refuses every host-side escape with a
 * WorkspaceSecurityError naming the path, leaving nothing behind.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WinkError, WorkspaceSecurityError } from "../../src/errors.js";
import { HostMount, Workspace } from "../../src/workspace/index.js";

let base: string;
let repo: string;
let parentDir: string;

function write(path: string, content: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "wink-mount-"));
  repo = join(base, "repo");
  parentDir = join(base, "workspaces");
  mkdirSync(parentDir);
  write(join(repo, "src", "http.ts"), "export const get = 1;\n");
  write(join(repo, "src", "retry.ts"), "export const MAX = 3;\n");
  write(join(repo, "README.md"), "# repo\n");
  write(join(repo, ".env"), "TOKEN=hunter2\n");
  write(join(repo, "deploy", "server.pem"), "-----BEGIN-----\n");
  write(join(repo, ".ssh", "id_ed25519"), "key\n");
  write(join(repo, ".git", "objects", "ab", "cdef"), "blob\n");
  write(join(repo, ".git", "HEAD"), "ref: refs/heads/main\n");
  write(join(base, "secret.txt"), "host secret");
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const create = (mounts: HostMount[], allowedHostRoots = [base]): Workspace =>
  Workspace.create({ mounts, allowedHostRoots, parentDir });

function leftovers(): string[] {
  return readdirSync(parentDir);
}

describe("Workspace.create", () => {
  it("copies a mount, leaving out secrets and git objects by default", async () => {
    const workspace = create([new HostMount({ hostPath: repo, mountPath: "repo" })]);
    try {
      expect(await workspace.filesystem.list()).toEqual([
        "repo/.git/HEAD",
        "repo/README.md",
        "repo/src/http.ts",
        "repo/src/retry.ts",
      ]);
      expect(workspace.mounts[0]).toMatchObject({ mountPath: "repo", readOnly: true, files: 4 });
      expect(workspace.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      await workspace.close();
    }
    expect(existsSync(workspace.root)).toBe(false);
  });

  it("copies secrets only when asked, and applies include and exclude globs", async () => {
    const all = create([
      new HostMount({
        hostPath: repo,
        mountPath: "r",
        defaultExcludes: false,
        include: [".env", "src/**"],
        exclude: ["retry.ts"],
      }),
    ]);
    try {
      expect(await all.filesystem.list()).toEqual(["r/.env", "r/src/http.ts"]);
    } finally {
      await all.close();
    }
  });

  it("gives the same fingerprint for the same content and a different one when a byte changes", async () => {
    const first = create([new HostMount({ hostPath: repo, mountPath: "repo" })]);
    const second = create([new HostMount({ hostPath: repo, mountPath: "repo" })]);
    write(join(repo, "src", "retry.ts"), "export const MAX = 4;\n");
    const third = create([new HostMount({ hostPath: repo, mountPath: "repo" })]);
    try {
      expect(second.fingerprint).toBe(first.fingerprint);
      expect(third.fingerprint).not.toBe(first.fingerprint);
      expect(second.root).not.toBe(first.root); // one directory per workspace
    } finally {
      await Promise.all([first.close(), second.close(), third.close()]);
    }
  });

  it("makes read-only mounts read-only through the filesystem and on disk, and the rest writable", async () => {
    const workspace = create([new HostMount({ hostPath: repo, mountPath: "repo" })]);
    try {
      await expect(workspace.filesystem.write("repo/src/http.ts", "x")).rejects.toThrow(
        /read-only directory "repo"/,
      );
      await workspace.filesystem.write("review.md", "# Review\n");
      expect(statSync(join(workspace.root, "repo", "src", "http.ts")).mode & 0o222).toBe(0);
      expect(statSync(join(workspace.root, "repo", "src")).mode & 0o222).toBe(0);
    } finally {
      await workspace.close();
    }
    expect(existsSync(workspace.root)).toBe(false); // removed despite the read-only directories
  });

  it("copies a single file to its mount path, and a writable mount to the root", async () => {
    const workspace = create([
      new HostMount({ hostPath: join(repo, "README.md"), mountPath: "docs/README.md" }),
      new HostMount({ hostPath: join(repo, "src"), mountPath: ".", readOnly: false }),
    ]);
    try {
      expect(await workspace.filesystem.list()).toEqual(["docs/README.md", "http.ts", "retry.ts"]);
      await workspace.filesystem.write("http.ts", "changed");
    } finally {
      await workspace.close();
    }
  });

  it("refuses a mount over its byte budget, naming the budget and the fix", () => {
    expect(() => create([new HostMount({ hostPath: repo, maxBytes: 10 })])).toThrow(
      /more than its budget of 10 bytes.*include\/exclude globs or raise maxBytes/,
    );
    expect(leftovers()).toEqual([]);
  });

  it("refuses two mounts that put a file in the same place", () => {
    expect(() =>
      create([
        new HostMount({ hostPath: join(repo, "src"), mountPath: "code", readOnly: false }),
        new HostMount({ hostPath: join(repo, "README.md"), mountPath: "code/http.ts" }),
      ]),
    ).toThrow(/puts "code\/http.ts" where another mount already put a file/);
    expect(leftovers()).toEqual([]);
  });

  it("rejects bad mount options and a read-only mount at the root", () => {
    expect(() => new HostMount({ hostPath: "" })).toThrow(/HostMount options are invalid/);
    expect(() => new HostMount({ hostPath: repo, mountPath: "." })).toThrow(
      /read-only but mounted at the workspace root/,
    );
    expect(() => new HostMount({ hostPath: repo, mountPath: "../x" })).toThrow(WorkspaceSecurityError);
  });

  it("needs allowedHostRoots for mounts, and existing ones", () => {
    expect(() => Workspace.create({ mounts: [new HostMount({ hostPath: repo })], parentDir })).toThrow(
      /needs allowedHostRoots/,
    );
    expect(() => create([new HostMount({ hostPath: repo })], [join(base, "nope")])).toThrow(/does not exist/);
    expect(() => create([new HostMount({ hostPath: join(base, "missing") })])).toThrow(WinkError);
  });
});

describe("Workspace.create escapes, one by one", () => {
  function refused(action: () => unknown, path: string, reason: string): void {
    let error: unknown;
    try {
      action();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkspaceSecurityError);
    expect((error as WorkspaceSecurityError).message).toContain(path);
    expect((error as WorkspaceSecurityError).details.reason).toBe(reason);
    expect(leftovers()).toEqual([]); // nothing half-copied stays behind
  }

  it("refuses a mount outside allowedHostRoots", () => {
    refused(
      () => create([new HostMount({ hostPath: repo })], [join(repo, "src")]),
      repo,
      "outside_allowed_roots",
    );
  });

  it("refuses a mount whose real path leaves the allowed roots through a link", () => {
    const allowed = join(base, "allowed");
    mkdirSync(allowed);
    symlinkSync(repo, join(allowed, "sneaky"));
    refused(
      () => create([new HostMount({ hostPath: join(allowed, "sneaky") })], [allowed]),
      join(allowed, "sneaky"),
      "outside_allowed_roots",
    );
  });

  it("refuses a symbolic link out of the mount (file and directory)", () => {
    symlinkSync(join(base, "secret.txt"), join(repo, "src", "leak.txt"));
    refused(() => create([new HostMount({ hostPath: repo })]), join(repo, "src/leak.txt"), "symlink");
    rmSync(join(repo, "src", "leak.txt"));
    symlinkSync("/", join(repo, "root"));
    refused(() => create([new HostMount({ hostPath: repo })]), join(repo, "root"), "symlink");
  });

  it("follows a link that stays inside the mount", async () => {
    symlinkSync("http.ts", join(repo, "src", "alias.ts"));
    const workspace = create([new HostMount({ hostPath: repo, mountPath: "repo" })]);
    try {
      expect(await workspace.filesystem.read("repo/src/alias.ts")).toBe("export const get = 1;\n");
    } finally {
      await workspace.close();
    }
  });

  it("leaves out a link to a file the mount excludes (`src/config.txt -> ../.env`)", async () => {
    symlinkSync("../.env", join(repo, "src", "config.txt"));
    symlinkSync("../.git/objects/ab/cdef", join(repo, "src", "blob"));
    write(join(repo, "private", "token.txt"), "p\n");
    symlinkSync("../private/token.txt", join(repo, "src", "token.txt")); // excluded by its directory
    symlinkSync("http.ts", join(repo, "src", "alias.ts"));
    const workspace = create([new HostMount({ hostPath: repo, mountPath: "repo", exclude: ["private"] })]);
    try {
      const files = await workspace.filesystem.list("repo/src");
      expect(files).toEqual(["repo/src/alias.ts", "repo/src/http.ts", "repo/src/retry.ts"]);
      expect(readdirSync(join(workspace.root, "repo", "src")).sort()).toEqual([
        "alias.ts",
        "http.ts",
        "retry.ts",
      ]);
    } finally {
      await workspace.close();
    }
  });

  it("refuses a hard link", () => {
    linkSync(join(base, "secret.txt"), join(repo, "hard.txt"));
    refused(() => create([new HostMount({ hostPath: repo })]), join(repo, "hard.txt"), "hardlink");
  });

  it("refuses a pipe or device file", () => {
    execFileSync("mkfifo", [join(repo, "src", "pipe")]);
    refused(() => create([new HostMount({ hostPath: repo })]), join(repo, "src/pipe"), "device");
  });
});
