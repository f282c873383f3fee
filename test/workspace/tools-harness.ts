/** Runs the workspace tools through the real executor against an in-memory workspace. */
import type { Filesystem } from "../../src/filesystem/index.js";
import { FilesystemKey, InMemoryFilesystem } from "../../src/filesystem/index.js";
import {
  type AnyTool,
  executeToolCall,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  type ToolExecution,
  type ToolPolicy,
} from "../../src/prompt/index.js";
import { Binding, ResourceRegistry } from "../../src/resources/index.js";
import { Session } from "../../src/session/index.js";
import { type FilesystemToolsOptions, filesystemTools } from "../../src/workspace/tools.js";

export interface HarnessOptions extends FilesystemToolsOptions {
  /** Extra tools next to the workspace tools. */
  tools?: AnyTool[];
  policies?: ToolPolicy[];
  /** The workspace to bind; `null` binds none. Default: an InMemoryFilesystem of `files`. */
  filesystem?: Filesystem | null;
}

/** A session, a bound workspace and `call(name, args)` going through `executeToolCall`. */
export function harness(files: Record<string, string> = {}, options: HarnessOptions = {}) {
  const { tools = [], policies = [], filesystem, ...toolOptions } = options;
  const fs = filesystem === undefined ? new InMemoryFilesystem(files) : filesystem;
  const template = new PromptTemplate({
    ns: "tests/workspace",
    key: "tools",
    sections: [
      new MarkdownSection({
        key: "workspace",
        title: "Workspace",
        template: "Work on the files.",
        tools: [...filesystemTools(toolOptions), ...tools],
        policies,
      }),
    ],
  });
  const registry =
    fs === null ? ResourceRegistry.of() : ResourceRegistry.of(Binding.instance(FilesystemKey, fs));
  const resources = registry.open();
  const prompt = new Prompt(template);
  const session = new Session();
  const rendered = prompt.render({ session });
  const call = (name: string, args: Record<string, unknown>): Promise<ToolExecution> =>
    executeToolCall({ name, arguments: args }, { session, resources, rendered, prompt, adapter: "test" });
  return { fs, session, call, rendered };
}

/** The text a failed call sends back to the model; throws when the call succeeded. */
export function failure(execution: ToolExecution): string {
  if (execution.result.success) throw new Error(`expected a failure, got: ${execution.output}`);
  return execution.output;
}

/** The text a successful call sends back to the model; throws when the call failed. */
export function success(execution: ToolExecution): string {
  if (!execution.result.success) throw new Error(`expected success, got: ${execution.output}`);
  return execution.output;
}
