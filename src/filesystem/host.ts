/**
 * A workspace on disk: the {@link Filesystem} contract over a real directory, confined to it.
 *
 * Every path is checked where it lands, not only as written: `..` and absolute paths are refused
 * before touching the disk, and a path whose real location (links resolved) leaves the root, a
 * hard-linked file (its other name may be anywhere) or a device file is refused with a
 * {@link WorkspaceSecurityError} naming the path. Writes never follow a link.
 *
 * Rollback works like the in-memory workspace's: the filesystem keeps an undo journal of the
 * writes and deletes made through it, `snapshot()` returns a position in that journal and
 * `restore()` undoes everything after it, so a failed tool call leaves no file behind. Changes
 * made around it (a shell command run by Claude Code) are not journaled and not undone.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { HostFilesystem } from "weakincentives/filesystem";
 *
 * const fs = new HostFilesystem(mkdtempSync(join(tmpdir(), "ws-")), { readOnlyPaths: ["repo"] });
 * const mark = fs.snapshot();
 * await fs.write("notes/todo.md", "- read the diff\n");
 * fs.restore(mark); // notes/todo.md is gone again
 * ```
 */

import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  type Stats,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { ToolValidationError, WinkError, WorkspaceSecurityError } from "../errors.js";
import type { Snapshotable } from "../resources/index.js";
import { type Filesystem, normalizeWorkspacePath } from "./filesystem.js";

/** Options of {@link HostFilesystem}. */
export interface HostFilesystemOptions {
  /** Workspace directories (relative) whose files may be read but never written or deleted. */
  readonly readOnlyPaths?: readonly string[];
}

/** One undone-able change: the path and what it held before (`undefined`: it did not exist). */
interface JournalEntry {
  readonly path: string;
  readonly before: Buffer | undefined;
  /** Directories this change created, deepest first, removed again on undo when empty. */
  readonly madeDirs: readonly string[];
}

/** A {@link Filesystem} over a real directory; see the module doc for its guarantees. */
export class HostFilesystem implements Filesystem, Snapshotable<number> {
  /** The workspace root, links resolved. */
  readonly root: string;
  private readonly readOnly: readonly string[];
  private readonly journal: JournalEntry[] = [];

  /** @param root an existing directory. */
  constructor(root: string, options: HostFilesystemOptions = {}) {
    let real: string;
    try {
      real = realpathSync(root);
    } catch (error) {
      throw new WinkError(
        "invalid_argument",
        `HostFilesystem root "${root}" does not exist. Create the directory first.`,
        { cause: error, details: { root } },
      );
    }
    if (!lstatSync(real).isDirectory()) {
      throw new WinkError("invalid_argument", `HostFilesystem root "${root}" is not a directory.`, {
        details: { root },
      });
    }
    this.root = real;
    this.readOnly = (options.readOnlyPaths ?? []).map((path) => normalizeWorkspacePath(path));
  }

  async read(path: string): Promise<string> {
    const { key, real } = this.resolve(path);
    if (real === undefined) throw missing(key);
    this.checkFile(path, real, lstatSync(real));
    return readFileSync(real, "utf8");
  }

  async write(path: string, content: string): Promise<void> {
    const { key, absolute, real } = this.resolve(path);
    this.checkWritable(path, key);
    let before: Buffer | undefined;
    if (real !== undefined) {
      const stats = lstatSync(absolute);
      if (stats.isDirectory()) throw isDirectory(key);
      this.checkFile(path, absolute, stats);
      before = readFileSync(absolute);
    }
    const madeDirs = this.makeParents(path, key);
    writeNoFollow(absolute, content);
    this.journal.push({ path: absolute, before, madeDirs });
  }

  async exists(path: string): Promise<boolean> {
    const { real } = this.resolve(path);
    return real !== undefined && lstatSync(real).isFile();
  }

  async delete(path: string): Promise<boolean> {
    const { key, absolute, real } = this.resolve(path);
    if (real === undefined) return false;
    this.checkWritable(path, key);
    const stats = lstatSync(absolute);
    if (stats.isDirectory()) throw isDirectory(key);
    this.checkFile(path, absolute, stats);
    const before = readFileSync(absolute);
    unlinkSync(absolute);
    this.journal.push({ path: absolute, before, madeDirs: [] });
    return true;
  }

  async list(directory?: string): Promise<string[]> {
    const whole = directory === undefined || directory === "" || directory === ".";
    let start = this.root;
    if (!whole) {
      const { key, real } = this.resolve(directory);
      if (real === undefined) return [];
      if (!lstatSync(real).isDirectory()) {
        throw new ToolValidationError(`"${key}" is a file, not a directory. List its directory instead.`);
      }
      start = real;
    }
    const files: string[] = [];
    this.walk(start, files);
    return files.sort();
  }

  /** A position in the undo journal. */
  snapshot(): number {
    return this.journal.length;
  }

  /** Undo every write and delete made after `snapshot`, newest first. */
  restore(snapshot: number): void {
    while (this.journal.length > snapshot) {
      const entry = this.journal.pop() as JournalEntry;
      if (entry.before === undefined) rmSilently(entry.path);
      else writeNoFollow(entry.path, entry.before);
      for (const dir of entry.madeDirs) {
        try {
          rmdirSync(dir);
        } catch {
          break; // not empty: something else lives there now
        }
      }
    }
  }

  /**
   * The normalized key, the absolute path, and the real path when something exists there.
   * Refuses a path whose real location is outside the root, whichever component is the link.
   */
  private resolve(path: string): { key: string; absolute: string; real: string | undefined } {
    const key = normalizeWorkspacePath(path);
    const absolute = join(this.root, key);
    // The deepest existing ancestor decides where the path really lands.
    let probe = absolute;
    for (;;) {
      let real: string | undefined;
      try {
        real = realpathSync(probe);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      if (real !== undefined) {
        if (!this.inside(real)) throw linkOut(path, key);
        return { key, absolute, real: probe === absolute ? real : undefined };
      }
      try {
        // A dangling link at the end of the path: refuse rather than write through it.
        if (lstatSync(probe).isSymbolicLink()) throw linkOut(path, key);
      } catch (error) {
        if (error instanceof WorkspaceSecurityError) throw error;
      }
      probe = dirname(probe);
    }
  }

  private inside(real: string): boolean {
    return real === this.root || real.startsWith(this.root + sep);
  }

  /** Refuse what is not a plain file of this workspace: links, hard links, devices. */
  private checkFile(path: string, absolute: string, stats: Stats): void {
    if (stats.isSymbolicLink()) {
      throw new WorkspaceSecurityError(
        path,
        `"${path}" is a symbolic link. Read or write the file it points to by its own path.`,
        { details: { reason: "symlink" } },
      );
    }
    if (stats.isDirectory()) throw isDirectory(relative(this.root, absolute));
    if (!stats.isFile()) {
      throw new WorkspaceSecurityError(
        path,
        `"${path}" is a device, socket or pipe, not a file. Only regular files can be used in the workspace.`,
        { details: { reason: "device" } },
      );
    }
    if (stats.nlink > 1) {
      throw new WorkspaceSecurityError(
        path,
        `"${path}" is a hard link (it has ${stats.nlink} names, and the others may be outside the workspace), so it is refused. Copy the file instead of linking it.`,
        { details: { reason: "hardlink" } },
      );
    }
  }

  private checkWritable(path: string, key: string): void {
    const mount = this.readOnly.find((dir) => key === dir || key.startsWith(`${dir}/`));
    if (mount !== undefined) {
      throw new ToolValidationError(
        `"${path}" is in the read-only directory "${mount}". Write your file elsewhere in the workspace, outside "${mount}/".`,
        { details: { path, readOnly: mount } },
      );
    }
  }

  /** Create the missing parent directories of `key`, deepest first in the returned list. */
  private makeParents(path: string, key: string): string[] {
    const made: string[] = [];
    let dir = dirname(join(this.root, key));
    while (dir !== this.root) {
      try {
        const stats = lstatSync(dir);
        if (stats.isSymbolicLink()) throw linkOut(path, key);
        if (!stats.isDirectory()) {
          throw new ToolValidationError(
            `"${relative(this.root, dir)}" is a file, so "${key}" cannot be created below it. Pick another path.`,
          );
        }
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        made.push(dir);
        dir = dirname(dir);
      }
    }
    for (const created of [...made].reverse()) mkdirSync(created);
    return made;
  }

  /** Every regular file below `dir` as a workspace path; links and devices are skipped. */
  private walk(dir: string, out: string[]): void {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) this.walk(full, out);
      else if (entry.isFile()) out.push(relative(this.root, full).split(sep).join("/"));
    }
  }
}

/** Write `content` to `path`, never following a link there (`O_NOFOLLOW`). */
function writeNoFollow(path: string, content: string | Buffer): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    writeSync(fd, typeof content === "string" ? Buffer.from(content, "utf8") : content);
  } finally {
    closeSync(fd);
  }
}

function rmSilently(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function missing(key: string): ToolValidationError {
  return new ToolValidationError(
    `No file "${key}" in the workspace. List the workspace to see which files exist.`,
  );
}

function isDirectory(key: string): ToolValidationError {
  return new ToolValidationError(`"${key}" is a directory, not a file. Name a file inside it.`);
}

function linkOut(path: string, key: string): WorkspaceSecurityError {
  return new WorkspaceSecurityError(
    path,
    `"${path}" goes through a symbolic link that leads out of the workspace, so it is refused. Use paths of files inside the workspace.`,
    { details: { reason: "symlink", key } },
  );
}
