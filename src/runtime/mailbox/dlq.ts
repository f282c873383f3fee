/**
 * Dead letters: messages that keep failing are moved out of the way — with everything needed to
 * understand and replay them — instead of blocking the queue or being dropped.
 *
 * @example
 * ```ts nocheck
 * const dlq = new DLQPolicy({ mailbox: deadLetters, maxDeliveryCount: 5, excludeErrors: ["throttled"] });
 * ```
 */

import { z } from "zod";
import { errorTypeName, WinkError, type WinkErrorCode } from "../../errors.js";
import { redact, redactText } from "../../secrets/index.js";
import type { Mailbox, Message } from "./types.js";

/** A dead-lettered message, as sent to the DLQ mailbox. */
export const DeadLetterSchema = z.object({
  messageId: z.string(),
  body: z.unknown(),
  sourceMailbox: z.string(),
  deliveryCount: z.number().int().positive(),
  lastError: z.string(),
  lastErrorType: z.string(),
  lastErrorCode: z.string().optional(),
  deadLetteredAt: z.string(),
  firstReceivedAt: z.string(),
  requestId: z.string().optional(),
  replyTo: z.string().optional(),
  traceId: z.string().optional(),
});

/** A dead-lettered message. */
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** An error class, or a WinkError code, that a policy matches exactly (no subclass matching). */
export type ErrorMatcher = (abstract new (...args: never[]) => Error) | WinkErrorCode;

/** Options for {@link DLQPolicy}. */
export interface DLQPolicyOptions {
  /** Where dead letters go. */
  readonly mailbox: Mailbox<DeadLetter>;
  /** Dead-letter once a message has been delivered this many times (default 5). */
  readonly maxDeliveryCount?: number;
  /** Errors that dead-letter at once, whatever the delivery count. */
  readonly includeErrors?: readonly ErrorMatcher[];
  /** Errors that never dead-letter (they are retried with backoff). Wins over `includeErrors`. */
  readonly excludeErrors?: readonly ErrorMatcher[];
}

/** Decides when a failed message goes to the dead-letter mailbox. */
export class DLQPolicy {
  readonly mailbox: Mailbox<DeadLetter>;
  readonly maxDeliveryCount: number;
  private readonly include: readonly ErrorMatcher[];
  private readonly exclude: readonly ErrorMatcher[];

  constructor(options: DLQPolicyOptions) {
    const max = options.maxDeliveryCount ?? 5;
    if (!Number.isInteger(max) || max < 1) {
      throw new WinkError(
        "invalid_config",
        `DLQPolicy maxDeliveryCount must be an integer >= 1, got ${String(max)}.`,
        {
          details: { maxDeliveryCount: max },
        },
      );
    }
    this.mailbox = options.mailbox;
    this.maxDeliveryCount = max;
    this.include = options.includeErrors ?? [];
    this.exclude = options.excludeErrors ?? [];
  }

  /** True when `error` is on the exclude list (never dead-lettered). */
  excludes(error: unknown): boolean {
    return this.exclude.some((m) => matches(m, error));
  }

  /** True when `message`, having failed with `error`, should be dead-lettered now. */
  shouldDeadLetter(message: Pick<Message<unknown>, "deliveryCount">, error: unknown): boolean {
    if (this.excludes(error)) return false;
    if (this.include.some((m) => matches(m, error))) return true;
    return message.deliveryCount >= this.maxDeliveryCount;
  }
}

function matches(matcher: ErrorMatcher, error: unknown): boolean {
  if (typeof matcher === "string") return error instanceof WinkError && error.code === matcher;
  return typeof error === "object" && error !== null && Object.getPrototypeOf(error) === matcher.prototype;
}

/** Build the dead letter for `message` failed with `error`. */
export function deadLetterFor(
  message: Message<unknown>,
  error: unknown,
  fields: { sourceMailbox: string; at: Date; requestId?: string | undefined; traceId?: string | undefined },
): DeadLetter {
  return {
    messageId: message.id,
    // Replaying needs the request, but dead letters are read by people and kept for long:
    // secret-named fields and secret-looking values are redacted.
    body: redact(message.body),
    sourceMailbox: fields.sourceMailbox,
    deliveryCount: message.deliveryCount,
    // Dead letters outlive logs and are read by people: never let a secret in.
    lastError: redactText(error instanceof Error ? error.message : String(error)),
    lastErrorType: errorTypeName(error),
    ...(error instanceof WinkError ? { lastErrorCode: error.code } : {}),
    deadLetteredAt: fields.at.toISOString(),
    firstReceivedAt: message.enqueuedAt.toISOString(),
    ...(fields.requestId ? { requestId: fields.requestId } : {}),
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    ...(fields.traceId ? { traceId: fields.traceId } : {}),
  };
}
