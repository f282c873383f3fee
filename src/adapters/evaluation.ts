/**
 * Plumbing every adapter shares around an evaluation, whichever agent loop runs it (the shared
 * HTTP loop or Claude Code): the telemetry events, the prompt's resource context and the context
 * the tool executor needs.
 */

import type { BudgetTracker, TokenUsage } from "../budget.js";
import { type Clock, isoNow } from "../clock.js";
import type { DataOf } from "../data-type.js";
import type { Deadline } from "../deadline.js";
import { PromptExecuted, PromptRendered } from "../events/index.js";
import { eventId } from "../ids.js";
import type { EvaluablePrompt, RenderedPrompt, ToolExecutionContext } from "../prompt/index.js";
import type { ResourceRegistry } from "../resources/index.js";
import type { EvaluateOptions } from "./types.js";

/** Publish `PromptRendered` for `rendered` on the evaluation's session. */
export function dispatchPromptRendered<Output>(
  adapter: string,
  prompt: EvaluablePrompt<Output>,
  rendered: RenderedPrompt<Output>,
  options: EvaluateOptions,
  clock: Clock,
): void {
  // One literal with `runContext` assigned after, not spread from a helper or with a conditional
  // spread: this runs on every evaluation, and a spread makes V8 build the object field by field
  // in slow dictionary mode.
  const event: { -readonly [K in keyof DataOf<typeof PromptRendered>]: DataOf<typeof PromptRendered>[K] } = {
    eventId: eventId(),
    createdAt: isoNow(clock),
    adapter,
    sessionId: options.session.sessionId,
    promptNs: rendered.ns,
    promptKey: rendered.key,
    promptName: rendered.name,
    renderInputs: prompt.params,
    renderedPrompt: rendered.text,
    descriptor: prompt.descriptor,
  };
  if (options.runContext) event.runContext = options.runContext;
  options.session.dispatch(PromptRendered.create(event));
}

/** Publish `PromptExecuted` (the typed result and cumulative usage) on the session. */
export function dispatchPromptExecuted(
  adapter: string,
  model: string,
  promptName: string,
  result: {
    readonly text: string | undefined;
    readonly output: unknown;
    readonly usage: TokenUsage;
    readonly costUsd?: number | undefined;
  },
  options: EvaluateOptions,
  clock: Clock,
): void {
  // One literal per object with the optional fields assigned after, as in dispatchPromptRendered.
  const executed: { -readonly [K in keyof ExecutedResult]: ExecutedResult[K] } = { promptName };
  if (result.text !== undefined) executed.text = result.text;
  if (result.output !== undefined) executed.output = result.output;
  const event: { -readonly [K in keyof DataOf<typeof PromptExecuted>]: DataOf<typeof PromptExecuted>[K] } = {
    eventId: eventId(),
    createdAt: isoNow(clock),
    adapter,
    sessionId: options.session.sessionId,
    promptName,
    result: executed,
    usage: result.usage,
    model,
  };
  if (options.runContext) event.runContext = options.runContext;
  if (result.costUsd !== undefined) event.costUsd = result.costUsd;
  options.session.dispatch(PromptExecuted.create(event));
}

type ExecutedResult = DataOf<typeof PromptExecuted>["result"];

/** The registry tools resolve from: the prompt's, with the caller's resources over it. */
export function evaluationResources<Output>(
  prompt: EvaluablePrompt<Output>,
  options: EvaluateOptions,
): ResourceRegistry {
  return options.resources ? prompt.resourceRegistry().merge(options.resources) : prompt.resourceRegistry();
}

/** What the tool executor needs for this evaluation. */
export function toolExecutionContext<Output>(fields: {
  readonly adapter: string;
  readonly prompt: EvaluablePrompt<Output>;
  readonly rendered: RenderedPrompt<Output>;
  readonly options: EvaluateOptions;
  readonly resources: ToolExecutionContext["resources"];
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly beat: () => void;
  readonly deadline: Deadline | undefined;
  readonly tracker: BudgetTracker | undefined;
}): ToolExecutionContext {
  const { options, deadline, tracker } = fields;
  return {
    session: options.session,
    resources: fields.resources,
    rendered: fields.rendered as RenderedPrompt<unknown>,
    prompt: fields.prompt,
    adapter: fields.adapter,
    signal: fields.signal,
    clock: fields.clock,
    beat: fields.beat,
    ...(deadline ? { deadline } : {}),
    ...(tracker ? { budgetTracker: tracker } : {}),
    ...(options.runContext ? { runContext: options.runContext } : {}),
  };
}
