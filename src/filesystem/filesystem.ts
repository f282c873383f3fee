/** The workspace contract tools program against, and workspace path rules. */

import { ToolValidationError, WorkspaceSecurityError } from "../errors.js";
import { resourceKey } from "../resources/index.js";

/** A workspace of text files addressed by relative POSIX paths (`src/main.ts`). */
export interface Filesystem {
  /** The file's text; rejects with ToolValidationError when it does not exist. */
  read(path: string): Promise<string>;
  /** Create or replace a file. */
  write(path: string, content: string): Promise<void>;
  /** Whether a file exists at `path` (false for a directory). */
  exists(path: string): Promise<boolean>;
  /** Delete a file; false when there was none. */
  delete(path: string): Promise<boolean>;
  /** Every file path under `directory` (default: the whole workspace), sorted. */
  list(directory?: string): Promise<string[]>;
}

/** Bind a {@link Filesystem} under this key to give tools `context.filesystem`. */
export const FilesystemKey = resourceKey<Filesystem>("Filesystem");

/**
 * Normalize a workspace path: forward slashes, no `.` segments, no leading `./`. Absolute paths
 * (`details.reason` `"absolute"`) and `..` that would leave the workspace (`"parent"`) are
 * refused with a {@link WorkspaceSecurityError}, empty paths and NUL bytes with a
 * {@link ToolValidationError}; each names the path, so the model reads it and can fix the call.
 */
export function normalizeWorkspacePath(path: string): string {
  if (typeof path !== "string" || path.trim() === "") {
    throw new ToolValidationError(
      `Path ${JSON.stringify(path)} is empty. Give a path relative to the workspace root, such as "src/main.ts".`,
    );
  }
  if (path.includes("\0")) {
    throw new ToolValidationError(`Path ${JSON.stringify(path)} contains a NUL byte. Remove it.`);
  }
  const unified = path.replace(/\\/g, "/");
  if (unified.startsWith("/") || /^[A-Za-z]:\//.test(unified)) {
    throw new WorkspaceSecurityError(
      path,
      `Path "${path}" is absolute. Use a path relative to the workspace root, such as "src/main.ts".`,
      { details: { reason: "absolute" } },
    );
  }
  const parts: string[] = [];
  for (const segment of unified.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) {
        throw new WorkspaceSecurityError(
          path,
          `Path "${path}" leaves the workspace. Stay inside it: no leading "..".`,
          { details: { reason: "parent" } },
        );
      }
      parts.pop();
      continue;
    }
    parts.push(segment);
  }
  if (parts.length === 0) {
    throw new ToolValidationError(
      `Path "${path}" names the workspace root, not a file. Name a file inside it.`,
    );
  }
  return parts.join("/");
}
