/** Helpers shared by the workspace tools: options, path schemas, the workspace lookup, guards. */

import { z } from "zod";
import { ToolValidationError, WinkError } from "../../../errors.js";
import { type Filesystem, globToRegExp, normalizeWorkspacePath } from "../../../filesystem/index.js";
import type { ToolContext } from "../../../prompt/tool.js";

/** Options of `filesystemTools` and of each single tool factory (`readFileTool`, …). */
export interface FilesystemToolsOptions {
  /** Only the tools that read: `read_file`, `list_files`, `glob`, `grep` (default false). */
  readonly readOnly?: boolean;
  /**
   * Globs or directories the write tools refuse, e.g. `["vendor/", "*.lock"]` (default none). A
   * path is covered when it or one of its parent directories matches, so `"repo"` covers
   * `repo/src/main.ts`. The filesystem may refuse more on its own (a read-only host mount).
   */
  readonly readOnlyPaths?: readonly string[];
  /** Lines `read_file` shows per call, by default and at most (default 2,000). */
  readonly maxReadLines?: number;
  /** Characters `write_file` accepts as content, and `edit_file` as `new_string` (default 48,000). */
  readonly maxWriteChars?: number;
  /** Entries `list_files` and paths `glob` return per call (default 500). */
  readonly maxListResults?: number;
  /** Matching lines `grep` returns per call (default 200). */
  readonly maxGrepMatches?: number;
}

/** The limits with their defaults filled in. */
export interface Limits {
  readonly maxReadLines: number;
  readonly maxWriteChars: number;
  readonly maxListResults: number;
  readonly maxGrepMatches: number;
}

const DEFAULT_LIMITS: Limits = {
  maxReadLines: 2_000,
  maxWriteChars: 48_000,
  maxListResults: 500,
  maxGrepMatches: 200,
};

/** Every tool message already says what its value holds; sending both would double the tokens. */
export const EXCLUDE = { excludeValueFromContext: true } as const;

/** A line longer than this is cut in read_file output (minified files would flood the context). */
export const MAX_LINE_CHARS = 2_000;
/** A matched line longer than this is cut in grep output. */
export const MAX_GREP_LINE_CHARS = 300;

/** Fill in default limits; a limit that is not a positive integer is a configuration mistake. */
export function resolveLimits(options: FilesystemToolsOptions = {}): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new WinkError(
        "invalid_argument",
        `Workspace tool option ${name} must be a positive integer, got ${String(value)}. ` +
          `Leave it out for the default (${DEFAULT_LIMITS[name]}).`,
        { details: { option: name, value } },
      );
    }
    limits[name] = value;
  }
  return limits;
}

/** `1234567` → `"1,234,567"`: limits in messages read better grouped. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * A workspace path parameter, normalized once while the arguments are parsed (so policies and
 * the handler see one spelling, and a bad path is a validation issue naming it). A `"directory"`
 * may also name the root: `""`, `"."` and `"/"` become `""`.
 */
export function pathParam(kind: "file" | "directory", description: string) {
  const normalize = kind === "file" ? normalizeWorkspacePath : toDirectory;
  return z
    .string()
    .check((ctx) => {
      try {
        ctx.value = normalize(ctx.value);
      } catch (error) {
        ctx.issues.push({ code: "custom", message: messageOf(error), input: ctx.value, continue: false });
      }
    })
    .describe(description);
}

function toDirectory(path: string): string {
  return ["", ".", "./", "/"].includes(path.trim()) ? "" : normalizeWorkspacePath(path);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The workspace of the call; without one the tool cannot work, and the developer must bind it. */
export function workspaceOf(context: ToolContext, tool: string): Filesystem {
  if (context.filesystem) return context.filesystem;
  throw new WinkError(
    "resource_unbound",
    `No workspace is bound, so ${tool} has no files to work on. Add a WorkspaceSection to the prompt, ` +
      "or bind a Filesystem: prompt.bind(params, { resources: ResourceRegistry.of(" +
      "Binding.instance(FilesystemKey, new InMemoryFilesystem())) }).",
    { details: { key: "Filesystem", tool } },
  );
}

/** A file with NUL bytes is binary: showing or editing it as text would corrupt it. */
export function refuseBinary(path: string, content: string, tool: string): void {
  if (!content.includes("\0")) return;
  throw new ToolValidationError(
    `"${path}" is a binary file (it contains NUL bytes); ${tool} works on text files only. ` +
      "Leave it as it is, or use a text file instead.",
    { details: { path, tool } },
  );
}

/** Lines of a text; a final newline ends the last line rather than starting an empty one. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** A path in the listing of `directory`, relative to it (`""` is the root). */
export function relativeTo(directory: string, path: string): string {
  return directory === "" ? path : path.slice(directory.length + 1);
}

/** `list()` for a directory param, where `""` means the whole workspace. */
export function listUnder(fs: Filesystem, directory: string): Promise<string[]> {
  return directory === "" ? fs.list() : fs.list(directory);
}

/**
 * The refusal of writes under `patterns` (globs, or directories covering what is inside them):
 * a path is read-only when it or one of its parent directories matches a pattern.
 */
export function readOnlyGuard(patterns: readonly string[] = []): (path: string, tool: string) => void {
  // Compiled once, so a bad pattern fails when the tools are built, not on the model's first write.
  const compiled = patterns.map((pattern) => ({ pattern, regexp: globToRegExp(pattern) }));
  const mountOf = (path: string) => {
    const segments = path.split("/");
    for (let depth = 1; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth).join("/");
      const hit = compiled.find(({ regexp }) => regexp.test(prefix));
      if (hit) return hit.pattern;
    }
    return undefined;
  };
  return (path, tool) => {
    const mount = mountOf(path);
    if (mount === undefined) return;
    const name = path.split("/").at(-1) ?? path;
    const elsewhere = [name, `scratch/${name}`].find((candidate) => mountOf(candidate) === undefined);
    const hint = elsewhere ? `write elsewhere, e.g. "${elsewhere}"` : "write elsewhere";
    throw new ToolValidationError(`"${path}" is in a read-only mount ("${mount}"); ${hint}.`, {
      details: { path, mount, tool },
    });
  };
}
