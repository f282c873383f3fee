/**
 * `weakincentives/contrib/mailbox/sqs`: the mailbox contract on Amazon SQS, through the AWS SDK v3
 * (`@aws-sdk/client-sqs`, an optional peer dependency loaded only by this entry).
 *
 * A received body that is not JSON (or fails `bodySchema`) is delivered with `bodyError` set, so
 * it can be dead-lettered rather than cycle through the queue. Every call must be answered within
 * `responseTimeoutMs` (10 s; a receive: beyond its long poll), so an unreachable endpoint never
 * hangs a worker. `close()` or an aborted signal ends a receive at once; its long poll stays open
 * until SQS answers, so a message SQS hands it is put back instead of hidden.
 *
 * @example
 * ```ts
 * import { SQSMailbox } from "weakincentives/contrib/mailbox/sqs";
 *
 * const requests = SQSMailbox.fromUrl("https://sqs.us-east-1.amazonaws.com/123456789012/reviews");
 * const local = SQSMailbox.fromUrl("sqs://localhost:4566/000000000000/reviews?region=us-east-1");
 * const [msg] = await requests.receive({ visibilityTimeout: 1800, waitTimeSeconds: 20 });
 * if (msg) await msg.acknowledge();
 * ```
 */

export {
  DEFAULT_LOCAL_REGION,
  parseSqsMailboxUrl,
  type SqsMailboxUrl,
} from "../../../runtime/mailbox/urls/sqs.js";
export { DEFAULT_RESPONSE_TIMEOUT_MS } from "./internal/check-options.js";
export { DEFAULT_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES } from "./internal/codec.js";
export { SQSMessage } from "./message.js";
export type { SQSMailboxOptions, SQSMailboxUrlOptions } from "./options.js";
export {
  MAX_WAIT_TIME_SECONDS,
  REPLY_TO_ATTRIBUTE,
  SQSMailbox,
  SQSMailboxResolver,
  type SQSMailboxResolverOptions,
} from "./sqs-mailbox.js";
