/**
 * `weakincentives/filesystem`: the workspace a tool sees. Tools reach it as
 * `context.filesystem` when a {@link Filesystem} is bound under {@link FilesystemKey}; the
 * in-memory one is snapshotable, so a failed tool call rolls its writes back with the session.
 *
 * @example
 * ```ts
 * import { FilesystemKey, InMemoryFilesystem } from "weakincentives/filesystem";
 * import { Binding, ResourceRegistry } from "weakincentives/resources";
 *
 * const fs = new InMemoryFilesystem({ "src/main.ts": "export {};\n" });
 * const resources = ResourceRegistry.of(Binding.instance(FilesystemKey, fs));
 * ```
 */
export { type Filesystem, FilesystemKey, normalizeWorkspacePath } from "./filesystem.js";
export { globMatcher, globToRegExp, matchesGlob } from "./glob.js";
export { HostFilesystem, type HostFilesystemOptions } from "./host.js";
export { InMemoryFilesystem } from "./in-memory.js";
