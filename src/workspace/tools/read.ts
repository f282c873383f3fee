/** `read_file` and `list_files`: look at the workspace without changing it. */

import { z } from "zod";
import { ToolValidationError } from "../../errors.js";
import type { Filesystem } from "../../filesystem/index.js";
import { Tool, ToolResult } from "../../prompt/tool.js";
import {
  count,
  EXCLUDE,
  type FilesystemToolsOptions,
  listUnder,
  MAX_LINE_CHARS,
  pathParam,
  refuseBinary,
  relativeTo,
  resolveLimits,
  splitLines,
  workspaceOf,
} from "./internal/shared.js";

/**
 * `read_file { path, offset?, limit? }`: a window of the file's lines, numbered from 1, with the
 * total line count and a note saying how to read on when the window stops before the end. Binary
 * files are refused. A successful read is what the read-before-write policy remembers.
 *
 * @example
 * ```ts
 * import { readFileTool } from "weakincentives/workspace";
 *
 * const readFile = readFileTool({ maxReadLines: 500 });
 * ```
 */
export function readFileTool(options: FilesystemToolsOptions = {}) {
  const { maxReadLines } = resolveLimits(options);
  return new Tool({
    name: "read_file",
    description: "Read a workspace file as numbered lines. Page through long files with offset and limit.",
    params: z.object({
      path: pathParam("file", 'File to read, relative to the workspace root, e.g. "src/main.ts".'),
      offset: z.number().int().min(1).optional().describe("First line to show, from 1 (default 1)."),
      limit: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe(`Lines to show (default and most: ${maxReadLines}).`),
    }),
    result: z.object({
      path: z.string(),
      offset: z.number().int(),
      lines: z.number().int(),
      totalLines: z.number().int(),
      truncated: z.boolean(),
      content: z.string(),
    }),
    handler: async ({ path, offset = 1, limit = maxReadLines }, context) => {
      const text = await workspaceOf(context, "read_file").read(path);
      refuseBinary(path, text, "read_file");
      const all = splitLines(text);
      if (all.length > 0 && offset > all.length) {
        throw new ToolValidationError(
          `offset ${offset} is past the end of "${path}", which has ${count(all.length)} lines. ` +
            `Use an offset from 1 to ${all.length}.`,
          { details: { path, offset, totalLines: all.length } },
        );
      }
      const window = all.slice(offset - 1, offset - 1 + Math.min(limit, maxReadLines));
      const last = offset + window.length - 1;
      const truncated = last < all.length;
      const value = {
        path,
        offset,
        lines: window.length,
        totalLines: all.length,
        truncated,
        content: window.join("\n"),
      };
      if (all.length === 0) return ToolResult.ok(value, `"${path}" is empty (0 lines).`, EXCLUDE);
      const header = `"${path}", lines ${offset}-${last} of ${count(all.length)}:`;
      const note = truncated
        ? `\n(Showing lines ${offset}-${last} of ${count(all.length)}. ` +
          `Call read_file with offset ${last + 1} to read on.)`
        : "";
      return ToolResult.ok(value, `${header}\n${numbered(window, offset)}${note}`, EXCLUDE);
    },
  });
}

/** `cat -n` style: the model copies the text after the tab into edit_file unchanged. */
function numbered(lines: readonly string[], first: number): string {
  const width = String(first + lines.length - 1).length;
  return lines
    .map((line, i) => {
      const shown =
        line.length > MAX_LINE_CHARS
          ? `${line.slice(0, MAX_LINE_CHARS)}… (line cut at ${count(MAX_LINE_CHARS)} characters)`
          : line;
      return `${String(first + i).padStart(Math.max(width, 4))}\t${shown}`;
    })
    .join("\n");
}

/**
 * `list_files { path? }`: the files and immediate subdirectories of a directory (default: the
 * workspace root), sorted, directories first and shown with a trailing `/`.
 *
 * @example
 * ```ts
 * import { listFilesTool } from "weakincentives/workspace";
 *
 * const listFiles = listFilesTool();
 * ```
 */
export function listFilesTool(options: FilesystemToolsOptions = {}) {
  const { maxListResults } = resolveLimits(options);
  return new Tool({
    name: "list_files",
    description: "List the files and subdirectories directly inside a workspace directory.",
    params: z.object({
      path: pathParam(
        "directory",
        "Directory to list, relative to the workspace root (default: the root).",
      ).optional(),
    }),
    result: z.object({
      path: z.string(),
      directories: z.array(z.string()),
      files: z.array(z.string()),
      truncated: z.boolean(),
    }),
    handler: async ({ path = "" }, context) => {
      const fs = workspaceOf(context, "list_files");
      if (path !== "") await refuseFile(fs, path);
      const paths = await listUnder(fs, path);
      if (paths.length === 0 && path !== "") {
        throw new ToolValidationError(
          `No directory "${path}" in the workspace. Call list_files without a path to see the top level.`,
          { details: { path } },
        );
      }
      const entries = entriesOf(path, paths);
      const truncated = entries.length > maxListResults;
      const shown = entries.slice(0, maxListResults);
      const value = {
        path,
        directories: shown.filter((e) => e.endsWith("/")).map((e) => e.slice(0, -1)),
        files: shown.filter((e) => !e.endsWith("/")),
        truncated,
      };
      const where = path === "" ? "The workspace root" : `"${path}"`;
      if (entries.length === 0) return ToolResult.ok(value, "The workspace is empty.", EXCLUDE);
      const note = truncated
        ? `\n(Showing ${count(maxListResults)} of ${count(entries.length)} entries. List a subdirectory, or use glob.)`
        : "";
      return ToolResult.ok(value, `${where} holds:\n${shown.join("\n")}${note}`, EXCLUDE);
    },
  });
}

/** The immediate entries of `directory`: subdirectories (with a `/`) first, then files, each sorted. */
function entriesOf(directory: string, paths: readonly string[]): string[] {
  const directories = new Set<string>();
  const files: string[] = [];
  for (const file of paths) {
    const rest = relativeTo(directory, file);
    const slash = rest.indexOf("/");
    if (slash === -1) files.push(file);
    else directories.add(`${file.slice(0, file.length - rest.length + slash)}/`);
  }
  return [...[...directories].sort(), ...files.sort()];
}

/** Asked before listing: the same answer from every workspace (a host one refuses to list a file). */
async function refuseFile(fs: Filesystem, path: string): Promise<void> {
  if (!(await fs.exists(path))) return;
  throw new ToolValidationError(`"${path}" is a file, not a directory. Call read_file to see its content.`, {
    details: { path },
  });
}
