/**
 * A workspace on disk: the {@link Filesystem} contract over a real directory, confined to it.
 *
 * Every path is checked where it lands, not only as written: `..` and absolute paths are refused
 * before touching the disk, and a path whose real location (links resolved) leaves the root, a
 * hard-linked file (its other name may be anywhere) or a device file is refused with a
 * {@link WorkspaceSecurityError} naming the path. Files are read through one descriptor opened
 * without following a link and checked after opening, so a file swapped between the check and the
 * read is refused too. Writes and deletes never follow a link, even one that stays inside the
 * root, and read-only directories are checked by the path as written and where it really lands.
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
  realpathSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { ToolValidationError, WinkError, WorkspaceSecurityError } from "../errors.js";
import type { Snapshotable } from "../resources/index.js";
import { isWithin, readChecked } from "./checks.js";
import { type Filesystem, normalizeWorkspacePath } from "./filesystem.js";

/** Options of {@link HostFilesystem}. */
export interface HostFilesystemOptions {
  /** Workspace directories (relative) whose files may be read but never written or deleted. */
  readonly readOnlyPaths?: readonly string[];
}

/** Where a workspace path lands, as {@link HostFilesystem} resolved it. */
interface Resolved {
  /** The path normalized, as written. */
  readonly key: string;
  /** The root joined with `key`, links not resolved. */
  readonly absolute: string;
  /** The real path when something exists at `absolute`. */
  readonly real: string | undefined;
  /** Where the path really lands (links resolved), relative to the root. */
  readonly realKey: string;
  /** The deepest existing ancestor of `absolute` (itself when it exists), links not resolved. */
  readonly existing: string;
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
    return this.readFile(path, real, key).toString("utf8");
  }

  async write(path: string, content: string): Promise<void> {
    const resolved = this.resolve(path);
    this.checkWritable(path, resolved);
    const { key, absolute, real } = resolved;
    const before = real === undefined ? undefined : this.readFile(path, absolute, key);
    const madeDirs = this.makeParents(resolved);
    writeNoFollow(absolute, content);
    this.journal.push({ path: absolute, before, madeDirs });
  }

  /**
   * Whether `path` names a regular file: true for one, also when the path goes through a link
   * that stays inside the root (reads follow such links); false for a directory, a device or
   * nothing at all. A path whose real location leaves the root, or that ends in a dangling link,
   * is refused with a {@link WorkspaceSecurityError} rather than answered.
   */
  async exists(path: string): Promise<boolean> {
    const { real } = this.resolve(path);
    return real !== undefined && lstatSync(real).isFile();
  }

  async delete(path: string): Promise<boolean> {
    const resolved = this.resolve(path);
    if (resolved.real === undefined) return false;
    this.checkWritable(path, resolved);
    const before = this.readFile(path, resolved.absolute, resolved.key);
    unlinkSync(resolved.absolute);
    this.journal.push({ path: resolved.absolute, before, madeDirs: [] });
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
   * Where `path` lands. Refuses a path whose real location is outside the root, whichever
   * component is the link, and a dangling link on the way.
   */
  private resolve(path: string): Resolved {
    const key = normalizeWorkspacePath(path);
    const absolute = join(this.root, key);
    // The deepest existing ancestor decides where the path really lands.
    let probe = absolute;
    for (;;) {
      let real: string | undefined;
      try {
        real = realpathSync(probe);
      } catch (error) {
        // ENOTDIR: a file on the way, reported by makeParents (writes) or as missing (reads).
        if (!["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
      }
      if (real !== undefined) {
        if (!isWithin(this.root, real)) throw linkOut(path, key);
        const below = relative(probe, absolute);
        const realKey = toKey(relative(this.root, below === "" ? real : join(real, below)));
        return { key, absolute, real: probe === absolute ? real : undefined, realKey, existing: probe };
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

  /** The bytes of the regular file at `file`, read through one checked descriptor. */
  private readFile(path: string, file: string, key: string): Buffer {
    const read = readChecked(file);
    if (read.ok) return read.bytes;
    const { reason, nlink } = read.problem;
    if (reason === "directory") throw isDirectory(key);
    const message =
      reason === "symlink"
        ? `"${path}" is a symbolic link. Read or write the file it points to by its own path.`
        : reason === "hardlink"
          ? `"${path}" is a hard link (it has ${nlink} names, and the others may be outside the workspace), so it is refused. Copy the file instead of linking it.`
          : `"${path}" is a device, socket or pipe, not a file. Only regular files can be used in the workspace.`;
    throw new WorkspaceSecurityError(path, message, { details: { reason } });
  }

  /**
   * Refuse a change under a read-only directory, by the path as written or where it really
   * lands (a link `out -> ro` must not open `ro` to writes), and a change through any link:
   * writes and deletes never follow one, even one that stays inside the root.
   */
  private checkWritable(path: string, { key, realKey }: Resolved): void {
    const mount = this.readOnly.find((dir) =>
      [key, realKey].some((k) => k === dir || k.startsWith(`${dir}/`)),
    );
    if (mount !== undefined) {
      throw new ToolValidationError(
        `"${path}" is in the read-only directory "${mount}". Write your file elsewhere in the workspace, outside "${mount}/".`,
        { details: { path, readOnly: mount } },
      );
    }
    if (realKey !== key) {
      throw new WorkspaceSecurityError(
        path,
        `"${path}" goes through a symbolic link (it is really "${realKey}"), and writes never follow links. Use the real path "${realKey}".`,
        { details: { reason: "symlink", key, realKey } },
      );
    }
  }

  /**
   * Create the missing parent directories of a resolved path below its deepest existing
   * ancestor, returned deepest first. No link is on the way: `checkWritable` refused those.
   */
  private makeParents({ key, absolute, real, existing }: Resolved): string[] {
    if (real !== undefined) return [];
    if (!lstatSync(existing).isDirectory()) {
      throw new ToolValidationError(
        `"${toKey(relative(this.root, existing))}" is a file, so "${key}" cannot be created below it. Pick another path.`,
      );
    }
    const made: string[] = [];
    for (let dir = dirname(absolute); dir !== existing; dir = dirname(dir)) made.push(dir);
    for (const created of [...made].reverse()) mkdirSync(created);
    return made;
  }

  /** Every regular file below `dir` as a workspace path; links and devices are skipped. */
  private walk(dir: string, out: string[]): void {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) this.walk(full, out);
      else if (entry.isFile()) out.push(toKey(relative(this.root, full)));
    }
  }
}

/** A workspace key (`/`-separated) from a path relative to the root. */
function toKey(path: string): string {
  return path.split(sep).join("/");
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
