/**
 * Host mounts: which host directories (or files) are copied into an agent's workspace, under
 * which path, filtered how, and within which byte budget. A mount is checked when it is built
 * (options) and again when it is copied (the host paths, against the allowed roots).
 *
 * @example
 * ```ts
 * import { HostMount } from "weakincentives/workspace";
 *
 * const repo = new HostMount({
 *   hostPath: "/srv/checkouts/payments",
 *   mountPath: "repo",
 *   include: ["src/**", "package.json"],
 *   exclude: ["**\/*.snap"],
 * });
 * repo.readOnly; // true: the agent reads the checkout and writes elsewhere
 * ```
 */

import { basename, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { WinkError } from "../errors.js";
import { globMatcher, normalizeWorkspacePath } from "../filesystem/index.js";
import { formatIssues, schemaIssues } from "../schema.js";

/**
 * What a mount leaves out unless `defaultExcludes: false`: environment files, keys and
 * certificates, SSH identities and git's object store (large, and not source).
 */
export const DEFAULT_EXCLUDES: readonly string[] = Object.freeze([
  ".env",
  ".env.*",
  "*.env",
  "credentials.*",
  "*.pem",
  "*.key",
  "*.p12",
  "id_*",
  ".git/objects/",
  ".npmrc",
  ".netrc",
]);

/** Default byte budget of one mount: 32 MiB. */
export const DEFAULT_MOUNT_MAX_BYTES = 32 * 1024 * 1024;

const MountOptionsSchema = z.strictObject({
  hostPath: z.string().min(1),
  mountPath: z.string().min(1).optional(),
  include: z.array(z.string().min(1)).optional(),
  exclude: z.array(z.string().min(1)).optional(),
  defaultExcludes: z.boolean().optional(),
  readOnly: z.boolean().optional(),
  maxBytes: z.number().int().positive().optional(),
});

/** Options of {@link HostMount}. */
export interface HostMountOptions {
  /** The host directory or file to copy (relative paths resolve against the current directory). */
  readonly hostPath: string;
  /**
   * Where it lands in the workspace (relative). Default: the last segment of `hostPath`; `"."`
   * copies a writable mount into the workspace root.
   */
  readonly mountPath?: string;
  /** Globs of the files to copy, relative to `hostPath` (default: everything). */
  readonly include?: readonly string[];
  /** Globs of files and directories to leave out, on top of {@link DEFAULT_EXCLUDES}. */
  readonly exclude?: readonly string[];
  /** Set `false` to copy what {@link DEFAULT_EXCLUDES} would leave out. Default `true`. */
  readonly defaultExcludes?: boolean;
  /** Whether the agent may change the copied files. Default `true` (read-only). */
  readonly readOnly?: boolean;
  /** Bytes this mount may copy at most; more is a configuration error. Default 32 MiB. */
  readonly maxBytes?: number;
}

/** A validated host mount. */
export class HostMount {
  /** Absolute host path. */
  readonly hostPath: string;
  /** Normalized workspace path, `""` for the root. */
  readonly mountPath: string;
  /** Globs of the files to copy, relative to `hostPath`; empty copies everything. */
  readonly include: readonly string[];
  /**
   * Globs of what is left out: {@link DEFAULT_EXCLUDES} (unless turned off) then the given ones.
   * They also apply where a symbolic link inside the mount really points.
   */
  readonly exclude: readonly string[];
  /** Whether the agent may only read the copy (default `true`). */
  readonly readOnly: boolean;
  /** Bytes this mount may copy at most; more is a configuration error. */
  readonly maxBytes: number;
  /** Whether a path relative to `hostPath` matches `include` (always true when it is empty). */
  readonly included: (path: string) => boolean;
  /** Whether a path relative to `hostPath` matches `exclude`; an excluded directory is pruned. */
  readonly excluded: (path: string) => boolean;

  constructor(options: HostMountOptions) {
    const parsed = MountOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new WinkError(
        "invalid_config",
        `HostMount options are invalid:\n${formatIssues(schemaIssues(parsed.error))}\nGive at least { hostPath: "/path/to/dir" }.`,
        { details: { options } },
      );
    }
    const value = parsed.data;
    this.hostPath = isAbsolute(value.hostPath) ? value.hostPath : resolve(value.hostPath);
    const mountPath = (value.mountPath ?? basename(this.hostPath)).replace(/^\.\/?$/, "");
    this.mountPath = mountPath === "" ? "" : normalizeWorkspacePath(mountPath);
    this.readOnly = value.readOnly ?? true;
    if (this.mountPath === "" && this.readOnly) {
      throw new WinkError(
        "invalid_config",
        `HostMount "${value.hostPath}" is read-only but mounted at the workspace root, where the agent writes its results. Give it a mountPath such as "repo", or set readOnly: false.`,
        { details: { hostPath: value.hostPath } },
      );
    }
    this.include = Object.freeze([...(value.include ?? [])]);
    this.exclude = Object.freeze([
      ...(value.defaultExcludes === false ? [] : DEFAULT_EXCLUDES),
      ...(value.exclude ?? []),
    ]);
    this.maxBytes = value.maxBytes ?? DEFAULT_MOUNT_MAX_BYTES;
    const include = this.include.length === 0 ? () => true : globMatcher(this.include);
    this.included = include;
    this.excluded = globMatcher(this.exclude);
    Object.freeze(this);
  }

  /** Where a file at `relativePath` (below `hostPath`; `""` for a file mount) lands in the workspace. */
  target(relativePath: string): string {
    if (this.mountPath === "") return relativePath === "" ? basename(this.hostPath) : relativePath;
    return relativePath === "" ? this.mountPath : `${this.mountPath}/${relativePath}`;
  }
}
