/**
 * Handling one queue message end to end: read the envelope, run the request, write the debug
 * bundle (see `bundle-recorder.ts`), then settle (see `settle.ts`). Takes everything it needs as explicit inputs, so it
 * holds no reference back to the loop that calls it.
 */

import type { z } from "zod";
import type { PromptResponse } from "../../adapters/types.js";
import type { TokenUsage } from "../../budget.js";
import { Deadline } from "../../deadline.js";
import type { BundleConfig } from "../../debug/bundle.js";
import { BudgetExceededError, DeadlineExceededError } from "../../errors.js";
import { getLogger } from "../../logging/index.js";
import type { ResourceRegistry } from "../../resources/index.js";
import { createRunContext, type RunContext } from "../../run-context.js";
import { formatIssues, schemaIssues } from "../../schema.js";
import type { Session } from "../../session/index.js";
import { ATTR, startSpan, type WinkSpan } from "../../telemetry/index.js";
import { MailboxSerializationError } from "../mailbox/errors.js";
import type { Message } from "../mailbox/types.js";
import { BundleRecorder } from "./bundle-recorder.js";
import { RequestInterruptedError } from "./interrupted.js";
import type { MessageLease } from "./lease-extender.js";
import type { BudgetState, ExecuteOptions } from "./options.js";
import {
  type Attempt,
  replyAndAcknowledge,
  returnInterrupted,
  type SettleTarget,
  settleFailure,
} from "./settle.js";
import type { MainLoopRequest, MainLoopResult } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

/** An attempt whose envelope was read: it has its request id and run context. */
type StartedAttempt = Attempt & Required<Pick<Attempt, "requestId" | "runContext">>;

/** What {@link handleMessage} needs from the loop. */
export interface MessageHandling<Req, Out> extends SettleTarget {
  /** Schema of the whole envelope; a body that fails it is dead-lettered at once. */
  readonly envelopeSchema: z.ZodType<MainLoopRequest<Req>>;
  readonly workerId: string;
  /** The loop's heartbeat: every step of a request also counts as the loop being alive. */
  readonly beat: () => void;
  /** Runs one request (prepare, evaluate, finalize). */
  readonly execute: (
    request: Req,
    options: ExecuteOptions,
  ) => Promise<{ readonly response: PromptResponse<Out>; readonly session: Session }>;
  readonly debugBundle?: BundleConfig | undefined;
  /** The loop's resources: a bound `Filesystem` instance is captured in bundles. */
  readonly resources?: ResourceRegistry | undefined;
  /** The loop's effective settings, recorded in bundles. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Aborts when the worker starts shutting down; passed on as `ExecuteOptions.stopping`. */
  readonly stopping?: AbortSignal | undefined;
}

/**
 * Process one message to a settled state. Never throws. `lease` is extended by this request's
 * own progress only, so a hung request is not kept alive by the others. `onSettling` runs once,
 * when the outcome is known and only the reply and the acknowledgement (or nack, or dead letter)
 * are left.
 */
export async function handleMessage<Req, Out>(
  loop: MessageHandling<Req, Out>,
  message: Message<unknown, MainLoopResult<Out>>,
  lease: MessageLease,
  onSettling: () => void = () => {},
): Promise<void> {
  const startedMs = loop.clock.monotonic();
  const parsed = loop.envelopeSchema.safeParse(message.body);
  if (message.bodyError !== undefined || !parsed.success) {
    await rejectUnreadable(loop, message, startedMs, parsed.error, lease, onSettling);
    return;
  }
  const envelope: MainLoopRequest<Req> = parsed.data;
  const requestId = envelope.requestId ?? message.id;
  // The request's span continues the sender's trace; below it, the run context names the span.
  const span = requestSpan(loop.loop, requestId, message.deliveryCount, envelope.runContext);
  const runContext = requestRunContext(
    loop.workerId,
    requestId,
    message.deliveryCount,
    span ?? envelope.runContext,
  );
  const attempt = { message, startedMs, requestId, runContext };
  const recorder = loop.debugBundle
    ? new BundleRecorder(loop, loop.debugBundle, attempt, envelope)
    : undefined;
  logReceived(loop.loop, message, requestId);
  // This request's progress extends its own lease and also counts as the loop's heartbeat.
  const progress = (): void => {
    lease.beat();
    loop.beat();
  };
  // What the request spent, for the reply (and, through the recorder's hook, the bundle).
  let spent: BudgetState | undefined;
  const hooks = recorder?.hooks;
  const onBudget = (state: BudgetState): void => {
    spent = state;
    hooks?.onBudget?.(state);
  };
  try {
    const deadline = deadlineOf(envelope, requestId, loop.clock);
    const { response, session } = await loop.execute(
      envelope.request,
      executeOptions(envelope, attempt, deadline, progress, hooks, onBudget, loop.stopping),
    );
    const bundlePath = await recorder?.write({ output: response.output, session });
    onSettling();
    await replyAndAcknowledge(
      loop,
      attempt,
      successResult(loop.clock, attempt, response, session, bundlePath, spent),
    );
    span?.setAttributes({ [ATTR.WINK_COST_USD]: spending(spent, response).costUsd });
    span?.end();
  } catch (error) {
    // Given back for shutdown (only then: thrown otherwise, it is a failure like any other).
    // Not a failure: no bundle, and the span ends without an error; another worker runs it.
    if (error instanceof RequestInterruptedError && loop.stopping?.aborted) {
      span?.end();
      onSettling();
      await returnInterrupted(loop, attempt, error);
      return;
    }
    span?.end(error);
    const bundlePath = await recorder?.write({ error });
    const final = neverSucceeds(loop.dlq, error);
    onSettling();
    await settleFailure(loop, { ...attempt, bundlePath, ...spending(spent, undefined) }, error, final);
  } finally {
    recorder?.stop();
    lease.release();
  }
}

/**
 * Settle a message whose body is no request of this loop: the mailbox could not read it (not
 * JSON), or it fails the envelope schema. It can never succeed, so it fails as final (with a DLQ
 * policy, dead-lettered with that reason) and skips retries.
 */
async function rejectUnreadable(
  loop: SettleTarget,
  message: Message<unknown, MainLoopResult<unknown>>,
  startedMs: number,
  schemaError: z.ZodError | undefined,
  lease: MessageLease,
  onSettling: () => void,
): Promise<void> {
  const error = message.bodyError ?? invalidEnvelope(message.id, loop.mailbox, schemaError);
  onSettling();
  await settleFailure(loop, { message, startedMs }, error, true);
  lease.release();
}

/** The run context of one delivery, carrying the trace (the request's span, else the sender's). */
function requestRunContext(
  workerId: string,
  requestId: string,
  attempt: number,
  trace: { readonly traceId?: string | undefined; readonly spanId?: string | undefined } | undefined,
): RunContext {
  return createRunContext({
    requestId,
    attempt,
    workerId,
    ...(trace?.traceId ? { traceId: trace.traceId } : {}),
    ...(trace?.spanId ? { spanId: trace.spanId } : {}),
  });
}

/** Logs the start of a request, at DEBUG only. */
function logReceived(loop: string, message: Message<unknown, unknown>, requestId: string): void {
  // DEBUG: at INFO a worker logs one line per request already (adapter.evaluate.complete), plus
  // every retry, dead letter and failure.
  if (log.isEnabled("debug")) {
    log.debug("main_loop.message_received", "Processing a request.", {
      loop,
      messageId: message.id,
      requestId,
      attempt: message.deliveryCount,
    });
  }
}

/** The `execute` options of one delivery: the envelope's limits, this attempt's hooks. */
function executeOptions<Req>(
  envelope: MainLoopRequest<Req>,
  attempt: StartedAttempt,
  deadline: Deadline | undefined,
  heartbeat: () => void,
  hooks: Partial<ExecuteOptions> | undefined,
  onBudget: (state: BudgetState) => void,
  stopping: AbortSignal | undefined,
): ExecuteOptions {
  return {
    ...(stopping ? { stopping } : {}),
    requestId: attempt.requestId,
    runContext: attempt.runContext,
    ...(deadline ? { deadline } : {}),
    ...(envelope.budget ? { budget: envelope.budget } : {}),
    ...(envelope.experiment ? { experiment: envelope.experiment } : {}),
    heartbeat,
    attempt: attempt.message.deliveryCount,
    ...hooks,
    // After the hooks: it feeds the recorder's own `onBudget` itself.
    onBudget,
  };
}

/** The reply to a request that succeeded. */
function successResult<Out>(
  clock: SettleTarget["clock"],
  attempt: StartedAttempt,
  response: PromptResponse<Out>,
  session: Session,
  bundlePath: string | undefined,
  spent: BudgetState | undefined,
): MainLoopResult<Out> {
  return {
    requestId: attempt.requestId,
    success: true,
    output: response.output,
    sessionId: session.sessionId,
    runId: attempt.runContext.runId,
    attempt: attempt.message.deliveryCount,
    completedAt: clock.now().toISOString(),
    ...(bundlePath ? { bundlePath } : {}),
    ...spending(spent, response),
  };
}

/**
 * True when a failed request must not be retried. A request whose own deadline passed before it
 * started can never succeed, and one that overspent its budget would spend it again on every
 * retry: neither is retried (unless the DLQ policy excludes budget errors, which asks for retries).
 */
function neverSucceeds(dlq: SettleTarget["dlq"], error: unknown): boolean {
  const expired = error instanceof DeadlineExceededError && error.details.expiredOnArrival === true;
  const overspent = error instanceof BudgetExceededError && dlq?.excludes(error) !== true;
  return expired || overspent;
}

/** The `wink.request` span of one delivery (tracing on only), under the envelope's trace context. */
function requestSpan(
  loop: string,
  requestId: string,
  attempt: number,
  carried: { readonly traceId?: string | undefined; readonly spanId?: string | undefined } | undefined,
): WinkSpan | undefined {
  return startSpan("wink.request", {
    kind: "consumer",
    parent: carried?.traceId ? { traceId: carried.traceId, spanId: carried.spanId ?? "" } : undefined,
    attributes: { [ATTR.WINK_LOOP]: loop, [ATTR.WINK_REQUEST_ID]: requestId, [ATTR.WINK_ATTEMPT]: attempt },
  });
}

/** Usage and cost for a reply: the request's budget totals, else the one evaluation's figures. */
function spending(
  spent: BudgetState | undefined,
  response: { readonly usage: TokenUsage; readonly costUsd?: number | undefined } | undefined,
): { usage?: TokenUsage; costUsd?: number } {
  if (spent) {
    const { totalTokens: _total, ...usage } = spent.consumed;
    return spent.consumedUsd === undefined ? { usage } : { usage, costUsd: spent.consumedUsd };
  }
  if (!response) return {};
  return response.costUsd === undefined
    ? { usage: response.usage }
    : { usage: response.usage, costUsd: response.costUsd };
}

/** The request's own deadline, if it names one; throws when it has already passed. */
function deadlineOf<Req>(
  envelope: MainLoopRequest<Req>,
  requestId: string,
  clock: MessageHandling<Req, unknown>["clock"],
): Deadline | undefined {
  if (!envelope.deadline) return undefined;
  const at = Date.parse(envelope.deadline);
  if (at <= clock.epochMs()) throw expiredRequestError(requestId, envelope.deadline);
  return new Deadline(at, clock);
}

/** The error of a message whose body is JSON but not a request envelope of this loop. */
function invalidEnvelope(
  messageId: string,
  mailbox: string,
  error: z.ZodError | undefined,
): MailboxSerializationError {
  const issues = error === undefined ? "" : `:\n${formatIssues(schemaIssues(error))}`;
  return new MailboxSerializationError(
    `Message ${messageId} in "${mailbox}" is not a valid request envelope${issues}\n` +
      `Send { request, requestId? } with a request that matches the loop's schema.`,
    { details: { mailbox, messageId } },
  );
}

/** Raised when a request's own deadline has already passed when it is picked up. */
export function expiredRequestError(requestId: string, deadline: string): DeadlineExceededError {
  return new DeadlineExceededError(
    `Request ${requestId} has deadline ${deadline}, which passed before a worker picked it up. Send it with a later deadline.`,
    { details: { requestId, deadline, expiredOnArrival: true } },
  );
}
