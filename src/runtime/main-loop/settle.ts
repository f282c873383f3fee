/**
 * Settling one queue message, as plain functions over explicit inputs so any loop that consumes
 * a mailbox (MainLoop now, the eval loop later) settles the same way:
 *
 * - {@link replyAndAcknowledge}: reply, then acknowledge (a reply that can never be sent fails);
 * - {@link settleFailure}: the DLQ policy decides between {@link retryLater} (nack with backoff)
 *   and {@link deadLetter}; without a policy, an error reply and acknowledge;
 * - {@link returnUnstarted}: a received message put back at once for shutdown, and
 *   {@link returnInterrupted}: one whose request stopped for shutdown.
 *
 * Every outcome is logged and published as a `MessageHandled` event for metrics. None of them
 * throws: a message is always left settled or left to come back after its visibility timeout.
 */

import type { TokenUsage } from "../../budget.js";
import type { Clock } from "../../clock.js";
import { describeThrown, errorTypeName, WinkError } from "../../errors.js";
import { type Dispatcher, MessageHandled } from "../../events/index.js";
import { getLogger } from "../../logging/index.js";
import type { RunContext } from "../../run-context.js";
import { redactText } from "../../secrets/index.js";
import { type DLQPolicy, deadLetterFor } from "../mailbox/dlq.js";
import {
  MailboxResolutionError,
  MailboxSerializationError,
  ReceiptHandleExpiredError,
  ReplyNotAvailableError,
} from "../mailbox/errors.js";
import { type Message, retryBackoffSeconds } from "../mailbox/types.js";
import type { RequestInterruptedError } from "./interrupted.js";
import type { MainLoopError, MainLoopResult } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

/** How a message ended, as `MessageHandled` reports it. */
export type SettleOutcome = "succeeded" | "failed" | "retried" | "dead_lettered" | "returned";

/** Where messages are settled: the consuming loop, its mailbox and its policies. */
export interface SettleTarget {
  /** The loop's name, in logs and `MessageHandled`. */
  readonly loop: string;
  /** The name of the mailbox the message came from. */
  readonly mailbox: string;
  readonly clock: Clock;
  /** Where poison messages go; without one, a failure is answered with an error and acknowledged. */
  readonly dlq?: DLQPolicy | undefined;
  /** Receives one `MessageHandled` per settled message. */
  readonly dispatcher?: Dispatcher | undefined;
  /** Called once per settled message with how it ended. */
  readonly onSettled?: ((attempt: Attempt, outcome: SettleOutcome) => void) | undefined;
}

/** One delivery of a message being settled. */
export interface Attempt {
  readonly message: Message<unknown, MainLoopResult<unknown>>;
  /** `clock.monotonic()` when handling started, for the duration metric. */
  readonly startedMs: number;
  readonly requestId?: string | undefined;
  readonly runContext?: RunContext | undefined;
  /** The debug bundle written for this attempt, if any; error replies name it. */
  readonly bundlePath?: string | undefined;
  /** What the attempt used and spent, when known; error replies carry it. */
  readonly usage?: TokenUsage | undefined;
  readonly costUsd?: number | undefined;
}

/** Reply with `result`, then acknowledge. A reply that fails is settled as a failure. */
export async function replyAndAcknowledge<Out>(
  target: SettleTarget,
  attempt: Attempt,
  result: MainLoopResult<Out>,
): Promise<void> {
  const { message } = attempt;
  try {
    await message.reply(result);
  } catch (error) {
    if (!(error instanceof ReplyNotAvailableError)) {
      // A result that cannot be encoded, or an address that resolves nowhere, never will: and
      // with a DLQ, repeated reply failures must end there rather than re-run the model forever.
      const final = error instanceof MailboxSerializationError || error instanceof MailboxResolutionError;
      if (final || target.dlq) {
        await settleFailure(target, attempt, error, final);
        return;
      }
      await retryLater(target, attempt, error, {
        event: "main_loop.reply_failed",
        level: "error",
        message: (delay) => `Sending the result failed; the request will run again in ${delay} s.`,
      });
      return;
    }
    log.warning("main_loop.no_reply_to", "The request has no reply address; the result is not sent.", {
      messageId: message.id,
      requestId: attempt.requestId,
    });
  }
  await settleWith(() => message.acknowledge(), message);
  publish(target, attempt, "succeeded");
}

/**
 * Settle a failed attempt. `final`: the message can never succeed (malformed, expired), so it
 * skips retries. With a DLQ policy: dead-letter it when the policy says so (or when final and not
 * excluded), else retry with backoff. Without one: an error reply, then acknowledge.
 */
export async function settleFailure(
  target: SettleTarget,
  attempt: Attempt,
  error: unknown,
  final: boolean,
): Promise<void> {
  const { message } = attempt;
  const dlq = target.dlq;
  // An excluded error is never dead-lettered; one that can never succeed is not retried either.
  if (dlq && ((final && !dlq.excludes(error)) || dlq.shouldDeadLetter(message, error))) {
    await deadLetter(target, attempt, error, dlq);
    return;
  }
  if (dlq && !final) {
    await retryLater(target, attempt, error, {
      event: "main_loop.request_retry",
      level: "warning",
      message: (delay) => `Request failed; it will be retried in ${delay} s.`,
    });
    return;
  }
  log.error("main_loop.request_failed", "Request failed; replying with the error.", {
    messageId: message.id,
    requestId: attempt.requestId,
    error,
    ...(final ? { body: message.body } : {}),
  });
  await replyError(target, attempt, describeError(error));
  await settleWith(() => message.acknowledge(), message);
  publish(target, attempt, "failed", error);
}

/** How {@link retryLater} logs the retry. */
export interface RetryNotice {
  readonly event: string;
  readonly level: "warning" | "error";
  readonly message: (delaySeconds: number) => string;
  /** Fields over the default context (message id, request id, attempt, error). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Nack with the backoff of the delivery count, so the message comes back later. */
export async function retryLater(
  target: SettleTarget,
  attempt: Attempt,
  error: unknown,
  notice: RetryNotice,
): Promise<void> {
  const { message } = attempt;
  const delay = retryBackoffSeconds(message.deliveryCount);
  log[notice.level](notice.event, notice.message(delay), {
    messageId: message.id,
    requestId: attempt.requestId,
    attempt: message.deliveryCount,
    error,
    ...notice.context,
  });
  await settleWith(() => message.nack(delay), message);
  publish(target, attempt, "retried", error);
}

/**
 * Send the message to the DLQ with every detail, answer the sender with the error, acknowledge.
 * When the DLQ cannot be reached the message stays queued and comes back with backoff.
 */
export async function deadLetter(
  target: SettleTarget,
  attempt: Attempt,
  error: unknown,
  dlq: DLQPolicy,
): Promise<void> {
  const { message } = attempt;
  const letter = deadLetterFor(message, error, {
    sourceMailbox: target.mailbox,
    at: target.clock.now(),
    requestId: attempt.requestId,
    traceId: attempt.runContext?.traceId,
  });
  try {
    await dlq.mailbox.send(letter);
  } catch (sendError) {
    await retryLater(target, attempt, error, {
      event: "main_loop.dead_letter_failed",
      level: "error",
      message: (delay) => `Could not send to the DLQ; the message stays queued (retry in ${delay} s).`,
      context: { dlq: dlq.mailbox.name, error: sendError },
    });
    return;
  }
  log.warning("main_loop.message_dead_lettered", "Request dead-lettered.", {
    messageId: message.id,
    requestId: attempt.requestId,
    attempt: message.deliveryCount,
    dlq: dlq.mailbox.name,
    error,
  });
  const described = describeError(error);
  await replyError(target, attempt, {
    ...described,
    message: `Dead-lettered after ${message.deliveryCount} attempt(s): ${described.message}`,
  });
  await settleWith(() => message.acknowledge(), message);
  publish(target, attempt, "dead_lettered", error);
}

/** Put a received but unstarted message back at once (shutdown). */
export async function returnUnstarted(
  target: SettleTarget,
  message: Message<unknown, MainLoopResult<unknown>>,
): Promise<void> {
  await putBack(target, { message, startedMs: target.clock.monotonic() }, undefined);
}

/**
 * Put back at once a message whose request stopped for shutdown ({@link RequestInterruptedError}):
 * no reply and no backoff, so another worker takes it now. Its delivery still counts towards a
 * DLQ policy's attempts.
 */
export async function returnInterrupted(
  target: SettleTarget,
  attempt: Attempt,
  error: RequestInterruptedError,
): Promise<void> {
  await putBack(target, attempt, error);
}

async function putBack(
  target: SettleTarget,
  attempt: Attempt,
  interrupted: RequestInterruptedError | undefined,
): Promise<void> {
  const { message } = attempt;
  try {
    await message.nack(0);
    if (interrupted === undefined) {
      log.info("main_loop.message_returned", "Returned an unstarted message to the queue for shutdown.", {
        loop: target.loop,
        messageId: message.id,
      });
    } else {
      log.info(
        "main_loop.request_interrupted",
        "The worker is shutting down; the request went back to the queue for another worker.",
        {
          loop: target.loop,
          messageId: message.id,
          requestId: attempt.requestId,
          reason: interrupted.message,
        },
      );
    }
  } catch (error) {
    log.warning(
      "main_loop.return_failed",
      "Could not return a message; it reappears after its visibility timeout.",
      { messageId: message.id, requestId: attempt.requestId, error },
    );
  }
  publish(target, attempt, "returned", interrupted);
}

/** The error as a reply carries it: type, code and a redacted message. */
export function describeError(error: unknown): MainLoopError {
  return {
    type: errorTypeName(error),
    ...(error instanceof WinkError ? { code: error.code } : {}),
    message: redactText(error instanceof Error ? error.message : describeThrown(error)),
  };
}

async function replyError(target: SettleTarget, attempt: Attempt, error: MainLoopError): Promise<void> {
  const { message } = attempt;
  if (!message.replyTo) return;
  const result: MainLoopResult<never> = {
    requestId: attempt.requestId ?? message.id,
    success: false,
    error,
    runId: attempt.runContext?.runId ?? message.id,
    attempt: message.deliveryCount,
    completedAt: target.clock.now().toISOString(),
    ...(attempt.bundlePath ? { bundlePath: attempt.bundlePath } : {}),
    ...(attempt.usage ? { usage: attempt.usage } : {}),
    ...(attempt.costUsd === undefined ? {} : { costUsd: attempt.costUsd }),
  };
  try {
    await message.reply(result);
  } catch (replyError) {
    log.warning("main_loop.error_reply_failed", "Could not send the error reply.", {
      messageId: message.id,
      error: replyError,
    });
  }
}

/** Ack or nack; a stale handle means the message was already redelivered, which is fine. */
async function settleWith(action: () => Promise<void>, message: Message<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ReceiptHandleExpiredError) {
      log.warning(
        "main_loop.receipt_expired",
        "The lease expired before settling; another delivery will follow.",
        { messageId: message.id },
      );
      return;
    }
    log.error(
      "main_loop.settle_failed",
      "Settling a message failed; it reappears after its visibility timeout.",
      {
        messageId: message.id,
        error,
      },
    );
  }
}

function publish(target: SettleTarget, attempt: Attempt, outcome: SettleOutcome, error?: unknown): void {
  target.onSettled?.(attempt, outcome);
  if (!target.dispatcher) return;
  target.dispatcher.dispatch(
    MessageHandled.create({
      loop: target.loop,
      mailbox: target.mailbox,
      messageId: attempt.message.id,
      ...(attempt.requestId ? { requestId: attempt.requestId } : {}),
      outcome,
      deliveryCount: attempt.message.deliveryCount,
      durationMs: Math.max(0, target.clock.monotonic() - attempt.startedMs),
      ...(error === undefined ? {} : { errorType: errorTypeName(error) }),
      createdAt: target.clock.now().toISOString(),
    }),
  );
}
