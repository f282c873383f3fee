/**
 * The options of `SQSMailbox`.
 *
 * @example
 * ```ts
 * import type { SQSMailboxOptions } from "weakincentives/contrib/mailbox/sqs";
 *
 * const options: SQSMailboxOptions<{ job: string }> = {
 *   queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
 *   maxMessageBytes: 1_048_576,
 * };
 * ```
 */

import type { SQSClient, SQSClientConfig } from "@aws-sdk/client-sqs";
import type { z } from "zod";
import type { Clock } from "../../../clock.js";
import type { MailboxResolver } from "../../../runtime/mailbox/types.js";

/** Options of `SQSMailbox`. Give exactly one of `queueUrl` and `queueName`. */
export interface SQSMailboxOptions<Body> {
  /** The queue URL, as CreateQueue or GetQueueUrl return it. */
  readonly queueUrl?: string;
  /** The queue name, looked up once with GetQueueUrl on first use (how reply queues are opened). */
  readonly queueName?: string;
  /** The SQS client to use. Default: a new `SQSClient(clientConfig)`. */
  readonly client?: SQSClient;
  /**
   * Configuration of the client created when `client` is not given. The region defaults to the
   * one in the queue URL's host (`sqs.<region>.…`), else the SDK's usual lookup (`AWS_REGION`…).
   */
  readonly clientConfig?: SQSClientConfig;
  /** Used in errors and logs, and as the reply address. Default: the queue name. */
  readonly name?: string;
  /**
   * Turns a reply address (a queue name) into a mailbox. Default: an `SQSMailboxResolver`
   * on the same client, which finds queues with GetQueueUrl and caches them.
   */
  readonly resolver?: MailboxResolver;
  /** Time source for timestamps and durations in logs. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Validates bodies before sending and parses them on receipt. A received body that is not JSON
   * or does not match is still delivered, with the raw value as `body` and `bodyError` set (logged
   * as `mailbox.invalid_body`), so the consumer dead-letters it (MainLoop does) instead of
   * leaving it to cycle through the queue.
   */
  readonly bodySchema?: z.ZodType<Body>;
  /** Largest message (JSON body + attributes) in bytes, checked before sending. Default 262,144 (256 KiB); at most 1 MiB. */
  readonly maxMessageBytes?: number;
  /**
   * Check the receipt handle with ChangeMessageVisibility before DeleteMessage (default true).
   * SQS silently ignores a DeleteMessage with a stale handle; the check turns that into
   * `ReceiptHandleExpiredError`. `false` saves one request per acknowledgement.
   */
  readonly verifyAcknowledge?: boolean;
  /**
   * Longest wait for SQS to answer one call, in ms; for a receive, beyond its long poll. Past it
   * the request is aborted and the call throws `MailboxConnectionError`, so an unreachable endpoint
   * never hangs a worker (the SDK itself sets no such limit). Default 10,000; `Infinity` turns it off.
   */
  readonly responseTimeoutMs?: number;
  /** FIFO queues only: the message group of each sent body. Default `"default"` (one group, strict order). */
  readonly messageGroupId?: string | ((body: Body) => string);
}

/** Options of {@link SQSMailbox.fromUrl}: everything but the queue, which the URL names. */
export type SQSMailboxUrlOptions<Body> = Omit<SQSMailboxOptions<Body>, "queueUrl" | "queueName">;
