/**
 * Task completion checking: before an evaluation may end, a {@link TaskCompletionChecker} looks
 * at what the agent left behind (its answer, the session, the workspace) and either accepts it
 * or says what is still missing. The adapter then sends that feedback back to the model and lets
 * it continue, up to `maxContinuations` times; past that the evaluation fails with a
 * `PromptEvaluationError` naming what is missing.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { FileExistsChecker, MarkdownSection, PromptTemplate } from "weakincentives/prompt";
 *
 * const template = new PromptTemplate({
 *   ns: "examples",
 *   key: "report",
 *   sections: [new MarkdownSection({ key: "task", title: "Task", template: "Write report.md and data.json." })],
 *   taskCompletion: {
 *     checker: new FileExistsChecker({ files: ["report.md", { path: "data.json", parse: JSON.parse }] }),
 *     maxContinuations: 2,
 *   },
 * });
 * ```
 */

import { PromptValidationError, WinkError } from "../errors.js";
import { type Filesystem, normalizeWorkspacePath } from "../filesystem/index.js";
import type { Session } from "../session/index.js";

/** What a {@link TaskCompletionChecker} sees when the model says it is done. */
export interface TaskCompletionContext<Output = unknown> {
  /** The evaluation's session. */
  readonly session: Session;
  /** The tentative typed output (validated against the schema), or undefined for free-text prompts. */
  readonly output: Output | undefined;
  /** The model's final text, when it answered in text. */
  readonly text: string | undefined;
  /** The `Filesystem` bound under `FilesystemKey` for this evaluation, if any. */
  readonly filesystem: Filesystem | undefined;
  /** The adapter's name (`openai`, `anthropic`, `claude_agent_sdk`…). */
  readonly adapter: string;
  /** The prompt's name. */
  readonly prompt: string;
}

/** The verdict of a {@link TaskCompletionChecker}. */
export interface TaskCompletionResult {
  readonly complete: boolean;
  /** What is missing, phrased for the model; set when `complete` is false. */
  readonly feedback?: string;
}

const OK: TaskCompletionResult = Object.freeze({ complete: true });

/** Constructors for {@link TaskCompletionResult}. */
export const TaskCompletionResult = Object.freeze({
  /** The task is complete. */
  ok(): TaskCompletionResult {
    return OK;
  },
  /** The task is not complete; `feedback` tells the model what is missing. */
  incomplete(feedback: string): TaskCompletionResult {
    return Object.freeze({ complete: false, feedback });
  },
});

/** Decides whether the agent's work is done. Checkers should only read state, never change it. */
export interface TaskCompletionChecker {
  check(context: TaskCompletionContext): TaskCompletionResult | Promise<TaskCompletionResult>;
}

/** The long form of the `taskCompletion` template option. */
export interface TaskCompletionConfig {
  readonly checker: TaskCompletionChecker;
  /**
   * How many times the model is sent back to work after an incomplete answer before the
   * evaluation fails (default {@link DEFAULT_MAX_CONTINUATIONS}; 0 fails at the first one).
   */
  readonly maxContinuations?: number;
}

/** Task completion as a template holds it: the checker and its resolved limit. */
export interface TaskCompletionSpec {
  readonly checker: TaskCompletionChecker;
  readonly maxContinuations: number;
}

/** Default of {@link TaskCompletionConfig.maxContinuations}. */
export const DEFAULT_MAX_CONTINUATIONS = 3;

/** Resolve the `taskCompletion` template option, validating the limit. */
export function taskCompletionSpec(
  option: TaskCompletionChecker | TaskCompletionConfig,
  prompt: string,
): TaskCompletionSpec {
  const config: TaskCompletionConfig = isChecker(option) ? { checker: option } : option;
  if (!isChecker(config.checker)) {
    throw new PromptValidationError(
      `Prompt "${prompt}" taskCompletion needs a checker with a check(context) method, got ${describe(config.checker)}.`,
      { details: { prompt } },
    );
  }
  const max = config.maxContinuations ?? DEFAULT_MAX_CONTINUATIONS;
  if (!Number.isInteger(max) || max < 0) {
    throw new PromptValidationError(
      `Prompt "${prompt}" taskCompletion.maxContinuations must be an integer >= 0, got ${String(max)}.`,
      { details: { prompt, maxContinuations: max } },
    );
  }
  return Object.freeze({ checker: config.checker, maxContinuations: max });
}

function isChecker(value: unknown): value is TaskCompletionChecker {
  return (
    typeof value === "object" && value !== null && typeof (value as { check?: unknown }).check === "function"
  );
}

function describe(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/** A file {@link FileExistsChecker} requires, optionally with a parser its content must pass. */
export interface RequiredFile {
  /** Workspace path, e.g. `"out/report.json"`. */
  readonly path: string;
  /** Called with the file's text (e.g. `JSON.parse`); a throw makes the task incomplete. */
  readonly parse?: (text: string) => unknown;
}

/** Options of {@link FileExistsChecker}. */
export interface FileExistsCheckerOptions {
  /** Files that must exist in the workspace: paths, or {@link RequiredFile}s with a parser. */
  readonly files: readonly (string | RequiredFile)[];
}

/**
 * Complete when every required file exists in the evaluation's filesystem (and parses, when a
 * parser is given). Needs a `Filesystem` bound under `FilesystemKey`: without one it throws, as
 * the model could never satisfy it.
 */
export class FileExistsChecker implements TaskCompletionChecker {
  readonly files: readonly RequiredFile[];

  constructor(options: FileExistsCheckerOptions) {
    if (options.files.length === 0) {
      throw new WinkError("invalid_argument", "FileExistsChecker needs at least one file in `files`.");
    }
    this.files = Object.freeze(
      options.files.map((file) => {
        const spec = typeof file === "string" ? { path: file } : file;
        return Object.freeze({ ...spec, path: normalizeWorkspacePath(spec.path) });
      }),
    );
  }

  async check(context: TaskCompletionContext): Promise<TaskCompletionResult> {
    const fs = context.filesystem;
    if (!fs) {
      throw new WinkError(
        "resource_unbound",
        `FileExistsChecker of prompt "${context.prompt}" has no filesystem to look in. Bind a Filesystem under ` +
          "FilesystemKey (a workspace, or Binding.instance(FilesystemKey, fs) in the prompt's or evaluation's resources).",
        { details: { key: "Filesystem", prompt: context.prompt } },
      );
    }
    const missing: string[] = [];
    const invalid: string[] = [];
    for (const file of this.files) {
      if (!(await fs.exists(file.path))) {
        missing.push(file.path);
        continue;
      }
      if (!file.parse) continue;
      try {
        file.parse(await fs.read(file.path));
      } catch (error) {
        invalid.push(
          `${file.path} does not parse (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    }
    const problems = [
      ...(missing.length > 0 ? [`missing required files: ${missing.join(", ")}`] : []),
      ...invalid,
    ];
    return problems.length === 0 ? OK : TaskCompletionResult.incomplete(problems.join("; "));
  }
}

/** Options of {@link SessionPredicateChecker}. */
export interface SessionPredicateCheckerOptions {
  /** True when the task is done, judged from session state. */
  readonly predicate: (session: Session) => boolean;
  /** What to tell the model when the predicate is false. */
  readonly feedback: string | ((session: Session) => string);
}

/**
 * Complete when a predicate over the session holds, e.g. "every step of the plan is done".
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineType } from "weakincentives";
 * import { SessionPredicateChecker } from "weakincentives/prompt";
 *
 * const Step = defineType("Step", z.object({ title: z.string(), done: z.boolean() }));
 * const allStepsDone = new SessionPredicateChecker({
 *   predicate: (session) => !session.slice(Step).exists((step) => !step.done),
 *   feedback: (session) =>
 *     `these steps are not done: ${session.slice(Step).where((s) => !s.done).map((s) => s.title).join(", ")}`,
 * });
 * ```
 */
export class SessionPredicateChecker implements TaskCompletionChecker {
  constructor(private readonly options: SessionPredicateCheckerOptions) {}

  check(context: TaskCompletionContext): TaskCompletionResult {
    if (this.options.predicate(context.session)) return OK;
    const { feedback } = this.options;
    return TaskCompletionResult.incomplete(
      typeof feedback === "string" ? feedback : feedback(context.session),
    );
  }
}

/** Options of {@link CompositeChecker}. */
export interface CompositeCheckerOptions {
  readonly checkers: readonly TaskCompletionChecker[];
  /** `"all"` (default): every checker must pass. `"any"`: one passing checker is enough. */
  readonly mode?: "all" | "any";
}

/**
 * Combines checkers. Every checker runs, in order, so the feedback lists everything missing
 * (`"all"`) or every way the task could still be completed (`"any"`).
 */
export class CompositeChecker implements TaskCompletionChecker {
  readonly checkers: readonly TaskCompletionChecker[];
  readonly mode: "all" | "any";

  constructor(options: CompositeCheckerOptions) {
    if (options.checkers.length === 0) {
      throw new WinkError("invalid_argument", "CompositeChecker needs at least one checker in `checkers`.");
    }
    this.checkers = Object.freeze([...options.checkers]);
    this.mode = options.mode ?? "all";
  }

  /** Complete when every checker is. */
  static all(...checkers: TaskCompletionChecker[]): CompositeChecker {
    return new CompositeChecker({ checkers, mode: "all" });
  }

  /** Complete when at least one checker is. */
  static any(...checkers: TaskCompletionChecker[]): CompositeChecker {
    return new CompositeChecker({ checkers, mode: "any" });
  }

  async check(context: TaskCompletionContext): Promise<TaskCompletionResult> {
    const feedback: string[] = [];
    for (const checker of this.checkers) {
      const result = await checker.check(context);
      if (result.complete) {
        if (this.mode === "any") return OK;
      } else {
        feedback.push(result.feedback ?? "a check did not pass");
      }
    }
    if (feedback.length === 0) return OK;
    return TaskCompletionResult.incomplete(
      this.mode === "all" ? feedback.join("; ") : `do one of these: ${feedback.join("; or ")}`,
    );
  }
}
