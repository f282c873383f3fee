/**
 * Settling one queue message: success → reply then acknowledge; failure → the DLQ policy decides
 * between retry-with-backoff and dead-lettering; no policy → error reply and acknowledge. Every
 * outcome is logged and published as a `MessageHandled` event for metrics.
 */

import type { z } from "zod";
import { Deadline } from "../../deadline.js";
import { writeBundle } from "../../debug/bundle.js";
import { DeadlineExceededError, describeThrown, errorTypeName, WinkError } from "../../errors.js";
import { FilesystemKey } from "../../filesystem/index.js";
import { createRunContext, type RunContext } from "../../run-context.js";
import { formatIssues, schemaIssues } from "../../schema.js";
import { redactText } from "../../secrets/index.js";
import { MessageHandled } from "../events/index.js";
import type { MessageLease } from "../lease-extender.js";
import { getLogger } from "../logging/index.js";
import { deadLetterFor } from "../mailbox/dlq.js";
import {
  MailboxResolutionError,
  MailboxSerializationError,
  ReceiptHandleExpiredError,
  ReplyNotAvailableError,
} from "../mailbox/errors.js";
import { type Message, retryBackoffSeconds } from "../mailbox/types.js";
import type { Session } from "../session/index.js";
import type { MainLoop } from "./main-loop.js";
import type { MainLoopError, MainLoopRequest, MainLoopResult } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

type Outcome = "succeeded" | "failed" | "retried" | "dead_lettered" | "returned";

interface Context {
  readonly message: Message<unknown, MainLoopResult<unknown>>;
  readonly startedMs: number;
  readonly requestId?: string | undefined;
  readonly runContext?: RunContext | undefined;
  /** The debug bundle written for this attempt, if any. */
  readonly bundlePath?: string | undefined;
}

/** Handles messages for one MainLoop. */
export class MessageHandler<Req, Out> {
  constructor(private readonly loop: MainLoop<Req, Out>) {}

  /**
   * Process one message to a settled state. Never throws. `lease` is extended by this request's
   * own progress only, so a hung request is not kept alive by the others.
   */
  async handle(message: Message<unknown, MainLoopResult<Out>>, lease: MessageLease): Promise<void> {
    const startedMs = this.loop.clock.monotonic();
    const parsed = this.loop.envelopeSchema.safeParse(message.body);
    // A body the mailbox could not read (not JSON) can never succeed: dead-letter it with that reason.
    if (message.bodyError !== undefined || !parsed.success) {
      const error = message.bodyError ?? invalidEnvelope(message.id, this.loop.requests.name, parsed.error);
      await this.fail({ message, startedMs }, error, true);
      return;
    }
    const envelope: MainLoopRequest<Req> = parsed.data;
    const requestId = envelope.requestId ?? message.id;
    const runContext = createRunContext({
      requestId,
      attempt: message.deliveryCount,
      workerId: this.loop.workerId,
      ...(envelope.runContext?.traceId ? { traceId: envelope.runContext.traceId } : {}),
      ...(envelope.runContext?.spanId ? { spanId: envelope.runContext.spanId } : {}),
    });
    const context: Context = { message, startedMs, requestId, runContext };
    // DEBUG: at INFO a worker logs one line per request already (adapter.evaluate.complete), plus
    // every retry, dead letter and failure.
    if (log.isEnabled("debug")) {
      log.debug("main_loop.message_received", "Processing a request.", {
        loop: this.loop.name,
        messageId: message.id,
        requestId,
        attempt: message.deliveryCount,
      });
    }
    // This request's progress extends its own lease and also counts as the loop's heartbeat.
    const progress = (): void => {
      lease.beat();
      this.loop.heartbeat.beat();
    };
    try {
      const deadline = this.deadlineOf(envelope, requestId);
      const { response, session } = await this.loop.execute(envelope.request, {
        requestId,
        runContext,
        ...(deadline ? { deadline } : {}),
        ...(envelope.budget ? { budget: envelope.budget } : {}),
        heartbeat: progress,
      });
      const bundlePath = await this.bundle(context, envelope, { output: response.output, session });
      await this.succeed(context, {
        requestId,
        success: true,
        output: response.output,
        sessionId: session.sessionId,
        runId: runContext.runId,
        attempt: message.deliveryCount,
        completedAt: this.loop.clock.now().toISOString(),
        ...(bundlePath ? { bundlePath } : {}),
      });
    } catch (error) {
      const bundlePath = await this.bundle(context, envelope, { error: describeError(error) });
      // A request whose own deadline passed before it started can never succeed: no retries.
      await this.fail(
        { ...context, bundlePath },
        error,
        error instanceof DeadlineExceededError && error.details.expiredOnArrival === true,
      );
    } finally {
      lease.release();
    }
  }

  /** Put a received but unstarted message back at once (shutdown). */
  async returnUnstarted(message: Message<unknown, MainLoopResult<Out>>): Promise<void> {
    try {
      await message.nack(0);
      log.info("main_loop.message_returned", "Returned an unstarted message to the queue for shutdown.", {
        loop: this.loop.name,
        messageId: message.id,
      });
    } catch (error) {
      log.warning(
        "main_loop.return_failed",
        "Could not return an unstarted message; it reappears after its visibility timeout.",
        {
          messageId: message.id,
          error,
        },
      );
    }
    this.publish({ message, startedMs: this.loop.clock.monotonic() }, "returned");
  }

  /** Write this attempt's debug bundle when enabled; a failure is logged, never thrown. */
  private async bundle(
    context: Context,
    input: MainLoopRequest<Req>,
    parts: { output?: unknown; error?: MainLoopError; session?: Session },
  ): Promise<string | undefined> {
    const config = this.loop.config.debugBundle;
    if (!config || !context.requestId || !context.runContext) return undefined;
    // Only an already-built Filesystem instance is captured; factories are not opened for this.
    const binding = this.loop.config.resources?.binding(FilesystemKey);
    const filesystem = binding?.kind === "instance" ? binding.value : undefined;
    try {
      return await writeBundle(config, {
        requestId: context.requestId,
        runId: context.runContext.runId,
        attempt: context.message.deliveryCount,
        input,
        ...parts,
        ...(filesystem ? { filesystem } : {}),
        clock: this.loop.clock,
      });
    } catch (error) {
      log.error("main_loop.bundle_failed", "Could not write the debug bundle; the request goes on.", {
        messageId: context.message.id,
        requestId: context.requestId,
        target: config.target,
        error,
      });
      return undefined;
    }
  }

  private deadlineOf(envelope: MainLoopRequest<Req>, requestId: string): Deadline | undefined {
    if (!envelope.deadline) return undefined;
    const at = Date.parse(envelope.deadline);
    if (at <= this.loop.clock.epochMs()) throw expiredRequestError(requestId, envelope.deadline);
    return new Deadline(at, this.loop.clock);
  }

  private async succeed(context: Context, result: MainLoopResult<Out>): Promise<void> {
    const { message } = context;
    try {
      await message.reply(result);
    } catch (error) {
      if (!(error instanceof ReplyNotAvailableError)) {
        // A result that cannot be encoded, or an address that resolves nowhere, never will: and
        // with a DLQ, repeated reply failures must end there rather than re-run the model forever.
        const final = error instanceof MailboxSerializationError || error instanceof MailboxResolutionError;
        if (final || this.loop.config.dlq) {
          await this.fail(context, error, final);
          return;
        }
        const delay = retryBackoffSeconds(message.deliveryCount);
        log.error(
          "main_loop.reply_failed",
          `Sending the result failed; the request will run again in ${delay} s.`,
          {
            messageId: message.id,
            requestId: context.requestId,
            error,
          },
        );
        await this.settle(() => message.nack(delay), message);
        this.publish(context, "retried", error);
        return;
      }
      log.warning("main_loop.no_reply_to", "The request has no reply address; the result is not sent.", {
        messageId: message.id,
        requestId: context.requestId,
      });
    }
    await this.settle(() => message.acknowledge(), message);
    this.publish(context, "succeeded");
  }

  /** `final`: the message can never succeed (malformed, expired), so it skips retries. */
  private async fail(context: Context, error: unknown, final: boolean): Promise<void> {
    const { message } = context;
    const dlq = this.loop.config.dlq;
    // An excluded error is never dead-lettered; one that can never succeed is not retried either.
    if (dlq && ((final && !dlq.excludes(error)) || dlq.shouldDeadLetter(message, error))) {
      await this.deadLetter(context, error);
      return;
    }
    if (dlq && !final) {
      const delay = retryBackoffSeconds(message.deliveryCount);
      log.warning("main_loop.request_retry", `Request failed; it will be retried in ${delay} s.`, {
        messageId: message.id,
        requestId: context.requestId,
        attempt: message.deliveryCount,
        error,
      });
      await this.settle(() => message.nack(delay), message);
      this.publish(context, "retried", error);
      return;
    }
    log.error("main_loop.request_failed", "Request failed; replying with the error.", {
      messageId: message.id,
      requestId: context.requestId,
      error,
      ...(final ? { body: message.body } : {}),
    });
    await this.replyError(context, describeError(error));
    await this.settle(() => message.acknowledge(), message);
    this.publish(context, "failed", error);
  }

  private async deadLetter(context: Context, error: unknown): Promise<void> {
    const { message } = context;
    const dlq = this.loop.config.dlq;
    if (!dlq) return;
    const letter = deadLetterFor(message, error, {
      sourceMailbox: this.loop.requests.name,
      at: this.loop.clock.now(),
      requestId: context.requestId,
      traceId: context.runContext?.traceId,
    });
    try {
      await dlq.mailbox.send(letter);
    } catch (sendError) {
      const delay = retryBackoffSeconds(message.deliveryCount);
      log.error(
        "main_loop.dead_letter_failed",
        `Could not send to the DLQ; the message stays queued (retry in ${delay} s).`,
        {
          messageId: message.id,
          dlq: dlq.mailbox.name,
          error: sendError,
        },
      );
      await this.settle(() => message.nack(delay), message);
      this.publish(context, "retried", error);
      return;
    }
    log.warning("main_loop.message_dead_lettered", "Request dead-lettered.", {
      messageId: message.id,
      requestId: context.requestId,
      attempt: message.deliveryCount,
      dlq: dlq.mailbox.name,
      error,
    });
    const described = describeError(error);
    await this.replyError(context, {
      ...described,
      message: `Dead-lettered after ${message.deliveryCount} attempt(s): ${described.message}`,
    });
    await this.settle(() => message.acknowledge(), message);
    this.publish(context, "dead_lettered", error);
  }

  private async replyError(context: Context, error: MainLoopError): Promise<void> {
    const { message } = context;
    if (!message.replyTo) return;
    const result: MainLoopResult<Out> = {
      requestId: context.requestId ?? message.id,
      success: false,
      error,
      runId: context.runContext?.runId ?? message.id,
      attempt: message.deliveryCount,
      completedAt: this.loop.clock.now().toISOString(),
      ...(context.bundlePath ? { bundlePath: context.bundlePath } : {}),
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
  private async settle(action: () => Promise<void>, message: Message<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (error instanceof ReceiptHandleExpiredError) {
        log.warning(
          "main_loop.receipt_expired",
          "The lease expired before settling; another delivery will follow.",
          {
            messageId: message.id,
          },
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

  private publish(context: Context, outcome: Outcome, error?: unknown): void {
    const dispatcher = this.loop.config.dispatcher;
    if (!dispatcher) return;
    dispatcher.dispatch(
      MessageHandled.create({
        loop: this.loop.name,
        mailbox: this.loop.requests.name,
        messageId: context.message.id,
        ...(context.requestId ? { requestId: context.requestId } : {}),
        outcome,
        deliveryCount: context.message.deliveryCount,
        durationMs: Math.max(0, this.loop.clock.monotonic() - context.startedMs),
        ...(error === undefined ? {} : { errorType: errorTypeName(error) }),
        createdAt: this.loop.clock.now().toISOString(),
      }),
    );
  }
}

/** The error as the reply carries it: type, code and a redacted message. */
function describeError(error: unknown): MainLoopError {
  return {
    type: errorTypeName(error),
    ...(error instanceof WinkError ? { code: error.code } : {}),
    message: redactText(error instanceof Error ? error.message : describeThrown(error)),
  };
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
