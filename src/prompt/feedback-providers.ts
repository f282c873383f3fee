/**
 * Built-in feedback providers: {@link DeadlineFeedback} (time left, as thresholds are crossed),
 * {@link StaticFeedback} (a fixed reminder on a trigger) and {@link FileCreatedFeedback} (once,
 * when a workspace file first appears). Configure them with a trigger in the template's
 * `feedback` option.
 *
 * @example
 * ```ts
 * import { FileCreatedFeedback } from "weakincentives/prompt";
 *
 * const nextStep = new FileCreatedFeedback({
 *   path: "report.md",
 *   next: "check it against the checklist, then give your final answer.",
 * });
 * // feedback: [{ provider: nextStep, trigger: { everyCalls: 1 } }]
 * ```
 */

import { WinkError } from "../errors.js";
import { normalizeWorkspacePath } from "../filesystem/index.js";
import type { FeedbackContent, FeedbackContext, FeedbackProvider, FeedbackSeverity } from "./feedback.js";

/** Options of {@link DeadlineFeedback}. */
export interface DeadlineFeedbackOptions {
  /** Remaining-time thresholds in seconds; one feedback as each is crossed. Default `[600, 120, 30]`. */
  readonly thresholds?: readonly number[];
  /** Default `"deadline"`. */
  readonly name?: string;
}

/**
 * Tells the model how much time is left once the evaluation's deadline comes within a threshold
 * (by default 10 minutes, 2 minutes, 30 seconds), once per threshold crossed. Silent without a
 * deadline. Time is read from the evaluation's clock; which thresholds were already reported is
 * read from the provider's last feedback in the session.
 */
export class DeadlineFeedback implements FeedbackProvider {
  readonly name: string;
  /** Thresholds in milliseconds, largest first. */
  private readonly thresholdsMs: readonly number[];

  constructor(options: DeadlineFeedbackOptions = {}) {
    const thresholds = options.thresholds ?? [600, 120, 30];
    if (thresholds.length === 0 || thresholds.some((t) => !(Number.isFinite(t) && t > 0))) {
      throw new WinkError(
        "invalid_argument",
        `DeadlineFeedback thresholds must be one or more positive numbers of seconds, got ${JSON.stringify(thresholds)}.`,
        { details: { thresholds } },
      );
    }
    this.name = options.name ?? "deadline";
    this.thresholdsMs = Object.freeze([...new Set(thresholds)].sort((a, b) => b - a).map((t) => t * 1000));
  }

  shouldRun(context: FeedbackContext): boolean {
    const { deadline, lastFeedback } = context;
    if (!deadline) return false;
    const now = this.crossed(deadline.remaining());
    if (now === 0) return false;
    if (!lastFeedback) return true;
    return now > this.crossed(deadline.expiresAtMs - Date.parse(lastFeedback.createdAt));
  }

  provide(context: FeedbackContext): FeedbackContent | undefined {
    const remaining = context.deadline?.remaining();
    if (remaining === undefined) return undefined;
    const left = Math.max(0, remaining);
    const toGo = this.thresholdsMs.length - this.crossed(remaining);
    const severity: FeedbackSeverity = toGo === 0 ? "warning" : toGo === 1 ? "caution" : "info";
    const suggestions =
      severity === "warning"
        ? ["Start no new work.", "Give your final answer now with what you have."]
        : severity === "caution"
          ? ["Finish the current step, then wrap up and give your final answer."]
          : ["Plan the remaining work so it fits in the time left."];
    return { summary: `${describeDuration(left)} left before the deadline.`, suggestions, severity };
  }

  /** How many thresholds `remainingMs` is at or below. */
  private crossed(remainingMs: number): number {
    return this.thresholdsMs.filter((t) => remainingMs <= t).length;
  }
}

function describeDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 90) return `About ${seconds} second${seconds === 1 ? "" : "s"}`;
  return `About ${Math.round(seconds / 60)} minutes`;
}

/** Options of {@link StaticFeedback}. */
export interface StaticFeedbackOptions {
  readonly summary: string;
  readonly suggestions?: readonly string[];
  /** Default `"info"`. */
  readonly severity?: FeedbackSeverity;
  /** Default `"static"`; set it to use several instances in one prompt. */
  readonly name?: string;
}

/** The same text every time its trigger fires: a periodic reminder. */
export class StaticFeedback implements FeedbackProvider {
  readonly name: string;
  private readonly content: FeedbackContent;

  constructor(options: StaticFeedbackOptions) {
    if (typeof options.summary !== "string" || options.summary.trim() === "") {
      throw new WinkError(
        "invalid_argument",
        "StaticFeedback needs a non-empty summary: the text the model reads.",
      );
    }
    this.name = options.name ?? "static";
    this.content = Object.freeze({
      summary: options.summary,
      suggestions: Object.freeze([...(options.suggestions ?? [])]),
      severity: options.severity ?? "info",
    });
  }

  provide(): FeedbackContent {
    return this.content;
  }
}

/** Options of {@link FileCreatedFeedback}. */
export interface FileCreatedFeedbackOptions {
  /** Workspace path to watch, e.g. `"report.md"`. */
  readonly path: string;
  /** What the model should do next; the feedback reads "`path` was created; now `next`". */
  readonly next?: string;
  /** Default `"info"`. */
  readonly severity?: FeedbackSeverity;
  /** Default `file_created:<path>`. */
  readonly name?: string;
}

/**
 * Fires once per prompt in a session, at the first check after `path` exists in the evaluation's
 * filesystem, to steer the next step ("report.md was created; now review it"). Silent without a
 * filesystem.
 */
export class FileCreatedFeedback implements FeedbackProvider {
  readonly name: string;
  readonly path: string;
  private readonly content: FeedbackContent;

  constructor(options: FileCreatedFeedbackOptions) {
    this.path = normalizeWorkspacePath(options.path);
    this.name = options.name ?? `file_created:${this.path}`;
    this.content = Object.freeze({
      summary: options.next ? `${this.path} was created; now ${options.next}` : `${this.path} was created.`,
      severity: options.severity ?? "info",
    });
  }

  async shouldRun(context: FeedbackContext): Promise<boolean> {
    if (context.lastFeedback || !context.filesystem) return false;
    return context.filesystem.exists(this.path);
  }

  provide(): FeedbackContent {
    return this.content;
  }
}
