/**
 * Tool policies: declarative rules checked before a tool runs. Every policy that governs a tool
 * must allow the call (fail-closed); a denial comes back to the model as an error result that
 * says what to do first. Policy memory lives in the session (the `PolicyRecord` slice), so it is
 * snapshotted, rolled back and isolated per session like any other state.
 *
 * @example
 * ```ts
 * import { SequentialDependencyPolicy } from "weakincentives";
 *
 * const releaseOrder = new SequentialDependencyPolicy({
 *   dependencies: { deploy: ["test", "build"], build: ["lint"] },
 * });
 * ```
 */

import { z } from "zod";
import { defineType } from "../data-type.js";
import { WinkError } from "../errors.js";
import type { Session } from "../session/index.js";
import type { AnyTool, ToolContext, ToolResult } from "./tool.js";

/** The outcome of a policy check. */
export interface PolicyDecision {
  readonly allowed: boolean;
  /** Why the call was denied, phrased for the model: what to do first. */
  readonly reason?: string;
}

/** Constructors for {@link PolicyDecision}. */
export const PolicyDecision = Object.freeze({
  allow(): PolicyDecision {
    return { allowed: true };
  },
  deny(reason: string): PolicyDecision {
    return { allowed: false, reason };
  },
});

/** A rule governing tool calls. */
export interface ToolPolicy {
  /** Unique name; keys the policy's records in the session. */
  readonly name: string;
  /** Decide whether `tool` may run with `params`. */
  check(
    tool: AnyTool,
    params: Readonly<Record<string, unknown>>,
    context: ToolContext,
  ): PolicyDecision | Promise<PolicyDecision>;
  /** Learn from a successful call (never called for failures or denials). */
  onResult?(
    tool: AnyTool,
    params: Readonly<Record<string, unknown>>,
    result: ToolResult,
    context: ToolContext,
  ): void;
}

/** One fact a policy remembers: `tool` succeeded, optionally for `key` (e.g. a path). */
export const PolicyRecord = defineType(
  "PolicyRecord",
  z.object({ policy: z.string(), tool: z.string(), key: z.string().optional() }),
);

/** Remember that `tool` (with optional `key`) succeeded under `policy`. */
export function recordPolicyFact(session: Session, policy: string, tool: string, key?: string): void {
  session.dispatch(PolicyRecord.create(key === undefined ? { policy, tool } : { policy, tool, key }));
}

/** Whether `policy` remembers a success of `tool` (for `key`, when given). */
export function hasPolicyFact(
  session: Session,
  policy: string,
  tool: string | ReadonlySet<string>,
  key?: string,
): boolean {
  const tools = typeof tool === "string" ? new Set([tool]) : tool;
  return session
    .slice(PolicyRecord)
    .exists((r) => r.policy === policy && tools.has(r.tool) && (key === undefined || r.key === key));
}

/** Options for {@link SequentialDependencyPolicy}. */
export interface SequentialDependencyOptions {
  /** Tool name → tools that must have succeeded before it may run. */
  dependencies: Readonly<Record<string, readonly string[]>>;
  /** Default `"sequential_dependency"`; set it to use two independent instances. */
  name?: string;
}

/** A tool may run only after each tool it depends on has succeeded in this session. */
export class SequentialDependencyPolicy implements ToolPolicy {
  readonly name: string;
  private readonly dependencies: ReadonlyMap<string, readonly string[]>;

  constructor(options: SequentialDependencyOptions) {
    this.name = options.name ?? "sequential_dependency";
    this.dependencies = new Map(Object.entries(options.dependencies));
    for (const [tool, required] of this.dependencies) {
      if (required.includes(tool)) {
        throw new WinkError(
          "invalid_argument",
          `SequentialDependencyPolicy: tool "${tool}" cannot depend on itself.`,
          {
            details: { tool },
          },
        );
      }
    }
  }

  check(tool: AnyTool, _params: Readonly<Record<string, unknown>>, context: ToolContext): PolicyDecision {
    const required = this.dependencies.get(tool.name) ?? [];
    const missing = required.filter((dep) => !hasPolicyFact(context.session, this.name, dep));
    if (missing.length === 0) return PolicyDecision.allow();
    return PolicyDecision.deny(
      `Tool "${tool.name}" needs ${missing.map((m) => `"${m}"`).join(" and ")} to succeed first. Call ${
        missing.length === 1 ? "it" : "them"
      }, then try again.`,
    );
  }

  onResult(
    tool: AnyTool,
    _params: Readonly<Record<string, unknown>>,
    _result: ToolResult,
    context: ToolContext,
  ): void {
    recordPolicyFact(context.session, this.name, tool.name);
  }
}

/** Options for {@link ReadBeforeWritePolicy}. */
export interface ReadBeforeWriteOptions {
  /** Tools that read a file (default `["read_file"]`). */
  readTools?: readonly string[];
  /** Tools that overwrite a file (default `["write_file", "edit_file"]`). */
  writeTools?: readonly string[];
  /** Name of the path parameter (default `"path"`). */
  pathParam?: string;
  /**
   * Whether a file exists already. New files may be written without a read. Default: ask the
   * tool context's `filesystem`; without one, treat every path as existing, so every write needs
   * a read first (the safe choice).
   */
  exists?: (path: string, context: ToolContext) => boolean | Promise<boolean>;
  /** Default `"read_before_write"`. */
  name?: string;
}

/** An existing file may be overwritten only after it was read (or written) in this session. */
export class ReadBeforeWritePolicy implements ToolPolicy {
  readonly name: string;
  private readonly readTools: ReadonlySet<string>;
  private readonly writeTools: ReadonlySet<string>;
  private readonly pathParam: string;
  private readonly exists: NonNullable<ReadBeforeWriteOptions["exists"]>;

  constructor(options: ReadBeforeWriteOptions = {}) {
    this.name = options.name ?? "read_before_write";
    this.readTools = new Set(options.readTools ?? ["read_file"]);
    this.writeTools = new Set(options.writeTools ?? ["write_file", "edit_file"]);
    this.pathParam = options.pathParam ?? "path";
    this.exists = options.exists ?? ((path, context) => context.filesystem?.exists(path) ?? true);
  }

  async check(
    tool: AnyTool,
    params: Readonly<Record<string, unknown>>,
    context: ToolContext,
  ): Promise<PolicyDecision> {
    if (!this.writeTools.has(tool.name)) return PolicyDecision.allow();
    const path = params[this.pathParam];
    if (typeof path !== "string") return PolicyDecision.allow();
    const known = new Set([...this.readTools, ...this.writeTools]);
    if (hasPolicyFact(context.session, this.name, known, path)) return PolicyDecision.allow();
    if (!(await this.exists(path, context))) return PolicyDecision.allow();
    const reader = [...this.readTools][0] ?? "a read tool";
    return PolicyDecision.deny(
      `"${path}" already exists and has not been read in this session. Call ${reader} on it first, then write.`,
    );
  }

  onResult(
    tool: AnyTool,
    params: Readonly<Record<string, unknown>>,
    _result: ToolResult,
    context: ToolContext,
  ): void {
    const path = params[this.pathParam];
    if (typeof path !== "string") return;
    if (this.readTools.has(tool.name) || this.writeTools.has(tool.name)) {
      recordPolicyFact(context.session, this.name, tool.name, path);
    }
  }
}
