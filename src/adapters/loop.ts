/**
 * The shared tool-call loop behind every HTTP adapter: render → call the provider → run tool
 * calls → repeat until the model answers → parse structured output (with one repair turn).
 *
 * Limits are enforced where they bite: the deadline and the caller's signal abort the in-flight
 * request; usage is recorded and the budget checked after every provider response and after
 * every batch of tool calls; the number of turns is capped.
 *
 * A template's task completion check runs on every final answer: an incomplete one goes back to
 * the model as a user message, up to its continuation limit. Its feedback providers run after
 * every batch of tool calls, and their text rides on the batch's last tool result.
 */

import { addUsage, type TokenUsage } from "../budget.js";
import type { Clock } from "../clock.js";
import type { Deadline } from "../deadline.js";
import { OutputParseError } from "../errors.js";
import { type Dispatcher, ModelCalled, ModelRetried, wants } from "../events/index.js";
import type { Logger } from "../logging/index.js";
import { runToolCall } from "../prompt/executor.js";
import {
  collectFeedback,
  type EvaluablePrompt,
  type FeedbackScope,
  parseStructuredOutput,
  type RenderedPrompt,
  type ToolCall,
  type ToolExecution,
  type ToolExecutionContext,
  validateOutput,
} from "../prompt/index.js";
import { formatIssues } from "../schema.js";
import type { WinkSpan } from "../telemetry/index.js";
import { Checkpointer, INTERRUPTED_NOTE, type ResumePoint, resumePoint } from "./checkpoint.js";
import { PromptEvaluationError } from "./errors.js";
import { evaluationPrice } from "./evaluation-price.js";
import { type EvaluationFrame, openEvaluation } from "./frame.js";
import { type CompletionGate, completionGate, feedbackScope } from "./guidance.js";
import { costOf, type ModelPrice } from "./pricing.js";
import { callProvider } from "./provider-call.js";
import { type ThrottleOptions, throttlePolicy } from "./throttle.js";
import type {
  EvaluateOptions,
  LoopOptions,
  ModelTurn,
  PromptResponse,
  ProviderConversation,
  ProviderDriver,
  ToolOutcome,
} from "./types.js";

/** Evaluate `prompt` with `driver` through the shared loop. */
export async function runEvaluation<Output>(
  driver: ProviderDriver,
  prompt: EvaluablePrompt<Output>,
  options: EvaluateOptions,
  loop: LoopOptions = {},
): Promise<PromptResponse<Output>> {
  await using frame = openEvaluation(prompt, options, {
    adapter: driver.name,
    model: driver.model,
    clock: loop.clock,
  });
  try {
    return await evaluateInFrame(frame, driver, prompt, options, loop);
  } catch (error) {
    frame.fail(error);
    throw error;
  }
}

/** The turns of one evaluation, inside its open frame. */
async function evaluateInFrame<Output>(
  frame: EvaluationFrame<Output>,
  driver: ProviderDriver,
  prompt: EvaluablePrompt<Output>,
  options: EvaluateOptions,
  loop: LoopOptions,
): Promise<PromptResponse<Output>> {
  const { signal, tracker, beat } = frame;
  const { state, resumed } = loopState(frame, driver, prompt, options, loop);
  const throttle = throttleOptions(driver, loop, frame, state.measured);
  const maxTurns = loop.maxTurns ?? 32;
  const maxRepairs = loop.maxRepairs ?? 1;
  // The evaluation's own signal, lent to one request at a time: SDKs add an abort listener per
  // request to the signal they are given (the `openai` client never removes it), and the lender
  // removes them once each turn's request (with its retries) settled.
  const { requests } = frame;
  const request = (): Promise<ModelTurn> => state.conversation.next(requests.lend());

  let first = 1;
  if (resumed) {
    first = resumed.turn + 1;
    await finishInterruptedTurn(state, resumed, frame.toolContext);
    state.conversation.addUserMessage(INTERRUPTED_NOTE);
  }
  for (let turnNumber = first; turnNumber <= maxTurns; turnNumber++) {
    beat();
    if (frame.aborted) throw signal.reason;
    let turn: ModelTurn;
    try {
      turn = await callProvider(state, signal, request, throttle);
    } finally {
      // Listeners the SDK left on the signal during this turn's attempts go with the loan.
      requests.reclaim();
    }
    state.usage = addUsage(state.usage, turn.usage);
    if (state.price && state.costUsd !== undefined) state.costUsd += costOf(turn.usage, state.price);
    tracker?.recordCumulative(state.evaluationId, state.usage, state.costUsd);
    tracker?.check();

    if (turn.toolCalls.length > 0) {
      const running = runToolCalls(state, turn.toolCalls, [], frame.toolContext, turnNumber);
      if (running) await running;
      tracker?.check();
      continue;
    }
    const answer = acceptAnswer(state, turn, maxRepairs);
    if (answer.repaired) continue;
    const text = turn.text === "" ? undefined : turn.text;
    if (state.completion && (await continues(state.completion, state, answer.output, text))) continue;
    return frame.complete(
      { text, output: answer.output as Output, usage: state.usage, costUsd: state.costUsd },
      state.completion
        ? { repairs: state.repairs, continuations: state.completion.continuations }
        : { repairs: state.repairs },
    );
  }
  throw new PromptEvaluationError(
    `Prompt "${prompt.name}" did not finish within ${maxTurns} model turns. Raise maxTurns or give the model clearer stopping criteria.`,
    { phase: "response", promptName: prompt.name },
  );
}

/**
 * The state of one evaluation's turns: a new conversation, or the one a checkpoint resumes (then
 * also where it resumes). Throws before anything else when a dollar budget cannot be priced.
 */
function loopState<Output>(
  frame: EvaluationFrame<Output>,
  driver: ProviderDriver,
  prompt: EvaluablePrompt<Output>,
  options: EvaluateOptions,
  loop: LoopOptions,
): { state: LoopState; resumed: ResumePoint | undefined } {
  const rendered = frame.rendered as RenderedPrompt<unknown>;
  const price = evaluationPrice(driver, loop, frame.tracker, prompt.name);
  const resumed = resumePoint(options, driver, rendered);
  const state: LoopState = {
    driver,
    rendered,
    conversation: resumed?.conversation ?? driver.start(rendered),
    evaluationId: frame.evaluationId,
    usage: resumed?.usage ?? {},
    costUsd: price ? (resumed?.costUsd ?? 0) : undefined,
    price,
    repairs: 0,
    log: frame.log,
    clock: frame.clock,
    completion: completionGate(frame),
    feedback: feedbackScope(frame),
    measured: wants(options.session.dispatcher, ModelCalled) ? options.session.dispatcher : undefined,
    checkpoints: Checkpointer.of(options, driver, prompt.name),
    span: frame.span,
  };
  return { state, resumed };
}

/** The retry settings of every request of one evaluation, built once rather than per turn. */
function throttleOptions(
  driver: ProviderDriver,
  loop: LoopOptions,
  frame: { readonly clock: Clock; readonly deadline: Deadline | undefined; readonly signal: AbortSignal },
  measured: Dispatcher | undefined,
): ThrottleOptions {
  const { clock } = frame;
  const options: ThrottleOptions = {
    classify: (error) => driver.classifyError(error, clock.epochMs()),
    policy: throttlePolicy(loop.throttle),
    clock,
    deadline: frame.deadline,
    signal: frame.signal,
    describe: `${driver.name} ${driver.model}`,
  };
  if (!measured || !wants(measured, ModelRetried)) return options;
  return {
    ...options,
    onRetry: (retry) => {
      measured.dispatch(
        ModelRetried.create({
          adapter: driver.name,
          model: driver.model,
          kind: retry.kind,
          ...(retry.status === undefined ? {} : { status: retry.status }),
          attempt: retry.attempt,
          delayMs: retry.delayMs,
        }),
      );
    },
  };
}

/**
 * Run the turn's tool calls in order (skipping those in `done`, which ran in an earlier attempt)
 * and hand their results to the conversation. With checkpoints, progress is saved before the
 * first call and after each one, so a crash never runs a finished call again. Returns nothing
 * when every call finished synchronously (the common case without checkpoints), else a promise.
 */
function runToolCalls(
  state: LoopState,
  calls: readonly ToolCall[],
  done: readonly ToolOutcome[],
  toolContext: ToolExecutionContext,
  turnNumber: number,
): Promise<void> | undefined {
  if (state.log.isEnabled("debug")) {
    state.log.debug("adapter.evaluate.tool_calls", "Model requested tools.", {
      count: calls.length,
      turn: turnNumber,
    });
  }
  const outcomes: ToolOutcome[] = done.length === 0 ? [] : [...done];
  if (state.checkpoints || state.feedback) {
    return runToolCallsAsync(state, calls, done, outcomes, toolContext, turnNumber);
  }
  for (let index = 0; index < calls.length; index++) {
    const call = calls[index] as ToolCall;
    if (done.length > 0 && done.some((outcome) => sameCall(outcome.call, call))) continue;
    const execution = runToolCall(call, toolContext);
    if (execution instanceof Promise) {
      // The rest goes async from this call on; the ones before it are in `outcomes` already.
      return execution.then((settled) => {
        outcomes.push(outcomeOf(call, settled));
        return runToolCallsAsync(state, calls.slice(index + 1), done, outcomes, toolContext, turnNumber);
      });
    }
    outcomes.push(outcomeOf(call, execution));
  }
  state.conversation.addToolResults(outcomes);
  return undefined;
}

/**
 * {@link runToolCalls} awaiting each call, with checkpoints and feedback: runs `calls` (but those
 * in `done`) and adds their outcomes to `outcomes`, which may hold earlier ones already.
 */
async function runToolCallsAsync(
  state: LoopState,
  calls: readonly ToolCall[],
  done: readonly ToolOutcome[],
  outcomes: ToolOutcome[],
  toolContext: ToolExecutionContext,
  turnNumber: number,
): Promise<void> {
  const save = state.checkpoints ? () => saveProgress(state, turnNumber, calls, outcomes) : undefined;
  if (save && done.length === 0) await save();
  for (const call of calls) {
    if (done.some((outcome) => sameCall(outcome.call, call))) continue;
    let execution = runToolCall(call, toolContext);
    if (execution instanceof Promise) execution = await execution;
    outcomes.push(outcomeOf(call, execution));
    if (save) await save();
  }
  if (state.feedback) await attachFeedback(state.feedback, outcomes);
  state.conversation.addToolResults(outcomes);
  if (state.checkpoints) await saveProgress(state, turnNumber, [], []);
}

function outcomeOf(call: ToolCall, execution: ToolExecution): ToolOutcome {
  return { call, output: execution.output, isError: !execution.result.success };
}

/** On resume: run what the interrupted turn left undone, or nothing when it had finished. */
async function finishInterruptedTurn(
  state: LoopState,
  resumed: ResumePoint,
  toolContext: ToolExecutionContext,
): Promise<void> {
  if (resumed.pending.length === 0) return;
  await runToolCalls(state, resumed.pending, resumed.done, toolContext, resumed.turn);
}

function sameCall(a: ToolCall, b: ToolCall): boolean {
  return a.id !== undefined ? a.id === b.id : a.name === b.name && a.arguments === b.arguments;
}

function saveProgress(
  state: LoopState,
  turn: number,
  pending: readonly ToolCall[],
  done: readonly ToolOutcome[],
): Promise<void> {
  return (
    state.checkpoints?.save(state.conversation, {
      turn,
      pending,
      done: [...done],
      usage: state.usage,
      costUsd: state.costUsd,
    }) ?? Promise.resolve()
  );
}

/** Append the feedback due after this batch, if any, to the batch's last tool result. */
async function attachFeedback(scope: FeedbackScope, outcomes: ToolOutcome[]): Promise<void> {
  const text = await collectFeedback(scope);
  const last = outcomes.at(-1);
  if (text === undefined || !last) return;
  outcomes[outcomes.length - 1] = { ...last, output: `${last.output}\n\n${text}` };
}

/**
 * Whether an answer goes back to the model: incomplete with a continuation left. Throws when it
 * is incomplete and none is left.
 */
async function continues(
  gate: CompletionGate,
  state: LoopState,
  output: unknown,
  text: string | undefined,
): Promise<boolean> {
  const verdict = await gate.review(output, text);
  if (verdict.kind === "accept") return false;
  if (verdict.kind === "exhausted") throw gate.error(verdict.feedback);
  state.conversation.addUserMessage(verdict.message);
  return true;
}

/**
 * The typed final answer, or, when it fails the output schema and a repair is left, the repair
 * request sent back to the model.
 */
function acceptAnswer(
  state: LoopState,
  turn: ModelTurn,
  maxRepairs: number,
): { readonly repaired: true } | { readonly repaired: false; readonly output: unknown } {
  try {
    return { repaired: false, output: finalOutput(state.rendered, turn) };
  } catch (err) {
    if (!(err instanceof OutputParseError) || state.repairs >= maxRepairs) throw err;
    state.repairs++;
    state.log.info(
      "adapter.evaluate.repair",
      "Final answer failed the output schema; asking the model to fix it.",
      { issues: err.issues.length },
    );
    state.conversation.addUserMessage(repairMessage(err));
    return { repaired: true };
  }
}

interface LoopState {
  readonly driver: ProviderDriver;
  readonly rendered: RenderedPrompt<unknown>;
  readonly conversation: ProviderConversation;
  readonly evaluationId: string;
  usage: TokenUsage;
  /** Dollars spent so far; undefined when the model has no price. */
  costUsd: number | undefined;
  readonly price: ModelPrice | undefined;
  repairs: number;
  readonly log: Logger;
  /** Times model calls for the DEBUG `provider.response` record (a bundle's transcript). */
  readonly clock: Clock;
  /** The template's completion check; undefined when it has none (the common, free case). */
  readonly completion: CompletionGate | undefined;
  /** Where feedback providers run; undefined when the template has none. */
  readonly feedback: FeedbackScope | undefined;
  /** The dispatcher that wants `ModelCalled` events, when one does. */
  readonly measured: Dispatcher | undefined;
  /** Saves progress after each step, when the caller asked for checkpoints. */
  readonly checkpoints: Checkpointer | undefined;
  /** The evaluation's span (tracing on only). */
  readonly span: WinkSpan | undefined;
}

function finalOutput(rendered: RenderedPrompt<unknown>, turn: ModelTurn): unknown {
  if (!rendered.output) return undefined;
  if (turn.structured !== undefined) return validateOutput(turn.structured, rendered.output, turn.text);
  return parseStructuredOutput(turn.text, rendered.output);
}

function repairMessage(err: OutputParseError): string {
  return `Your final answer did not match the required output schema:\n${formatIssues(err.issues)}\nReply again with only the corrected JSON.`;
}
