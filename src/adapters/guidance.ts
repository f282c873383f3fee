/**
 * What both agent loops (the shared HTTP loop and Claude Code) tell the model beyond the prompt:
 * the template's task completion check, with its continuation count and limit, and the scope
 * its feedback providers run in. Each loop decides only how the words travel (a user message or
 * a tool result on HTTP; a hook response on Claude Code).
 */

import { FilesystemKey } from "../filesystem/index.js";
import type { FeedbackScope, TaskCompletionContext, TaskCompletionSpec } from "../prompt/index.js";
import { PromptEvaluationError } from "./errors.js";
import type { EvaluationFrame } from "./frame.js";

/** What {@link CompletionGate.review} decided about an answer. */
export type CompletionVerdict =
  /** Complete, or not checked because the deadline passed or the budget is spent. */
  | { readonly kind: "accept" }
  /** Incomplete: send `message` to the model and let it continue (already counted). */
  | { readonly kind: "continue"; readonly message: string; readonly feedback: string }
  /** Incomplete and no continuation is left. */
  | { readonly kind: "exhausted"; readonly feedback: string };

const ACCEPT: CompletionVerdict = Object.freeze({ kind: "accept" });

/** The task completion check of one evaluation: runs the checker and counts continuations. */
export class CompletionGate {
  private used = 0;

  /**
   * @param limitReached true once the deadline passed or the budget is spent: the check is then
   *   skipped, since continuing could never finish.
   */
  constructor(
    private readonly spec: TaskCompletionSpec,
    private readonly frame: EvaluationFrame<unknown>,
    private readonly limitReached: () => boolean,
  ) {}

  /** Continuations granted so far. */
  get continuations(): number {
    return this.used;
  }

  /** Check a final answer and, when it is incomplete, take one continuation if any is left. */
  async review(output: unknown, text: string | undefined): Promise<CompletionVerdict> {
    const feedback = await this.missing(output, text);
    if (feedback === undefined) return ACCEPT;
    const { maxContinuations } = this.spec;
    if (this.used >= maxContinuations) return { kind: "exhausted", feedback };
    this.used++;
    this.frame.log.info(
      "adapter.evaluate.task_incomplete",
      "The task is not complete; the model continues.",
      {
        feedback,
        continuation: this.used,
        maxContinuations,
      },
    );
    return { kind: "continue", message: continuationMessage(feedback), feedback };
  }

  /** The final verification: throws {@link PromptEvaluationError} when the answer is incomplete. */
  async verify(output: unknown, text: string | undefined): Promise<void> {
    const feedback = await this.missing(output, text);
    if (feedback !== undefined) throw this.error(feedback);
  }

  /** The error for an answer still incomplete once the continuations are used up. */
  error(feedback: string): PromptEvaluationError {
    const name = this.frame.rendered.name;
    const max = this.spec.maxContinuations;
    return new PromptEvaluationError(
      `Prompt "${name}" is still not complete after ${max} continuation${max === 1 ? "" : "s"} (taskCompletion.maxContinuations = ${max}): ${trimEnd(feedback)}. ` +
        "Raise maxContinuations, or make the prompt say what a complete answer needs so the model gets there sooner.",
      { phase: "response", promptName: name },
      { details: { feedback, maxContinuations: max } },
    );
  }

  /** What is missing, or undefined when complete or not checked. */
  private async missing(output: unknown, text: string | undefined): Promise<string | undefined> {
    if (this.limitReached()) return undefined;
    const { frame } = this;
    const context: TaskCompletionContext = {
      session: frame.toolContext.session,
      output,
      text,
      filesystem: frame.toolContext.resources.getOptional(FilesystemKey),
      adapter: frame.adapter,
      prompt: frame.rendered.name,
    };
    const result = await this.spec.checker.check(context);
    if (result.complete) return undefined;
    return result.feedback?.trim() || "the task completion check did not pass";
  }
}

/**
 * A gate for the frame's prompt, or undefined when its template has no completion check.
 * `limitReached` defaults to {@link frameLimitReached}.
 */
export function completionGate(
  frame: EvaluationFrame<unknown>,
  limitReached?: () => boolean,
): CompletionGate | undefined {
  const spec = frame.rendered.taskCompletion;
  if (!spec) return undefined;
  return new CompletionGate(spec, frame, limitReached ?? (() => frameLimitReached(frame)));
}

/** The message that sends the model back to work. */
export function continuationMessage(feedback: string): string {
  return `Your task is not complete: ${trimEnd(feedback)}. Continue working; answer again when done.`;
}

function trimEnd(text: string): string {
  return text.trim().replace(/[.\s]+$/, "");
}

/** Where the frame's feedback providers run, or undefined when its template has none. */
export function feedbackScope(frame: EvaluationFrame<unknown>): FeedbackScope | undefined {
  const providers = frame.rendered.feedback;
  if (providers.length === 0) return undefined;
  return {
    session: frame.toolContext.session,
    promptName: frame.rendered.name,
    adapter: frame.adapter,
    clock: frame.clock,
    deadline: frame.deadline,
    filesystem: frame.toolContext.resources.getOptional(FilesystemKey),
    providers,
    log: frame.log,
  };
}

/** True when the frame's deadline passed or its budget is spent (usage already recorded). */
export function frameLimitReached(frame: EvaluationFrame<unknown>): boolean {
  if (frame.deadline?.expired()) return true;
  if (!frame.tracker) return false;
  try {
    frame.tracker.check();
    return false;
  } catch {
    return true;
  }
}
