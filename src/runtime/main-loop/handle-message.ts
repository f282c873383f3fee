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
import { createRunContext } from "../../run-context.js";
import { formatIssues, schemaIssues } from "../../schema.js";
import type { Session } from "../../session/index.js";
import { ATTR, startSpan, type WinkSpan } from "../../telemetry/index.js";
import { MailboxSerializationError } from "../mailbox/errors.js";
import type { Message } from "../mailbox/types.js";
import { BundleRecorder } from "./bundle-recorder.js";
import type { MessageLease } from "./lease-extender.js";
import type { BudgetState, ExecuteOptions } from "./options.js";
import { replyAndAcknowledge, type SettleTarget, settleFailure } from "./settle.js";
import type { MainLoopRequest, MainLoopResult } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

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
  // A body the mailbox could not read (not JSON) can never succeed: dead-letter it with that reason.
  if (message.bodyError !== undefined || !parsed.success) {
    const error = message.bodyError ?? invalidEnvelope(message.id, loop.mailbox, parsed.error);
    onSettling();
    await settleFailure(loop, { message, startedMs }, error, true);
    lease.release();
    return;
  }
  const envelope: MainLoopRequest<Req> = parsed.data;
  const requestId = envelope.requestId ?? message.id;
  // The request's span continues the sender's trace; below it, the run context names the span.
  const span = requestSpan(loop.loop, requestId, message.deliveryCount, envelope.runContext);
  const trace = span ?? envelope.runContext;
  const runContext = createRunContext({
    requestId,
    attempt: message.deliveryCount,
    workerId: loop.workerId,
    ...(trace?.traceId ? { traceId: trace.traceId } : {}),
    ...(trace?.spanId ? { spanId: trace.spanId } : {}),
  });
  const attempt = { message, startedMs, requestId, runContext };
  const recorder = loop.debugBundle
    ? new BundleRecorder(loop, loop.debugBundle, attempt, envelope)
    : undefined;
  // DEBUG: at INFO a worker logs one line per request already (adapter.evaluate.complete), plus
  // every retry, dead letter and failure.
  if (log.isEnabled("debug")) {
    log.debug("main_loop.message_received", "Processing a request.", {
      loop: loop.loop,
      messageId: message.id,
      requestId,
      attempt: message.deliveryCount,
    });
  }
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
    const { response, session } = await loop.execute(envelope.request, {
      requestId,
      runContext,
      ...(deadline ? { deadline } : {}),
      ...(envelope.budget ? { budget: envelope.budget } : {}),
      ...(envelope.experiment ? { experiment: envelope.experiment } : {}),
      heartbeat: progress,
      attempt: message.deliveryCount,
      ...hooks,
      onBudget,
    });
    const bundlePath = await recorder?.write({ output: response.output, session });
    onSettling();
    await replyAndAcknowledge(loop, attempt, {
      requestId,
      success: true,
      output: response.output,
      sessionId: session.sessionId,
      runId: runContext.runId,
      attempt: message.deliveryCount,
      completedAt: loop.clock.now().toISOString(),
      ...(bundlePath ? { bundlePath } : {}),
      ...spending(spent, response),
    });
    span?.setAttributes({ [ATTR.WINK_COST_USD]: spending(spent, response).costUsd });
    span?.end();
  } catch (error) {
    span?.end(error);
    const bundlePath = await recorder?.write({ error });
    // A request whose own deadline passed before it started can never succeed, and one that
    // overspent its budget would spend it again on every retry: neither is retried (unless the
    // DLQ policy excludes budget errors, which asks for retries).
    const expired = error instanceof DeadlineExceededError && error.details.expiredOnArrival === true;
    const overspent = error instanceof BudgetExceededError && loop.dlq?.excludes(error) !== true;
    const final = expired || overspent;
    onSettling();
    await settleFailure(loop, { ...attempt, bundlePath, ...spending(spent, undefined) }, error, final);
  } finally {
    recorder?.stop();
    lease.release();
  }
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
