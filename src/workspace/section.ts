/**
 * `WorkspaceSection`: gives an agent a workspace. Each evaluation gets a fresh directory with the
 * host mounts copied in (see {@link Workspace}); the section tells the model what is there and
 * its content fingerprint, offers the filesystem tools over it (HTTP adapters), guards writes with
 * the read-before-write policy, and binds the workspace as a resource: `FilesystemKey` for tools
 * and task-completion checks, `WorkspaceKey` for the Claude Agent SDK adapter, which runs Claude
 * Code in the directory. The directory is deleted when the evaluation ends.
 *
 * To build the workspace yourself (mounts that depend on the request, or files you want to keep
 * after the run), bind your own {@link Workspace} under `WorkspaceKey` with `Prompt.bind`; the
 * section then shows and serves that one, and you close it.
 *
 * @example
 * ```ts
 * import { PromptTemplate } from "weakincentives";
 * import { HostMount, WorkspaceSection } from "weakincentives/workspace";
 *
 * const template = new PromptTemplate({
 *   ns: "examples/docs",
 *   key: "proofread",
 *   sections: [
 *     new WorkspaceSection({
 *       mounts: [new HostMount({ hostPath: "docs", mountPath: "docs" })],
 *       allowedHostRoots: ["."],
 *     }),
 *   ],
 * });
 * ```
 */

import { FilesystemKey } from "../filesystem/index.js";
import { type AnySection, Section, type SectionRenderContext, type ToolPolicy } from "../prompt/index.js";
import { Binding, ResourceRegistry } from "../resources/index.js";
import { HostMount, type HostMountOptions } from "./mount.js";
import { filesystemToolPolicies, filesystemTools } from "./tools.js";
import { Workspace, WorkspaceKey } from "./workspace.js";

/** Options of {@link WorkspaceSection}. */
export interface WorkspaceSectionOptions {
  /** Default `"workspace"`. */
  readonly key?: string;
  /** Default `"Workspace"`. */
  readonly title?: string;
  /** Host paths copied into each evaluation's workspace. */
  readonly mounts?: readonly (HostMount | HostMountOptions)[];
  /** Host directories mounts may come from (required with mounts). */
  readonly allowedHostRoots?: readonly string[];
  /** Where workspaces are created (default: the OS temp directory). */
  readonly parentDir?: string;
  /** Offer the filesystem tools (default `true`; Claude Code has its own file tools either way). */
  readonly tools?: boolean;
  /** Guard overwrites with the read-before-write policy (default `true`). */
  readonly readBeforeWrite?: boolean;
  /** Extra instructions shown after the description of the workspace. */
  readonly guidance?: string;
  /**
   * Runs when the evaluation ends, before the workspace is deleted: copy out what the agent made.
   * A failure is logged (`resource.close_error`) and never fails the evaluation.
   */
  readonly beforeRemove?: (workspace: Workspace) => void | Promise<void>;
}

/** A section that gives the agent a per-evaluation workspace; see the module doc. */
export class WorkspaceSection extends Section<string, undefined, readonly AnySection[]> {
  /** The mounts copied into each evaluation's workspace, validated (frozen). */
  readonly mounts: readonly HostMount[];
  /** Host directories the mounts may come from, as given (checked when a workspace is created). */
  readonly allowedHostRoots: readonly string[];
  private readonly guidance: string | undefined;
  private readonly offersTools: boolean;

  constructor(options: WorkspaceSectionOptions = {}) {
    const mounts = (options.mounts ?? []).map((m) => (m instanceof HostMount ? m : new HostMount(m)));
    const allowedHostRoots = [...(options.allowedHostRoots ?? [])];
    const { parentDir, beforeRemove } = options;
    const offersTools = options.tools ?? true;
    const policies: ToolPolicy[] =
      offersTools && (options.readBeforeWrite ?? true) ? filesystemToolPolicies() : [];
    super({
      key: options.key ?? "workspace",
      title: options.title ?? "Workspace",
      // Read-only mounts are enforced by the workspace's filesystem, whoever built it.
      tools: offersTools ? filesystemTools() : [],
      policies,
      resources: ResourceRegistry.of(
        Binding.factory(WorkspaceKey, () =>
          Workspace.create({
            mounts,
            allowedHostRoots,
            ...(parentDir ? { parentDir } : {}),
            ...(beforeRemove ? { beforeRemove } : {}),
          }),
        ),
        Binding.factory(FilesystemKey, (resolver) => resolver.get(WorkspaceKey).filesystem),
      ),
    });
    this.mounts = Object.freeze(mounts);
    this.allowedHostRoots = Object.freeze(allowedHostRoots);
    this.guidance = options.guidance?.trim();
    this.offersTools = offersTools;
  }

  renderBody(
    _params: Readonly<Record<string, unknown>> | undefined,
    _bodyOverride?: string,
    context?: SectionRenderContext,
  ): string {
    const workspace = context?.resources?.getOptional(WorkspaceKey);
    const lines = [
      "You work in a workspace: a directory of files addressed by paths relative to its root.",
      "",
      ...(workspace ? describeWorkspace(workspace) : this.describeMounts()),
    ];
    if (this.offersTools) {
      lines.push(
        "",
        "Look around with list_files, glob and grep; read with read_file; change files with write_file and edit_file. Read a file before you change it.",
      );
    }
    if (this.guidance) lines.push("", this.guidance);
    return lines.join("\n");
  }

  renderSummary(): string {
    return "";
  }

  /** The text is generated from the workspace, so prompt overrides do not apply to it. */
  bodyTemplate(): undefined {
    return undefined;
  }

  allowedPlaceholders(): readonly string[] {
    return [];
  }

  private describeMounts(): string[] {
    if (this.mounts.length === 0) return ["It starts empty."];
    return [
      "It is created when the prompt is evaluated, holding:",
      ...this.mounts.map((m) => `- \`${m.mountPath || "."}\`${m.readOnly ? " (read-only)" : ""}`),
    ];
  }
}

function describeWorkspace(workspace: Workspace): string[] {
  const { files, bytes } = workspace.totals;
  if (workspace.mounts.length === 0) return ["It starts empty."];
  return [
    "It holds:",
    ...workspace.mounts.map(
      (m) =>
        `- \`${m.mountPath || "."}\`${m.readOnly ? " (read-only: write elsewhere)" : ""}: ${m.files} file${m.files === 1 ? "" : "s"}, ${m.bytes} bytes`,
    ),
    "",
    `Content fingerprint: ${workspace.fingerprint} (${files} files, ${bytes} bytes).`,
  ];
}
