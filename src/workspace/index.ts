/**
 * `weakincentives/workspace`: the agent's workspace. A {@link WorkspaceSection} gives each
 * evaluation a fresh directory with host directories copied in ({@link HostMount}: include and
 * exclude globs, a byte budget, read-only by default, refused outside `allowedHostRoots`), a
 * content fingerprint in the prompt, the filesystem tools over it, and the read-before-write
 * policy. Claude Code runs in the same directory.
 *
 * @example
 * ```ts
 * import { HostMount, WorkspaceSection } from "weakincentives/workspace";
 *
 * const workspace = new WorkspaceSection({
 *   mounts: [new HostMount({ hostPath: "/srv/checkouts/api", mountPath: "repo" })],
 *   allowedHostRoots: ["/srv/checkouts"],
 * });
 * ```
 */
export { DEFAULT_EXCLUDES, DEFAULT_MOUNT_MAX_BYTES, HostMount, type HostMountOptions } from "./mount.js";
export { WorkspaceSection, type WorkspaceSectionOptions } from "./section.js";
export {
  deleteFileTool,
  editFileTool,
  type FilesystemToolsOptions,
  filesystemToolPolicies,
  filesystemTools,
  globTool,
  grepTool,
  listFilesTool,
  readFileTool,
  writeFileTool,
} from "./tools.js";
export { type MountSummary, Workspace, WorkspaceKey, type WorkspaceOptions } from "./workspace.js";
