/**
 * The workspace as tools, for the HTTP adapters: `read_file`, `write_file`, `edit_file`,
 * `delete_file`, `list_files`, `glob` and `grep`, all working on the `Filesystem` bound
 * under `FilesystemKey` (a tool reaches it as `context.filesystem`). The tools keep no state:
 * what the model has read is remembered by the {@link ReadBeforeWritePolicy} in the session, so
 * it is rolled back and isolated like any other session state.
 *
 * Every mistake a model can fix (a bad path, a missing file, an ambiguous edit, a write over a
 * limit or into a read-only path, an invalid pattern) comes back as a tool error naming the value
 * and what to do; errors the filesystem raises itself (a read-only host mount) pass through.
 *
 * @example
 * ```ts
 * import { FilesystemKey, InMemoryFilesystem } from "weakincentives/filesystem";
 * import { MarkdownSection, Prompt, PromptTemplate } from "weakincentives/prompt";
 * import { Binding, ResourceRegistry } from "weakincentives/resources";
 * import { filesystemToolPolicies, filesystemTools } from "weakincentives/workspace";
 *
 * const template = new PromptTemplate({
 *   ns: "examples/fixer",
 *   key: "fix",
 *   sections: [
 *     new MarkdownSection({
 *       key: "workspace",
 *       title: "Workspace",
 *       template: "The repository is in the workspace. Read a file before you change it.",
 *       tools: filesystemTools({ readOnlyPaths: ["vendor/"] }),
 *       policies: filesystemToolPolicies(),
 *     }),
 *   ],
 * });
 * const fs = new InMemoryFilesystem({ "src/main.ts": "export const answer = 41;\n" });
 * const prompt = new Prompt(template).bind(
 *   {},
 *   { resources: ResourceRegistry.of(Binding.instance(FilesystemKey, fs)) },
 * );
 * ```
 */

import { ReadBeforeWritePolicy, type ToolPolicy } from "../prompt/policies.js";
import type { AnyTool } from "../prompt/tool.js";
import type { FilesystemToolsOptions } from "./tools/internal/shared.js";
import { listFilesTool, readFileTool } from "./tools/read.js";
import { globTool, grepTool } from "./tools/search.js";
import { deleteFileTool, editFileTool, writeFileTool } from "./tools/write.js";

export type { FilesystemToolsOptions } from "./tools/internal/shared.js";
export { listFilesTool, readFileTool } from "./tools/read.js";
export { globTool, grepTool } from "./tools/search.js";
export { deleteFileTool, editFileTool, writeFileTool } from "./tools/write.js";

/**
 * The workspace tools, configured by `options`: all seven, or the four that only read when
 * `readOnly` is set. Pair them with {@link filesystemToolPolicies} so an existing file is read
 * before it is overwritten. Limits that are not positive integers and malformed
 * `readOnlyPaths` globs throw here, when the tools are built.
 *
 * @example
 * ```ts
 * import { filesystemTools } from "weakincentives/workspace";
 *
 * const browse = filesystemTools({ readOnly: true }); // read_file, list_files, glob, grep
 * const edit = filesystemTools({ maxWriteChars: 100_000, readOnlyPaths: ["vendor/"] });
 * ```
 */
export function filesystemTools(options: FilesystemToolsOptions = {}): AnyTool[] {
  const read: AnyTool[] = [
    readFileTool(options),
    listFilesTool(options),
    globTool(options),
    grepTool(options),
  ];
  if (options.readOnly) return read;
  return [...read, writeFileTool(options), editFileTool(options), deleteFileTool(options)];
}

/**
 * The policies that belong with {@link filesystemTools}: a {@link ReadBeforeWritePolicy} with its
 * defaults (`read_file` reads; `write_file` and `edit_file` need a read of an existing file
 * first). A fresh instance each call; it keeps its memory in the session, not in itself.
 *
 * @example
 * ```ts
 * import { MarkdownSection } from "weakincentives/prompt";
 * import { filesystemToolPolicies, filesystemTools } from "weakincentives/workspace";
 *
 * const section = new MarkdownSection({
 *   key: "workspace",
 *   title: "Workspace",
 *   template: "Edit the files to fix the bug.",
 *   tools: filesystemTools(),
 *   policies: filesystemToolPolicies(),
 * });
 * ```
 */
export function filesystemToolPolicies(): ToolPolicy[] {
  return [new ReadBeforeWritePolicy()];
}
