/** A workspace held in memory: fast, isolated per run, and snapshotable for tool rollback. */

import { ToolValidationError } from "../errors.js";
import type { Snapshotable } from "../resources/index.js";
import { type Filesystem, normalizeWorkspacePath } from "./filesystem.js";

/** An in-memory {@link Filesystem}; `snapshot()`/`restore()` let transactions undo writes. */
export class InMemoryFilesystem implements Filesystem, Snapshotable<ReadonlyMap<string, string>> {
  private files: Map<string, string>;

  /** @param files initial contents by path (normalized on the way in). */
  constructor(files: Readonly<Record<string, string>> = {}) {
    this.files = new Map(
      Object.entries(files).map(([path, content]) => [normalizeWorkspacePath(path), content]),
    );
  }

  async read(path: string): Promise<string> {
    const key = normalizeWorkspacePath(path);
    const content = this.files.get(key);
    if (content === undefined) {
      throw new ToolValidationError(
        `No file "${key}" in the workspace. List the workspace to see which files exist.`,
      );
    }
    return content;
  }

  async write(path: string, content: string): Promise<void> {
    this.files.set(normalizeWorkspacePath(path), content);
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(normalizeWorkspacePath(path));
  }

  async delete(path: string): Promise<boolean> {
    return this.files.delete(normalizeWorkspacePath(path));
  }

  async list(directory?: string): Promise<string[]> {
    const prefix =
      directory === undefined || directory === "" || directory === "."
        ? ""
        : `${normalizeWorkspacePath(directory)}/`;
    return [...this.files.keys()].filter((path) => path.startsWith(prefix)).sort();
  }

  /** A copy of the current files. */
  snapshot(): ReadonlyMap<string, string> {
    return new Map(this.files);
  }

  /** Put the files back as they were at `snapshot`. */
  restore(snapshot: ReadonlyMap<string, string>): void {
    this.files = new Map(snapshot);
  }
}
