/**
 * A per-request workspace: a fresh directory holding copies of the host mounts, a
 * {@link HostFilesystem} over it (read-only where the mounts say so), and a content fingerprint
 * (sha256 over every copied path and its bytes) that identifies exactly what the agent was given.
 *
 * Copying is where the boundaries are enforced on the host side: a mount outside
 * `allowedHostRoots`, a symbolic link leading out of the mount, a hard-linked file or a device
 * file is refused with a {@link WorkspaceSecurityError} naming the path; a mount over its byte
 * budget is a configuration error saying how much it held. Nothing is copied partially: a refused
 * mount removes the directory again.
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
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  type Stats,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { WinkError, WorkspaceSecurityError } from "../errors.js";
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
  readonly hostPath: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  readonly files: number;
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

const within = (path: string, root: string): boolean =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** Copy one mount into the workspace, feeding the fingerprint. */
function copyMount(
  mount: HostMount,
  workspace: string,
  roots: readonly string[],
  hash: ReturnType<typeof createHash>,
): MountSummary {
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
  if (!roots.some((root) => within(source, root))) {
    throw new WorkspaceSecurityError(
      mount.hostPath,
      `Host mount "${mount.hostPath}"${source === mount.hostPath ? "" : ` (really "${source}")`} is outside allowedHostRoots (${roots.map((r) => `"${r}"`).join(", ")}). Mount a directory below one of them, or add its parent to allowedHostRoots.`,
      { details: { reason: "outside_allowed_roots", allowedHostRoots: roots } },
    );
  }
  const summary = {
    hostPath: source,
    mountPath: mount.mountPath,
    readOnly: mount.readOnly,
    files: 0,
    bytes: 0,
  };
  const copy = (from: string, rel: string, size: number): void => {
    summary.bytes += size;
    if (summary.bytes > mount.maxBytes) {
      throw new WinkError(
        "invalid_config",
        `Host mount "${mount.hostPath}" holds more than its budget of ${mount.maxBytes} bytes (reached at "${rel}"). Narrow it with include/exclude globs or raise maxBytes.`,
        { details: { hostPath: mount.hostPath, maxBytes: mount.maxBytes, at: rel } },
      );
    }
    const target = mount.target(rel);
    const destination = join(workspace, target);
    mkdirSync(dirname(destination), { recursive: true });
    copyFileSync(from, destination);
    hash.update(`${target}\0${size}\0`).update(readFileSync(destination)).update("\n");
    summary.files++;
  };
  const stats = lstatSync(source);
  if (stats.isDirectory()) walk(mount, source, source, "", copy);
  else {
    checkEntry(mount, mount.hostPath, stats, source, source);
    copy(source, "", stats.size);
  }
  return summary;
}

/** Copy the files below `dir` in a stable (sorted) order, pruning excluded directories. */
function walk(
  mount: HostMount,
  root: string,
  dir: string,
  rel: string,
  copy: (from: string, rel: string, size: number) => void,
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
    const real = checkEntry(mount, join(mount.hostPath, path), stats, full, root);
    if (real === undefined) continue;
    copy(real, path, lstatSync(real).size);
  }
}

/**
 * The real path of a file to copy, or undefined for a link to a directory inside the mount (its
 * files are copied under their own path). Refuses links out, hard links and devices.
 */
function checkEntry(
  mount: HostMount,
  shown: string,
  stats: Stats,
  full: string,
  root: string,
): string | undefined {
  let real = full;
  let target = stats;
  if (stats.isSymbolicLink()) {
    try {
      real = realpathSync(full);
    } catch {
      throw new WorkspaceSecurityError(
        shown,
        `"${shown}" is a dangling symbolic link. Remove it or exclude it from the mount.`,
        {
          details: { reason: "symlink" },
        },
      );
    }
    if (!within(real, root)) {
      throw new WorkspaceSecurityError(
        shown,
        `"${shown}" is a symbolic link to "${real}", outside the mount "${mount.hostPath}". Exclude it from the mount or copy the file into the directory.`,
        { details: { reason: "symlink", target: real } },
      );
    }
    target = lstatSync(real);
    if (target.isDirectory()) return undefined;
  }
  if (!target.isFile()) {
    throw new WorkspaceSecurityError(
      shown,
      `"${shown}" is a device, socket or pipe, not a regular file. Exclude it from the mount.`,
      { details: { reason: "device" } },
    );
  }
  if (target.nlink > 1) {
    throw new WorkspaceSecurityError(
      shown,
      `"${shown}" is a hard link (${target.nlink} names; the others may be outside the mount), so it is refused. Exclude it, or replace it with a copy.`,
      { details: { reason: "hardlink" } },
    );
  }
  return real;
}

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
