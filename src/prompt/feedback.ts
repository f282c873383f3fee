/**
 * Feedback providers: soft guidance delivered to an unattended agent while it works. After each
 * batch of tool calls the adapter runs {@link collectFeedback}: every configured provider whose
 * trigger is due (every N tool calls, every N seconds) may produce a {@link Feedback}; the first
 * one that does is stored in the session and its text reaches the model with the tool results
 * (appended to the last tool result on the HTTP adapters, as `additionalContext` of Claude Code's
 * `PostToolUse` hook). Feedback never blocks anything; the model decides what to do with it.
 *
 * Trigger state lives in the session: a provider's "since last feedback" counts the `ToolInvoked`
 * events and the time since its own last `Feedback` for the same prompt.
 *
 * @example
 * ```ts
 * import { DeadlineFeedback, MarkdownSection, PromptTemplate, StaticFeedback } from "weakincentives/prompt";
 *
 * const template = new PromptTemplate({
 *   ns: "examples",
 *   key: "migrate",
 *   sections: [new MarkdownSection({ key: "task", title: "Task", template: "Migrate the repo." })],
 *   feedback: [
 *     { provider: new DeadlineFeedback(), trigger: { everyCalls: 1 } },
 *     { provider: new StaticFeedback({ summary: "Re-read the task list." }), trigger: { everyCalls: 10 } },
 *   ],
 * });
 * ```
 */

import { z } from "zod";
import type { Clock } from "../clock.js";
import { type Data, type DataOf, defineType } from "../data-type.js";
import type { Deadline } from "../deadline.js";
import { PromptValidationError } from "../errors.js";
import { PromptRendered, ToolInvoked } from "../events/index.js";
import type { Filesystem } from "../filesystem/index.js";
import type { Logger } from "../logging/index.js";
import type { Session } from "../session/index.js";

/** How urgent a piece of feedback is. */
export type FeedbackSeverity = "info" | "caution" | "warning";

/** Feedback delivered to the model, as stored in the session (one value per delivery). */
export const Feedback = defineType(
  "Feedback",
  z.object({
    providerName: z.string(),
    promptName: z.string(),
    summary: z.string(),
    suggestions: z.array(z.string()),
    severity: z.enum(["info", "caution", "warning"]),
    /** ISO-8601 UTC time of delivery. */
    createdAt: z.string(),
    /** The prompt's tool calls in the session when it was delivered (the base of `everyCalls`). */
    toolCalls: z.number().int().nonnegative(),
  }),
);

/** The value type of {@link Feedback}. */
export type FeedbackRecord = DataOf<typeof Feedback>;

/** What a provider returns; the collector stamps the provider, prompt and time. */
export interface FeedbackContent {
  readonly summary: string;
  readonly suggestions?: readonly string[];
  /** Default `"info"`. */
  readonly severity?: FeedbackSeverity;
}

/** When a provider is considered. Conditions are OR'd; give at least one. */
export interface FeedbackTrigger {
  /** After this many tool calls since the provider's last feedback (or since the start). */
  readonly everyCalls?: number;
  /** After this many seconds since the provider's last feedback (or since the evaluation began). */
  readonly everySeconds?: number;
}

/** What a provider sees. "Last feedback" means this provider's, for this prompt. */
export interface FeedbackContext {
  readonly session: Session;
  readonly promptName: string;
  readonly adapter: string;
  readonly clock: Clock;
  /** The evaluation's deadline, if it has one. */
  readonly deadline: Deadline | undefined;
  /** The `Filesystem` bound under `FilesystemKey`, if any. */
  readonly filesystem: Filesystem | undefined;
  /** This provider's most recent feedback for this prompt. */
  readonly lastFeedback: Data<FeedbackRecord> | undefined;
  /** Tool calls of this prompt recorded in the session. */
  readonly toolCallCount: number;
  /** Tool calls of this prompt since this provider's last feedback (all of them before the first). */
  readonly toolCallsSinceLastFeedback: number;
  /** The last `n` tool calls of this prompt, oldest first. */
  recentToolCalls(n: number): readonly Data<DataOf<typeof ToolInvoked>>[];
}

/** Produces feedback from the agent's trajectory. */
export interface FeedbackProvider {
  /** Unique among the prompt's providers; keys its feedback in the session. */
  readonly name: string;
  /** Extra filtering after the trigger fired; default: run. */
  shouldRun?(context: FeedbackContext): boolean | Promise<boolean>;
  /** The feedback, or undefined for nothing to say (the next provider is asked). */
  provide(context: FeedbackContext): FeedbackContent | undefined | Promise<FeedbackContent | undefined>;
}

/** One entry of the `feedback` template option. */
export interface FeedbackProviderConfig {
  readonly provider: FeedbackProvider;
  readonly trigger: FeedbackTrigger;
}

/** Validate the `feedback` template option: triggers are positive and names unique. */
export function feedbackConfigs(
  configs: readonly FeedbackProviderConfig[],
  prompt: string,
): readonly FeedbackProviderConfig[] {
  const names = new Set<string>();
  for (const { provider, trigger } of configs) {
    const name = provider?.name;
    if (typeof name !== "string" || name === "" || typeof provider.provide !== "function") {
      throw new PromptValidationError(
        `Prompt "${prompt}" feedback entry needs a provider with a name and a provide(context) method.`,
        { details: { prompt } },
      );
    }
    if (names.has(name)) {
      throw new PromptValidationError(
        `Prompt "${prompt}" has two feedback providers named "${name}". Give each its own name (the name keys its feedback in the session).`,
        { details: { prompt, provider: name } },
      );
    }
    names.add(name);
    const { everyCalls, everySeconds } = trigger ?? {};
    const bad =
      (everyCalls !== undefined && !(Number.isInteger(everyCalls) && everyCalls > 0)) ||
      (everySeconds !== undefined && !(Number.isFinite(everySeconds) && everySeconds > 0));
    if (bad || (everyCalls === undefined && everySeconds === undefined)) {
      throw new PromptValidationError(
        `Prompt "${prompt}" feedback provider "${name}" needs a trigger with everyCalls (an integer > 0) and/or everySeconds (> 0), got ${JSON.stringify(trigger)}.`,
        { details: { prompt, provider: name } },
      );
    }
  }
  return Object.freeze(configs.map((config) => Object.freeze({ ...config })));
}

/** Where and for whom {@link collectFeedback} runs. */
export interface FeedbackScope {
  readonly session: Session;
  readonly promptName: string;
  readonly adapter: string;
  readonly clock: Clock;
  readonly deadline: Deadline | undefined;
  readonly filesystem: Filesystem | undefined;
  /** The prompt's providers, in priority order. */
  readonly providers: readonly FeedbackProviderConfig[];
  /** Where a failing provider is reported; it is skipped either way. */
  readonly log?: Logger;
}

/**
 * Run the providers in order and deliver the first feedback produced: store it in the session
 * as a {@link Feedback} and return its text for the model. Undefined when no provider was due
 * or none had anything to say. A provider that throws is logged and skipped: feedback is advice,
 * never a reason to fail the agent.
 */
export async function collectFeedback(scope: FeedbackScope): Promise<string | undefined> {
  const { session, promptName } = scope;
  const calls = session.slice(ToolInvoked).where((call) => call.promptName === promptName);
  const history = session.slice(Feedback).where((f) => f.promptName === promptName);
  const now = scope.clock.epochMs();
  for (const { provider, trigger } of scope.providers) {
    const last = findLast(history, (f) => f.providerName === provider.name);
    const since = calls.length - (last?.toolCalls ?? 0);
    const context: FeedbackContext = {
      session,
      promptName,
      adapter: scope.adapter,
      clock: scope.clock,
      deadline: scope.deadline,
      filesystem: scope.filesystem,
      lastFeedback: last,
      toolCallCount: calls.length,
      toolCallsSinceLastFeedback: since,
      recentToolCalls: (n) => calls.slice(Math.max(0, calls.length - n)),
    };
    if (!due(trigger, since, now - sinceMs(session, promptName, last, calls))) continue;
    let content: FeedbackContent | undefined;
    try {
      if (provider.shouldRun && !(await provider.shouldRun(context))) continue;
      content = await provider.provide(context);
    } catch (error) {
      scope.log?.warning("feedback.provider_failed", "A feedback provider threw; skipped it.", {
        provider: provider.name,
        error: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    if (!content) continue;
    const feedback = Feedback.create({
      providerName: provider.name,
      promptName,
      summary: content.summary,
      suggestions: [...(content.suggestions ?? [])],
      severity: content.severity ?? "info",
      createdAt: scope.clock.now().toISOString(),
      toolCalls: calls.length,
    });
    session.dispatch(feedback);
    return formatFeedback(feedback);
  }
  return undefined;
}

function due(trigger: FeedbackTrigger, calls: number, elapsedMs: number): boolean {
  if (trigger.everyCalls !== undefined && calls >= trigger.everyCalls) return true;
  return trigger.everySeconds !== undefined && elapsedMs >= trigger.everySeconds * 1000;
}

/** When the provider's clock started: its last feedback, else the evaluation's start. */
function sinceMs(
  session: Session,
  promptName: string,
  last: FeedbackRecord | undefined,
  calls: readonly DataOf<typeof ToolInvoked>[],
): number {
  if (last) return Date.parse(last.createdAt);
  const rendered = findLast(session.slice(PromptRendered).all(), (r) => r.promptName === promptName);
  const start = rendered?.createdAt ?? calls[0]?.createdAt;
  return start === undefined ? Number.POSITIVE_INFINITY : Date.parse(start);
}

function findLast<T>(items: readonly T[], predicate: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as T;
    if (predicate(item)) return item;
  }
  return undefined;
}

/** The text the model receives for `feedback`. */
export function formatFeedback(feedback: FeedbackRecord): string {
  const lines = [`[Feedback from ${feedback.providerName} (${feedback.severity})] ${feedback.summary}`];
  for (const suggestion of feedback.suggestions) lines.push(`- ${suggestion}`);
  return lines.join("\n");
}
