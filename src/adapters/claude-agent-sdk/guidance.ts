/**
 * Task completion and feedback on Claude Code, through its hooks (behaviour checked against the
 * real CLI):
 *
 * - Free-text prompts: the `Stop` hook runs the checker on the last assistant message; answering
 *   `decision: "block"` with a `reason` makes Claude Code send the reason to the model as
 *   "Stop hook feedback" and continue.
 * - Structured output: once the model calls `StructuredOutput` the CLI ends the run, and neither
 *   a `Stop` block nor a `PostToolUse` block changes that. So the check runs in `PreToolUse` on
 *   the `StructuredOutput` call, with the call's input as the tentative output; denying it sends
 *   the reason back as the call's error result and the model works on, then submits again.
 * - Feedback: `PostToolUse` (and `PostToolUseFailure`) answer with
 *   `hookSpecificOutput.additionalContext`, which reaches the model in its next request.
 *
 * When the continuations are used up the hooks let the run end; the adapter's final
 * verification then fails the evaluation.
 */

import type { HookJSONOutput } from "@anthropic-ai/claude-agent-sdk";
import { collectFeedback, type FeedbackScope, type OutputSpec, validateOutput } from "../../prompt/index.js";
import type { EvaluationFrame } from "../frame.js";
import { type CompletionGate, completionGate, feedbackScope } from "../guidance.js";

/** What the guidance hooks need from the evaluation; absent parts are skipped. */
export interface HookGuidance {
  readonly completion: CompletionGate | undefined;
  /** Collects the feedback due now; one collection at a time. */
  readonly feedback: (() => Promise<string | undefined>) | undefined;
  /** The prompt's output contract: decides which hook checks completion. */
  readonly output: OutputSpec<unknown> | undefined;
  /** Ends the evaluation with `error` (a checker or provider that throws a WINK error). */
  readonly fail: (error: unknown) => void;
}

const CONTINUE: HookJSONOutput = Object.freeze({});

/**
 * The guidance of one evaluation, or undefined when the template has neither a completion check
 * nor feedback providers. `limitReached` says when checking is pointless (deadline passed,
 * budget spent).
 */
export function hookGuidance(
  frame: EvaluationFrame<unknown>,
  fail: (error: unknown) => void,
  limitReached: () => boolean,
): HookGuidance | undefined {
  const completion = completionGate(frame, limitReached);
  const scope = feedbackScope(frame);
  if (!completion && !scope) return undefined;
  return { completion, feedback: scope && serialized(scope), output: frame.rendered.output, fail };
}

/**
 * Claude Code may run tools in parallel, and their `PostToolUse` hooks with them: collections run
 * one after another, so two hooks never both see a trigger due and deliver the same feedback.
 */
function serialized(scope: FeedbackScope): () => Promise<string | undefined> {
  let last: Promise<unknown> = Promise.resolve();
  return () => {
    const next = last.then(() => collectFeedback(scope));
    last = next.catch(() => undefined);
    return next;
  };
}

/** The `PreToolUse` answer for a `StructuredOutput` call: deny it while the task is incomplete. */
export async function reviewStructuredOutput(
  guidance: HookGuidance,
  input: unknown,
): Promise<HookJSONOutput> {
  const { completion, output } = guidance;
  if (!completion || !output) return CONTINUE;
  let value: unknown;
  try {
    value = validateOutput(input, output);
  } catch {
    // An answer that fails the schema is the CLI's (and then the adapter's) to reject.
    return CONTINUE;
  }
  try {
    const verdict = await completion.review(value, undefined);
    if (verdict.kind !== "continue") return CONTINUE;
    return {
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "deny",
        permissionDecisionReason: verdict.message,
      },
    };
  } catch (error) {
    guidance.fail(error);
    return CONTINUE;
  }
}

/** The `Stop` answer for a free-text prompt: block the stop while the task is incomplete. */
export async function reviewStop(
  guidance: HookGuidance,
  lastMessage: string | undefined,
): Promise<HookJSONOutput> {
  const { completion, output } = guidance;
  // With structured output the check ran on the StructuredOutput call.
  if (!completion || output) return CONTINUE;
  try {
    const verdict = await completion.review(undefined, lastMessage === "" ? undefined : lastMessage);
    return verdict.kind === "continue" ? { decision: "block", reason: verdict.message } : CONTINUE;
  } catch (error) {
    guidance.fail(error);
    return CONTINUE;
  }
}

/** The `PostToolUse`/`PostToolUseFailure` answer: the feedback due after this tool, if any. */
export async function toolFeedback(
  guidance: HookGuidance,
  event: "PostToolUse" | "PostToolUseFailure",
): Promise<HookJSONOutput> {
  if (!guidance.feedback) return CONTINUE;
  const text = await guidance.feedback();
  if (text === undefined) return CONTINUE;
  return { hookSpecificOutput: { hookEventName: event, additionalContext: text } };
}
