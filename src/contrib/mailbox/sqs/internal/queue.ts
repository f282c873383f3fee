/**
 * One SQS queue as the mailbox talks to it: its URL (looked up once by name when needed), calls
 * whose SDK errors become mailbox errors, the settle calls messages make, and the decoding of
 * received messages.
 */

import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type SQSClient,
  type Message as WireMessage,
} from "@aws-sdk/client-sqs";
import type { z } from "zod";
import type { Clock } from "../../../../clock.js";
import { getLogger } from "../../../../logging/index.js";
import {
  MailboxResolutionError,
  MailboxSerializationError,
  ReceiptHandleExpiredError,
} from "../../../../runtime/mailbox/errors.js";
import { interruptible } from "../../../../runtime/mailbox/internal/interruptible.js";
import type { Mailbox, MailboxResolver } from "../../../../runtime/mailbox/types.js";
import { SQSMessage, type SQSMessageHost } from "../message.js";
import { awsErrorInfo, isStaleReceiptError, toMailboxError } from "./aws-errors.js";
import { decodeBody } from "./codec.js";

/** The logger of the SQS mailbox. */
export const log = getLogger("weakincentives.contrib.mailbox.sqs");

/** The message attribute that carries the reply address (a queue name). */
export const REPLY_TO_ATTRIBUTE = "wink-reply-to";

/** Seconds a verified acknowledgement keeps the message invisible while DeleteMessage runs. */
const ACK_GRACE_SECONDS = 30;

/** How a {@link SqsQueue} is set up. */
export interface SqsQueueConfig {
  readonly client: SQSClient;
  readonly mailbox: string;
  readonly queueName: string;
  readonly queueUrl: string | undefined;
  readonly clock: Clock;
  readonly resolver: MailboxResolver;
  readonly verifyAcknowledge: boolean;
  /** Longest wait for SQS to answer one call (a receive: beyond its long poll), in ms. */
  readonly responseTimeoutMs: number;
}

/** The error a call SQS did not answer in time fails with; its name maps to the network hint. */
export function noAnswer(timeoutMs: number): Error {
  const error = new Error(`no answer within ${timeoutMs} ms`);
  error.name = "TimeoutError";
  return error;
}

/** The queue behind one mailbox; also the host its messages settle and reply through. */
export class SqsQueue implements SQSMessageHost {
  readonly name: string;
  readonly #config: SqsQueueConfig;
  #queueUrl: string | undefined;
  #lookup: Promise<string> | undefined = undefined;

  constructor(config: SqsQueueConfig) {
    this.#config = config;
    this.name = config.mailbox;
    this.#queueUrl = config.queueUrl;
  }

  /** The queue URL, once known. */
  get queueUrl(): string | undefined {
    return this.#queueUrl;
  }

  /** The queue URL, looked up once (GetQueueUrl) for a queue known by name; a failed lookup is retried next time. */
  async url(): Promise<string> {
    if (this.#queueUrl !== undefined) return this.#queueUrl;
    this.#lookup ??= this.#lookupUrl();
    const lookup = this.#lookup;
    try {
      return await lookup;
    } catch (error) {
      if (this.#lookup === lookup) this.#lookup = undefined;
      throw error;
    }
  }

  /**
   * Run an SQS call on the queue URL, turning SDK errors into mailbox errors. The call gets an
   * abort signal; SQS must answer within `responseTimeoutMs` or the request is aborted and the
   * call fails, so an unreachable endpoint never hangs a caller.
   */
  async call<T>(
    operation: string,
    run: (queueUrl: string, abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const queueUrl = await this.url();
    try {
      return await this.#bounded((abortSignal) => run(queueUrl, abortSignal));
    } catch (error) {
      throw toMailboxError(error, { mailbox: this.name, queueUrl, operation });
    }
  }

  /** `run`, aborted with a `TimeoutError` when SQS has not answered within `responseTimeoutMs`. */
  async #bounded<T>(run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const { clock, responseTimeoutMs } = this.#config;
    const controller = new AbortController();
    const outcome = await interruptible(run(controller.signal), { clock, timeoutMs: responseTimeoutMs });
    if (outcome.kind === "done") return outcome.value;
    controller.abort();
    throw noAnswer(responseTimeoutMs);
  }

  async deleteDelivery(messageId: string, receiptHandle: string): Promise<void> {
    if (this.#config.verifyAcknowledge) {
      await this.changeVisibility(messageId, receiptHandle, ACK_GRACE_SECONDS, "acknowledge");
    }
    await this.#settle(messageId, receiptHandle, "acknowledge", (QueueUrl, abortSignal) =>
      this.#config.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: receiptHandle }), {
        abortSignal,
      }),
    );
    if (log.isEnabled("debug")) {
      log.debug("mailbox.acknowledge", "Message acknowledged", { mailbox: this.name, messageId });
    }
  }

  async changeVisibility(
    messageId: string,
    receiptHandle: string,
    seconds: number,
    action: string,
  ): Promise<void> {
    await this.#settle(messageId, receiptHandle, action, (QueueUrl, abortSignal) =>
      this.#config.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.ceil(seconds),
        }),
        { abortSignal },
      ),
    );
  }

  replyTarget(replyTo: string): Mailbox<unknown> {
    return this.#config.resolver.resolve(replyTo);
  }

  /**
   * The deliveries in a ReceiveMessage answer. A body that is not JSON or fails `schema` is
   * delivered anyway, with the raw value as its body and `bodyError` set (logged as
   * `mailbox.invalid_body`), so the consumer can dead-letter it: skipping it would leave it
   * cycling through the queue for as long as the queue keeps messages.
   */
  messages<Body, ReplyBody>(
    wire: readonly WireMessage[],
    schema: z.ZodType<Body> | undefined,
  ): SQSMessage<Body, ReplyBody>[] {
    return wire.flatMap((message) => {
      const { MessageId: id, ReceiptHandle: receiptHandle, Attributes: attributes } = message;
      if (id === undefined || receiptHandle === undefined) return [];
      const deliveryCount = Number(attributes?.ApproximateReceiveCount) || 1;
      const decoded = decodeBody(message.Body, schema);
      const sent = Number(attributes?.SentTimestamp);
      return [
        new SQSMessage<Body, ReplyBody>(this, {
          id,
          ...(decoded.ok ? { body: decoded.body } : this.#invalid(id, deliveryCount, decoded)),
          receiptHandle,
          deliveryCount,
          enqueuedAt: Number.isFinite(sent) ? new Date(sent) : this.#config.clock.now(),
          replyTo: message.MessageAttributes?.[REPLY_TO_ATTRIBUTE]?.StringValue,
        }),
      ];
    });
  }

  #invalid<Body>(
    id: string,
    deliveryCount: number,
    decoded: { readonly reason: string; readonly raw: unknown },
  ): { body: Body; bodyError: MailboxSerializationError } {
    const bodyError = new MailboxSerializationError(
      `Message ${id} in SQS mailbox "${this.name}" cannot be read: ${decoded.reason}. It is delivered with ` +
        `its raw body: dead-letter or acknowledge it, and check what writes to this queue.`,
      { details: { mailbox: this.name, messageId: id } },
    );
    log.warning("mailbox.invalid_body", "Delivering a message whose body is invalid.", {
      mailbox: this.name,
      messageId: id,
      deliveryCount,
      error: bodyError,
    });
    return { body: decoded.raw as Body, bodyError };
  }

  async #lookupUrl(): Promise<string> {
    const { client, queueName } = this.#config;
    try {
      const out = await this.#bounded((abortSignal) =>
        client.send(new GetQueueUrlCommand({ QueueName: queueName }), { abortSignal }),
      );
      this.#queueUrl = out.QueueUrl ?? "";
      return this.#queueUrl;
    } catch (error) {
      const info = awsErrorInfo(error);
      if (info.code === "QueueDoesNotExist" || info.code === "NonExistentQueue") {
        throw new MailboxResolutionError(
          `SQS has no queue named "${queueName}" for mailbox "${this.name}" (GetQueueUrl: ${info.code}: ` +
            `${info.message}). Create the queue, or fix the name (reply addresses are queue names in the ` +
            `account and region of the receiving client).`,
          { cause: error, details: { mailbox: this.name, queueName, awsCode: info.code } },
        );
      }
      throw toMailboxError(error, { mailbox: this.name, queueUrl: undefined, operation: "GetQueueUrl" });
    }
  }

  /** A settle call whose stale-handle answers become {@link ReceiptHandleExpiredError}. */
  async #settle(
    messageId: string,
    receiptHandle: string,
    action: string,
    run: (queueUrl: string, abortSignal: AbortSignal) => Promise<unknown>,
  ): Promise<void> {
    const queueUrl = await this.url();
    try {
      await this.#bounded((abortSignal) => run(queueUrl, abortSignal));
    } catch (error) {
      const info = awsErrorInfo(error);
      if (!isStaleReceiptError(info)) {
        throw toMailboxError(error, { mailbox: this.name, queueUrl, operation: action });
      }
      throw new ReceiptHandleExpiredError(
        `Cannot ${action} message ${messageId} of mailbox "${this.name}": SQS says its receipt handle is no ` +
          `longer valid (${info.code}: ${info.message}). The message was delivered again, or deleted. Receive ` +
          `it again for a current handle, and keep processing shorter than the visibility timeout (or extend it).`,
        { cause: error, details: { mailbox: this.name, messageId, receiptHandle, awsCode: info.code } },
      );
    }
  }
}
