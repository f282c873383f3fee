/** Checks of the {@link SQSMailboxOptions}, with the defaults they imply. */

import { WinkError } from "../../../../errors.js";
import { isSqsQueueName, regionOfQueueUrl } from "../../../../runtime/mailbox/urls/sqs.js";
import type { SQSMailboxOptions } from "../options.js";
import { DEFAULT_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES } from "./codec.js";

/** How long one SQS call may go unanswered by default (a receive: beyond its long poll): 10 s. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 10_000;

function invalidOption(message: string, details: Record<string, unknown>): WinkError {
  return new WinkError("invalid_argument", message, { details });
}

/** The queue name at the end of a queue URL; throws when `queueUrl` is not a URL with one. */
function queueNameOf(queueUrl: string): string {
  const last = URL.canParse(queueUrl)
    ? new URL(queueUrl).pathname.split("/").filter(Boolean).pop()
    : undefined;
  if (last === undefined) {
    throw invalidOption(
      `queueUrl "${queueUrl}" is not an SQS queue URL. Pass the URL CreateQueue or GetQueueUrl returned, ` +
        `like https://sqs.us-east-1.amazonaws.com/123456789012/my-queue.`,
      { queueUrl },
    );
  }
  return decodeURIComponent(last);
}

/** The options after checking, with defaults applied. */
export interface CheckedOptions {
  readonly queueUrl: string | undefined;
  readonly queueName: string;
  readonly name: string;
  readonly maxMessageBytes: number;
  readonly responseTimeoutMs: number;
  /** The region named by the queue URL's host, if any. */
  readonly region: string | undefined;
}

/** Check `options`, throwing a `WinkError` (`invalid_argument`) that names the bad value and the fix. */
export function checkOptions<Body>(options: SQSMailboxOptions<Body>): CheckedOptions {
  const { queueUrl, queueName } = options;
  if ((queueUrl === undefined) === (queueName === undefined)) {
    throw invalidOption(
      "SQSMailbox needs exactly one of queueUrl and queueName. Pass { queueUrl } (or use SQSMailbox.fromUrl), " +
        "or { queueName } to look the URL up with GetQueueUrl.",
      { queueUrl, queueName },
    );
  }
  if (queueName !== undefined && !isSqsQueueName(queueName)) {
    throw invalidOption(
      `queueName "${queueName}" is not a valid SQS queue name: use 1–80 letters, digits, "-" or "_", ` +
        `with ".fifo" at the end for a FIFO queue.`,
      { queueName },
    );
  }
  const resolvedName = queueUrl === undefined ? (queueName as string) : queueNameOf(queueUrl);
  const name = options.name ?? resolvedName;
  if (typeof name !== "string" || name === "") {
    throw invalidOption(`A mailbox name must be a non-empty string, got ${JSON.stringify(name)}.`, { name });
  }
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (
    !(Number.isInteger(maxMessageBytes) && maxMessageBytes >= 1 && maxMessageBytes <= SQS_MAX_MESSAGE_BYTES)
  ) {
    throw invalidOption(
      `maxMessageBytes of mailbox "${name}" must be an integer from 1 to ${SQS_MAX_MESSAGE_BYTES} ` +
        `(SQS's largest message), got ${String(maxMessageBytes)}.`,
      { mailbox: name, maxMessageBytes },
    );
  }
  const responseTimeoutMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  if (!(responseTimeoutMs > 0)) {
    throw invalidOption(
      `responseTimeoutMs of mailbox "${name}" must be a number of ms > 0 (Infinity for no limit), got ${String(responseTimeoutMs)}.`,
      { mailbox: name, responseTimeoutMs },
    );
  }
  if (options.client !== undefined && options.clientConfig !== undefined) {
    throw invalidOption(
      `Mailbox "${name}" got both client and clientConfig. Configure the client yourself, or pass only clientConfig.`,
      { mailbox: name },
    );
  }
  const region = queueUrl === undefined ? undefined : regionOfQueueUrl(queueUrl);
  return { queueUrl, queueName: resolvedName, name, maxMessageBytes, responseTimeoutMs, region };
}
