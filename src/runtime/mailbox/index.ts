/**
 * Mailboxes: SQS-like point-to-point queues with visibility timeouts, explicit acknowledgement
 * and at-least-once delivery. The contract ({@link Mailbox}, {@link Message}), its errors, the
 * shared argument checks, reply-address resolvers and the in-process {@link InMemoryMailbox}.
 *
 * @example
 * ```ts
 * import { InMemoryMailbox } from "weakincentives/runtime";
 *
 * const jobs = new InMemoryMailbox<{ id: number }>({ name: "jobs" });
 * await jobs.send({ id: 1 });
 * const [msg] = await jobs.receive({ visibilityTimeout: 60, waitTimeSeconds: 20 });
 * if (msg) await msg.acknowledge();
 * ```
 */

export {
  type DeadLetter,
  DeadLetterSchema,
  DLQPolicy,
  type DLQPolicyOptions,
  deadLetterFor,
  type ErrorMatcher,
} from "./dlq.js";
export { DLQConsumer, type DLQConsumerOptions, type PurgeReport } from "./dlq-consumer.js";
export type { ListedLetter } from "./dlq-letters.js";
export type {
  KeptLetter,
  LetterRef,
  RedrivenLetter,
  RedriveOptions,
  RedriveReport,
  RedriveTarget,
} from "./dlq-redrive.js";
export * from "./errors.js";
export { InMemoryMailbox, type InMemoryMailboxOptions } from "./in-memory.js";
export { CompositeResolver, MailboxRegistry } from "./resolvers.js";
export {
  MAX_RECEIVE_MESSAGES,
  MAX_VISIBILITY_TIMEOUT,
  type Mailbox,
  type MailboxResolver,
  type Message,
  type ReceiveOptions,
  retryBackoffSeconds,
  type SendOptions,
} from "./types.js";
export {
  clampMaxMessages,
  DEFAULT_VISIBILITY_TIMEOUT,
  type NormalizedReceiveOptions,
  normalizeReceiveOptions,
  validateVisibilityTimeout,
  validateWaitTime,
} from "./validation.js";
