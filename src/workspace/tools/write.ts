/** `write_file`, `edit_file` and `delete_file`: change the workspace. */

import { z } from "zod";
import { ToolValidationError } from "../../errors.js";
import { Tool, ToolResult } from "../../prompt/tool.js";
import {
  count,
  EXCLUDE,
  type FilesystemToolsOptions,
  pathParam,
  readOnlyGuard,
  refuseBinary,
  resolveLimits,
  workspaceOf,
} from "./internal/shared.js";

/**
 * `write_file { path, content }`: create a file or replace it whole. Content over
 * `maxWriteChars` (default 48,000) and paths under `readOnlyPaths` are refused. Under the
 * read-before-write policy an existing file must be read first.
 *
 * @example
 * ```ts
 * import { writeFileTool } from "weakincentives/workspace";
 *
 * const writeFile = writeFileTool({ maxWriteChars: 100_000, readOnlyPaths: ["vendor/"] });
 * ```
 */
export function writeFileTool(options: FilesystemToolsOptions = {}) {
  const { maxWriteChars } = resolveLimits(options);
  const guard = readOnlyGuard(options.readOnlyPaths);
  return new Tool({
    name: "write_file",
    description:
      "Create a workspace file, or replace its whole content. Use edit_file to change part of a file.",
    params: z.object({
      path: pathParam("file", 'File to write, relative to the workspace root, e.g. "src/main.ts".'),
      content: z.string().describe(`The complete new content (at most ${count(maxWriteChars)} characters).`),
    }),
    result: z.object({ path: z.string(), created: z.boolean(), chars: z.number().int() }),
    handler: async ({ path, content }, context) => {
      const fs = workspaceOf(context, "write_file");
      guard(path, "write_file");
      if (content.length > maxWriteChars) {
        throw new ToolValidationError(
          `Content for "${path}" is ${count(content.length)} characters, over the ${count(maxWriteChars)}-character ` +
            "limit of write_file. Split it into several smaller files, or write a first part and add the rest with edit_file.",
          { details: { path, size: content.length, limit: maxWriteChars } },
        );
      }
      const created = !(await fs.exists(path));
      await fs.write(path, content);
      const value = { path, created, chars: content.length };
      return ToolResult.ok(
        value,
        `${created ? "Created" : "Replaced"} "${path}" (${count(content.length)} characters).`,
        EXCLUDE,
      );
    },
  });
}

/**
 * `edit_file { path, old_string, new_string, replace_all? }`: replace an exact piece of text.
 * `old_string` must occur exactly once unless `replace_all` is true; when it is absent or
 * ambiguous the error names the path and what to do. `new_string` is capped by `maxWriteChars`.
 *
 * @example
 * ```ts
 * import { editFileTool } from "weakincentives/workspace";
 *
 * const editFile = editFileTool({ readOnlyPaths: ["docs/**"] });
 * ```
 */
export function editFileTool(options: FilesystemToolsOptions = {}) {
  const { maxWriteChars } = resolveLimits(options);
  const guard = readOnlyGuard(options.readOnlyPaths);
  return new Tool({
    name: "edit_file",
    description:
      "Replace an exact piece of text in a workspace file. Read the file first and copy old_string exactly.",
    params: z.object({
      path: pathParam("file", 'File to edit, relative to the workspace root, e.g. "src/main.ts".'),
      old_string: z.string().describe("The exact text to replace, whitespace included (no line numbers)."),
      new_string: z.string().describe("The text to put in its place."),
      replace_all: z.boolean().optional().describe("Replace every occurrence (default false: exactly one)."),
    }),
    result: z.object({ path: z.string(), replacements: z.number().int() }),
    handler: async ({ path, old_string: before, new_string: after, replace_all: all = false }, context) => {
      const fs = workspaceOf(context, "edit_file");
      guard(path, "edit_file");
      checkEdit(path, before, after, maxWriteChars);
      const content = await fs.read(path);
      refuseBinary(path, content, "edit_file");
      const found = occurrences(content, before);
      if (found === 0) {
        throw new ToolValidationError(
          `old_string was not found in "${path}". Read the file again with read_file and copy the text ` +
            "exactly, including whitespace and without the line numbers.",
          { details: { path } },
        );
      }
      if (found > 1 && !all) {
        throw new ToolValidationError(
          `old_string was found ${found} times in "${path}". Include more surrounding lines so it occurs ` +
            "once, or set replace_all to true to replace every occurrence.",
          { details: { path, occurrences: found } },
        );
      }
      // split/join rather than String.replace: "$&" and friends in new_string stay literal.
      const index = content.indexOf(before);
      const edited = all
        ? content.split(before).join(after)
        : content.slice(0, index) + after + content.slice(index + before.length);
      await fs.write(path, edited);
      const value = { path, replacements: found };
      return ToolResult.ok(
        value,
        `Edited "${path}": ${found} replacement${found === 1 ? "" : "s"}.`,
        EXCLUDE,
      );
    },
  });
}

function checkEdit(path: string, before: string, after: string, maxWriteChars: number): void {
  if (before === "") {
    throw new ToolValidationError(
      `old_string is empty for "${path}". Give the text to replace; to write a whole file use write_file.`,
      { details: { path } },
    );
  }
  if (before === after) {
    throw new ToolValidationError(
      `old_string and new_string are the same for "${path}", so nothing would change. Give the new text.`,
      { details: { path } },
    );
  }
  if (after.length > maxWriteChars) {
    throw new ToolValidationError(
      `new_string for "${path}" is ${count(after.length)} characters, over the ${count(maxWriteChars)}-character ` +
        "limit. Make the change in several smaller edits.",
      { details: { path, size: after.length, limit: maxWriteChars } },
    );
  }
}

/** Non-overlapping occurrences of `needle` in `text`, as split/join replaces them. */
function occurrences(text: string, needle: string): number {
  let found = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) found++;
  return found;
}

/**
 * `delete_file { path }`: remove one file. Paths under `readOnlyPaths` are refused; the
 * read-before-write policy does not govern it (a deleted file has nothing left to overwrite).
 *
 * @example
 * ```ts
 * import { deleteFileTool } from "weakincentives/workspace";
 *
 * const deleteFile = deleteFileTool({ readOnlyPaths: ["repo/"] });
 * ```
 */
export function deleteFileTool(options: FilesystemToolsOptions = {}) {
  const guard = readOnlyGuard(options.readOnlyPaths);
  return new Tool({
    name: "delete_file",
    description: "Delete one file from the workspace.",
    params: z.object({
      path: pathParam("file", 'File to delete, relative to the workspace root, e.g. "notes/old.md".'),
    }),
    result: z.object({ path: z.string() }),
    handler: async ({ path }, context) => {
      const fs = workspaceOf(context, "delete_file");
      guard(path, "delete_file");
      if (await fs.delete(path)) return ToolResult.ok({ path }, `Deleted "${path}".`, EXCLUDE);
      const inside = await fs.list(path);
      throw new ToolValidationError(
        inside.length > 0
          ? `"${path}" is a directory; delete_file removes one file at a time. Delete the files inside it.`
          : `No file "${path}" in the workspace. Call list_files to see which files exist.`,
        { details: { path } },
      );
    },
  });
}
