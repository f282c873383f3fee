/** `glob` and `grep`: find files by name and by content. */

import { z } from "zod";
import { isWinkError, ToolValidationError } from "../../errors.js";
import { type Filesystem, globToRegExp } from "../../filesystem/index.js";
import { Tool, type ToolContext, ToolResult } from "../../prompt/tool.js";
import {
  count,
  EXCLUDE,
  type FilesystemToolsOptions,
  listUnder,
  MAX_GREP_LINE_CHARS,
  pathParam,
  relativeTo,
  resolveLimits,
  splitLines,
  workspaceOf,
} from "./internal/shared.js";

/** A glob pattern as a regexp; a malformed pattern is the model's to fix. */
function compileGlob(pattern: string): RegExp {
  try {
    return globToRegExp(pattern);
  } catch (error) {
    if (isWinkError(error, "invalid_argument")) {
      throw new ToolValidationError(error.message, { details: { pattern }, cause: error });
    }
    throw error;
  }
}

/**
 * `glob { pattern, path? }`: workspace paths matching a glob, sorted and capped. The pattern is
 * matched against paths relative to `path` (default: the root); a pattern without `/` matches file
 * names at any depth (`*.ts`), and `**` any number of directories (`docs/**`).
 *
 * @example
 * ```ts
 * import { globTool } from "weakincentives/workspace";
 *
 * const glob = globTool({ maxListResults: 200 });
 * ```
 */
export function globTool(options: FilesystemToolsOptions = {}) {
  const { maxListResults } = resolveLimits(options);
  return new Tool({
    name: "glob",
    description: 'Find workspace files whose path matches a glob such as "**/*.ts" or "src/*.md".',
    params: z.object({
      pattern: z
        .string()
        .min(1)
        .describe('Glob: "*" within a name, "**" across directories, "{a,b}" either.'),
      path: pathParam(
        "directory",
        "Directory to search, relative to the workspace root (default: the root).",
      ).optional(),
    }),
    result: z.object({
      pattern: z.string(),
      path: z.string(),
      matches: z.array(z.string()),
      total: z.number().int(),
      truncated: z.boolean(),
    }),
    handler: async ({ pattern, path = "" }, context) => {
      const regexp = compileGlob(pattern);
      const paths = await listUnder(workspaceOf(context, "glob"), path);
      const all = paths.filter((file) => regexp.test(relativeTo(path, file))).sort();
      const matches = all.slice(0, maxListResults);
      const truncated = all.length > matches.length;
      const value = { pattern, path, matches, total: all.length, truncated };
      const where = path === "" ? "the workspace" : `"${path}"`;
      if (all.length === 0) {
        return ToolResult.ok(value, `No files in ${where} match "${pattern}".`, EXCLUDE);
      }
      const note = truncated
        ? `\n(Showing the first ${count(matches.length)} of ${count(all.length)} matches. Narrow the pattern or the path.)`
        : "";
      const header =
        all.length === 1
          ? `1 file in ${where} matches "${pattern}":`
          : `${count(all.length)} files in ${where} match "${pattern}":`;
      return ToolResult.ok(value, `${header}\n${matches.join("\n")}${note}`, EXCLUDE);
    },
  });
}

/** One line grep found. */
interface GrepMatch {
  path: string;
  line: number;
  text: string;
}

/**
 * `grep { pattern, path?, glob?, ignore_case? }`: lines matching a JavaScript regular expression,
 * as `path:line: text`, in path order, capped. `path` may name a directory or one file; `glob`
 * keeps only files whose path (relative to `path`) matches it. Binary files are skipped.
 *
 * @example
 * ```ts
 * import { grepTool } from "weakincentives/workspace";
 *
 * const grep = grepTool({ maxGrepMatches: 100 });
 * ```
 */
export function grepTool(options: FilesystemToolsOptions = {}) {
  const { maxGrepMatches } = resolveLimits(options);
  return new Tool({
    name: "grep",
    description: "Search workspace files for lines matching a regular expression; returns path:line: text.",
    params: z.object({
      pattern: z
        .string()
        .min(1)
        .describe('JavaScript regular expression, e.g. "TODO|FIXME" or "export function \\w+".'),
      path: pathParam("directory", "Directory or file to search (default: the whole workspace).").optional(),
      glob: z.string().min(1).optional().describe('Only search files matching this glob, e.g. "*.ts".'),
      ignore_case: z.boolean().optional().describe("Match letters in any case (default false)."),
    }),
    result: z.object({
      pattern: z.string(),
      matches: z.array(z.object({ path: z.string(), line: z.number().int(), text: z.string() })),
      filesSearched: z.number().int(),
      truncated: z.boolean(),
    }),
    handler: async ({ pattern, path = "", glob, ignore_case: ignoreCase = false }, context) => {
      const regexp = compileRegExp(pattern, ignoreCase);
      const only = glob === undefined ? undefined : compileGlob(glob);
      const fs = workspaceOf(context, "grep");
      const files = (await filesToSearch(fs, path)).filter(
        // A single file given as `path` is matched by its own path.
        (file) => only === undefined || only.test(relativeTo(path, file) || file),
      );
      const { matches, truncated } = await search(fs, files, regexp, maxGrepMatches, context);
      const value = { pattern, matches, filesSearched: files.length, truncated };
      if (matches.length === 0) {
        const scope = `${count(files.length)} file${files.length === 1 ? "" : "s"}`;
        return ToolResult.ok(value, `No lines match /${pattern}/ in ${scope}.`, EXCLUDE);
      }
      const lines = matches.map((m) => `${m.path}:${m.line}: ${m.text}`).join("\n");
      const note = truncated
        ? `\n(Stopped at ${count(maxGrepMatches)} matches. Narrow the pattern, the path or the glob.)`
        : "";
      return ToolResult.ok(value, `${lines}${note}`, EXCLUDE);
    },
  });
}

function compileRegExp(pattern: string, ignoreCase: boolean): RegExp {
  try {
    return new RegExp(pattern, ignoreCase ? "i" : "");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ToolValidationError(
      `Pattern ${JSON.stringify(pattern)} is not a valid regular expression (${reason}). ` +
        'Fix the syntax, or escape special characters such as "(", "[" or "+" with a backslash.',
      { details: { pattern }, cause: error },
    );
  }
}

/** The files under `path`, or `path` itself when it names a file. */
async function filesToSearch(fs: Filesystem, path: string): Promise<string[]> {
  // Asked first: a host workspace refuses to list a file.
  if (path !== "" && (await fs.exists(path))) return [path];
  const files = await listUnder(fs, path);
  if (files.length > 0 || path === "") return files;
  throw new ToolValidationError(
    `No file or directory "${path}" in the workspace. Call list_files to see what exists.`,
    { details: { path } },
  );
}

async function search(
  fs: Filesystem,
  files: readonly string[],
  regexp: RegExp,
  max: number,
  context: ToolContext,
): Promise<{ matches: GrepMatch[]; truncated: boolean }> {
  const matches: GrepMatch[] = [];
  for (const [index, file] of files.entries()) {
    // A workspace can be large: stop when the evaluation is cancelled, and show the watchdog progress.
    context.signal.throwIfAborted();
    if (index % 100 === 99) context.beat();
    const text = await fs.read(file);
    if (text.includes("\0")) continue;
    const lines = splitLines(text);
    for (const [i, line] of lines.entries()) {
      if (!regexp.test(line)) continue;
      if (matches.length === max) return { matches, truncated: true };
      const cut = line.length > MAX_GREP_LINE_CHARS ? `${line.slice(0, MAX_GREP_LINE_CHARS)}…` : line;
      matches.push({ path: file, line: i + 1, text: cut });
    }
  }
  return { matches, truncated: false };
}
