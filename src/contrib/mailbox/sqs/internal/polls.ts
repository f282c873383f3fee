/**
 * The long polls (ReceiveMessage) in flight on one SQS queue, and what happens to one whose caller
 * stops waiting.
 *
 * Aborting the HTTP request of a long poll does not end it on the SQS side: SQS keeps the poll
 * open until its wait is over and hands the next message that arrives to the connection that is
 * gone. That message then stays invisible for the whole visibility timeout (30 minutes for a
 * typical worker), on every rollout. So a poll its caller gives up on (an aborted signal,
 * `close()`) keeps its request open until SQS answers, and whatever the answer holds is put back
 * at once with a visibility timeout of 0. (SQS still counts that receive against the message's
 * `maxReceiveCount`: nothing can undo it.) Only a poll SQS leaves unanswered past its wait plus
 * `responseTimeoutMs` is aborted.
 *
 * @internal
 */

import {
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Clock } from "../../../../clock.js";
import { interruptible, type WaitOutcome } from "../../../../runtime/mailbox/internal/interruptible.js";
import { log, REPLY_TO_ATTRIBUTE } from "./queue.js";

/** What one ReceiveMessage asks for. */
export interface PollRequest {
  readonly queueUrl: string;
  readonly maxMessages: number;
  /** Whole seconds. */
  readonly visibilityTimeout: number;
  /** Whole seconds, at most 20. */
  readonly waitSeconds: number;
}

/** How the polls of one mailbox are run. */
export interface PollsConfig {
  readonly client: SQSClient;
  readonly mailbox: string;
  readonly clock: Clock;
  readonly responseTimeoutMs: number;
}

/** One ReceiveMessage request in flight. */
export interface Poll {
  /** The answer, or `timed_out` when SQS did not answer within the wait plus `responseTimeoutMs`. */
  readonly outcome: Promise<WaitOutcome<ReceiveMessageCommandOutput>>;
}

/** The polls of one mailbox; see the module doc. */
export class Polls {
  readonly #config: PollsConfig;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(config: PollsConfig) {
    this.#config = config;
  }

  /**
   * Start a long poll. Its request is aborted only when SQS has not answered `responseTimeoutMs`
   * after the wait. Once `stop` aborts, the caller is taken to have given up: an answer that comes
   * after that is put back. (`stop` is acted on synchronously, like the caller's own wait on it,
   * so an answer is either the caller's or put back, never both or neither.)
   */
  start(request: PollRequest, stop: AbortSignal): Poll {
    const { client, clock, responseTimeoutMs } = this.#config;
    const { queueUrl, maxMessages, visibilityTimeout, waitSeconds } = request;
    const controller = new AbortController();
    const receive = new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: maxMessages,
      VisibilityTimeout: visibilityTimeout,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
      MessageAttributeNames: [REPLY_TO_ATTRIBUTE],
    });
    const outcome = interruptible(client.send(receive, { abortSignal: controller.signal }), {
      clock,
      timeoutMs: waitSeconds * 1000 + responseTimeoutMs,
    });
    let abandoned = stop.aborted;
    const abandon = (): void => {
      abandoned = true;
    };
    stop.addEventListener("abort", abandon, { once: true });
    const ended: Promise<void> = outcome
      .then(
        async (result) => {
          if (result.kind !== "done") controller.abort();
          else if (abandoned) await this.#putBack(queueUrl, result.value);
        },
        () => {},
      )
      .finally(() => {
        stop.removeEventListener("abort", abandon);
        this.#inFlight.delete(ended);
      });
    this.#inFlight.add(ended);
    return { outcome };
  }

  /** Resolves once every request open now has ended and its messages, if abandoned, are back. */
  async settled(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  /** Make the messages of an answer nobody reads visible again; a failure leaves them to their timeout. */
  async #putBack(queueUrl: string, answer: ReceiveMessageCommandOutput): Promise<void> {
    const entries = (answer.Messages ?? []).flatMap((message, index) =>
      message.ReceiptHandle === undefined
        ? []
        : [{ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }],
    );
    if (entries.length === 0) return;
    const { client, mailbox, clock, responseTimeoutMs } = this.#config;
    const controller = new AbortController();
    const request = client.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      {
        abortSignal: controller.signal,
      },
    );
    const outcome = await interruptible(request, { clock, timeoutMs: responseTimeoutMs }).catch(
      (error: unknown) => ({ kind: "failed" as const, error }),
    );
    if (outcome.kind === "timed_out") controller.abort();
    const released = outcome.kind === "done" ? entries.length - (outcome.value.Failed?.length ?? 0) : 0;
    const context = { mailbox, count: entries.length, released };
    if (released === entries.length) {
      log.info(
        "mailbox.receive_released",
        "SQS answered a receive after its caller gave up; its messages were made visible again.",
        context,
      );
      return;
    }
    const error =
      outcome.kind === "failed"
        ? outcome.error
        : outcome.kind === "done"
          ? outcome.value.Failed
          : `no answer within ${responseTimeoutMs} ms`;
    log.warning(
      "mailbox.receive_released",
      "SQS answered a receive after its caller gave up; not all of its messages could be made visible again: " +
        "they come back after their visibility timeout.",
      { ...context, error },
    );
  }
}
