/**
 * A per-request workspace: a fresh directory holding copies of the host mounts, a
 * {@link HostFilesystem} over it (read-only where the mounts say so), and a content fingerprint
 * (sha256 over every copied path and its bytes) that identifies exactly what the agent was given.
 *
 * Copying is where the boundaries are enforced on the host side: a mount outside
 * `allowedHostRoots`, a symbolic link leading out of the mount, a hard-linked file or a device
 * file is refused with a {@link WorkspaceSecurityError} naming the path; a mount over its byte
 * budget is a configuration error saying how much it held. A link inside the mount to a file the
 * mount excludes is left out like that file. Each file is read once, through a checked descriptor,
 * and those bytes are both hashed and written. Nothing is copied partially: a refused mount
 * removes the directory again.
 *
 * @example
 * ```ts
 * import { HostMount, Workspace } from "weakincentives/workspace";
 *
 * const workspace = Workspace.create({
 *   mounts: [new HostMount({ hostPath: "docs", mountPath: "docs" })],
 *   allowedHostRoots: ["."],
 * });
 * try {
 *   console.log(workspace.fingerprint, workspace.root);
 * } finally {
 *   await workspace.close();
 * }
 * ```
 */

import { createHash } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { WinkError, WorkspaceSecurityError } from "../errors.js";
import { type FileProblem, isWithin, readChecked } from "../filesystem/checks.js";
import { HostFilesystem } from "../filesystem/index.js";
import { resourceKey } from "../resources/index.js";
import type { HostMount } from "./mount.js";

/** Options of {@link Workspace.create}. */
export interface WorkspaceOptions {
  /** What to copy in; none gives an empty scratch workspace. */
  readonly mounts?: readonly HostMount[];
  /** Host directories mounts may come from; required when there are mounts. */
  readonly allowedHostRoots?: readonly string[];
  /** Where the workspace directory is created (default: the OS temp directory). */
  readonly parentDir?: string;
  /**
   * Runs in `close()`, before the directory is deleted: copy out what the agent made (publish a
   * report, upload artifacts). An error here is thrown from `close()` after the directory is gone.
   */
  readonly beforeRemove?: (workspace: Workspace) => void | Promise<void>;
}

/** What one mount put in the workspace. */
export interface MountSummary {
  /** The host path copied, resolved to its real path (links followed), as checked against the roots. */
  readonly hostPath: string;
  /** Where it landed in the workspace (normalized; `""` for the root). */
  readonly mountPath: string;
  /** Whether the agent may only read it (refused by the filesystem, write bits removed on disk). */
  readonly readOnly: boolean;
  /** Files copied. */
  readonly files: number;
  /** Bytes copied, the sum of the files' sizes (counted against the mount's `maxBytes`). */
  readonly bytes: number;
}

/** Bound by `WorkspaceSection`; the Claude Agent SDK adapter runs Claude Code in its `root`. */
export const WorkspaceKey = resourceKey<Workspace>("Workspace");

/** A materialized workspace; see the module doc. Close it to delete the directory. */
export class Workspace {
  /** The workspace directory (links resolved). */
  readonly root: string;
  /** The workspace as a {@link HostFilesystem}; read-only mounts refuse writes. */
  readonly filesystem: HostFilesystem;
  /** `sha256:<hex>` over every copied path and its content. */
  readonly fingerprint: string;
  /** What each mount put in the workspace, in the order the mounts were given (frozen). */
  readonly mounts: readonly MountSummary[];
  private closed = false;
  private readonly beforeRemove: WorkspaceOptions["beforeRemove"];

  private constructor(
    root: string,
    fingerprint: string,
    mounts: readonly MountSummary[],
    beforeRemove: WorkspaceOptions["beforeRemove"],
  ) {
    this.root = root;
    this.beforeRemove = beforeRemove;
    this.fingerprint = fingerprint;
    this.mounts = Object.freeze(mounts.map((mount) => Object.freeze(mount)));
    const readOnlyPaths = mounts.filter((m) => m.readOnly && m.mountPath !== "").map((m) => m.mountPath);
    this.filesystem = new HostFilesystem(root, { readOnlyPaths });
  }

  /**
   * Create the directory and copy the mounts in (synchronously: resource providers are
   * synchronous). Throws {@link WorkspaceSecurityError} for an escape and `WinkError`
   * (`invalid_config`) for a budget overrun or a missing host path.
   */
  static create(options: WorkspaceOptions = {}): Workspace {
    const mounts = options.mounts ?? [];
    const roots = allowedRoots(options.allowedHostRoots ?? [], mounts.length > 0);
    const root = realpathSync(mkdtempSync(join(options.parentDir ?? tmpdir(), "wink-workspace-")));
    try {
      const hash = createHash("sha256");
      const summaries = mounts.map((mount) => copyMount(mount, root, roots, hash));
      protectReadOnly(root, summaries);
      return new Workspace(root, `sha256:${hash.digest("hex")}`, summaries, options.beforeRemove);
    } catch (error) {
      removeTree(root);
      throw error;
    }
  }

  /** Total files and bytes copied in. */
  get totals(): { readonly files: number; readonly bytes: number } {
    let files = 0;
    let bytes = 0;
    for (const mount of this.mounts) {
      files += mount.files;
      bytes += mount.bytes;
    }
    return { files, bytes };
  }

  /** Run `beforeRemove`, then delete the directory (whatever `beforeRemove` did). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.beforeRemove?.(this);
    } finally {
      removeTree(this.root);
    }
  }
}

/** Real paths of the allowed roots; each must exist. */
function allowedRoots(given: readonly string[], needed: boolean): string[] {
  if (needed && given.length === 0) {
    throw new WinkError(
      "invalid_config",
      'A workspace with host mounts needs allowedHostRoots: list the host directories mounts may come from, such as ["/srv/checkouts"].',
    );
  }
  return given.map((root) => {
    try {
      return realpathSync(root);
    } catch (error) {
      throw new WinkError(
        "invalid_config",
        `allowedHostRoots entry "${root}" does not exist. Fix the path or create the directory.`,
        { cause: error, details: { root } },
      );
    }
  });
}

/** Copy one mount into the workspace, feeding the fingerprint. */
function copyMount(
  mount: HostMount,
  workspace: string,
  roots: readonly string[],
  hash: ReturnType<typeof createHash>,
): MountSummary {
  const source = mountSource(mount, roots);
  const summary = {
    hostPath: source,
    mountPath: mount.mountPath,
    readOnly: mount.readOnly,
    files: 0,
    bytes: 0,
  };
  // Read once, hash and write those same bytes: what was checked is what is copied.
  const copy = (from: string, rel: string): void => {
    const shown = rel === "" ? mount.hostPath : join(mount.hostPath, rel);
    const read = readChecked(from, mount.maxBytes - summary.bytes);
    if (!read.ok) {
      throw read.problem.reason === "too_large" ? overBudget(mount, rel) : refusal(shown, read.problem);
    }
    const { bytes } = read;
    summary.bytes += bytes.byteLength;
    const target = mount.target(rel);
    const destination = join(workspace, target);
    mkdirSync(dirname(destination), { recursive: true });
    writeNew(destination, bytes, mount, target);
    hash.update(`${target}\0${bytes.byteLength}\0`).update(bytes).update("\n");
    summary.files++;
  };
  if (lstatSync(source).isDirectory()) walk(mount, source, source, "", copy);
  else copy(source, "");
  return summary;
}

/** The real path of a mount's host path, which must be inside one of the allowed roots. */
function mountSource(mount: HostMount, roots: readonly string[]): string {
  let source: string;
  try {
    source = realpathSync(mount.hostPath);
  } catch (error) {
    throw new WinkError(
      "invalid_config",
      `Host mount "${mount.hostPath}" does not exist. Fix hostPath or create it before the request runs.`,
      { cause: error, details: { hostPath: mount.hostPath } },
    );
  }
  if (!roots.some((root) => isWithin(root, source))) {
    throw new WorkspaceSecurityError(
      mount.hostPath,
      `Host mount "${mount.hostPath}"${source === mount.hostPath ? "" : ` (really "${source}")`} is outside allowedHostRoots (${roots.map((r) => `"${r}"`).join(", ")}). Mount a directory below one of them, or add its parent to allowedHostRoots.`,
      { details: { reason: "outside_allowed_roots", allowedHostRoots: roots } },
    );
  }
  return source;
}

function overBudget(mount: HostMount, rel: string): WinkError {
  return new WinkError(
    "invalid_config",
    `Host mount "${mount.hostPath}" holds more than its budget of ${mount.maxBytes} bytes (reached at "${rel}"). Narrow it with include/exclude globs or raise maxBytes.`,
    { details: { hostPath: mount.hostPath, maxBytes: mount.maxBytes, at: rel } },
  );
}

/** Create `destination` with `bytes`; never over an existing file (`wx`): two mounts overlap. */
function writeNew(destination: string, bytes: Buffer, mount: HostMount, target: string): void {
  try {
    writeFileSync(destination, bytes, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new WinkError(
      "invalid_config",
      `Host mount "${mount.hostPath}" puts "${target}" where another mount already put a file. Give the mounts mountPaths that do not overlap.`,
      { cause: error, details: { hostPath: mount.hostPath, target } },
    );
  }
}

/** The refusal of a file that is not a plain regular file of its own. */
function refusal(shown: string, problem: FileProblem): WorkspaceSecurityError {
  const { reason, nlink } = problem;
  const message =
    reason === "hardlink"
      ? `"${shown}" is a hard link (${nlink} names; the others may be outside the mount), so it is refused. Exclude it, or replace it with a copy.`
      : reason === "symlink"
        ? `"${shown}" became a symbolic link while the mount was copied, so it is refused. Copy from a directory nothing else is changing.`
        : `"${shown}" is ${reason === "directory" ? "a directory" : "a device, socket or pipe"}, not a regular file. Exclude it from the mount.`;
  return new WorkspaceSecurityError(shown, message, { details: { reason } });
}

/** Copy the files below `dir` in a stable (sorted) order, pruning excluded directories. */
function walk(
  mount: HostMount,
  root: string,
  dir: string,
  rel: string,
  copy: (from: string, rel: string) => void,
): void {
  const entries = readdirSync(dir).sort();
  for (const name of entries) {
    const path = rel === "" ? name : `${rel}/${name}`;
    const full = join(dir, name);
    const stats = lstatSync(full);
    if (stats.isDirectory()) {
      if (!mount.excluded(path) && !mount.excluded(`${path}/`)) walk(mount, root, full, path, copy);
      continue;
    }
    if (mount.excluded(path) || !mount.included(path)) continue;
    const real = stats.isSymbolicLink() ? followLink(mount, join(mount.hostPath, path), full, root) : full;
    if (real === undefined) continue;
    // A link must not bring in what the mount leaves out (`config.txt -> .env`).
    if (real !== full && excludedAt(mount, toKey(relative(root, real)))) continue;
    copy(real, path);
  }
}

/** Whether the walk would leave `rel` out: it, or a directory it is in, is excluded. */
function excludedAt(mount: HostMount, rel: string): boolean {
  const segments = rel.split("/");
  for (let depth = 1; depth < segments.length; depth++) {
    const dir = segments.slice(0, depth).join("/");
    if (mount.excluded(dir) || mount.excluded(`${dir}/`)) return true;
  }
  return mount.excluded(rel);
}

/**
 * The real path of a link to copy, or undefined for a link to a directory inside the mount (its
 * files are copied under their own path). Refuses dangling links and links out of the mount.
 */
function followLink(mount: HostMount, shown: string, full: string, root: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    throw new WorkspaceSecurityError(
      shown,
      `"${shown}" is a dangling symbolic link. Remove it or exclude it from the mount.`,
      { details: { reason: "symlink" } },
    );
  }
  if (!isWithin(root, real)) {
    throw new WorkspaceSecurityError(
      shown,
      `"${shown}" is a symbolic link to "${real}", outside the mount "${mount.hostPath}". Exclude it from the mount or copy the file into the directory.`,
      { details: { reason: "symlink", target: real } },
    );
  }
  return lstatSync(real).isDirectory() ? undefined : real;
}

const toKey = (path: string): string => path.split(sep).join("/");

/** Make read-only mounts read-only on disk too, for agents that use the directory directly. */
function protectReadOnly(root: string, mounts: readonly MountSummary[]): void {
  for (const mount of mounts) {
    if (!mount.readOnly) continue;
    const top = join(root, mount.mountPath);
    if (top === root) continue; // the root itself stays writable: the agent writes its results there
    setModes(top, 0o444, 0o555);
  }
}

function setModes(path: string, file: number, dir: number): void {
  const stats = lstatSync(path);
  if (stats.isDirectory()) {
    for (const name of readdirSync(path)) setModes(join(path, name), file, dir);
    chmodSync(path, dir);
  } else if (stats.isFile()) chmodSync(path, file);
}

/** Remove the workspace, giving read-only directories their write bit back first. */
function removeTree(root: string): void {
  try {
    setModes(root, 0o644, 0o755);
  } catch {
    // Already gone, or partly: rm copes with what is left.
  }
  rmSync(root, { recursive: true, force: true });
}
