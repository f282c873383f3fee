/**
 * How {@link DLQConsumer} reads one dead-letter message: as a {@link ListedLetter} (a `DeadLetter`
 * record, or a stand-in for a message that is not one), which letters a `redrive` or `purge`
 * chose, and error text made safe to report.
 */

import { WinkError } from "../../errors.js";
import { redactText } from "../../secrets/index.js";
import { type DeadLetter, DeadLetterSchema } from "./dlq.js";
import type { Message } from "./types.js";

/** A dead letter as listed: the `DeadLetter` record plus the letter's own id in the dead-letter mailbox. */
export interface ListedLetter extends DeadLetter {
  /** The dead-letter message's id (what `show`, `redrive` and `purge` take); `messageId` is the original's. */
  readonly letterId: string;
  /**
   * False for a message that is not a `DeadLetter` record (moved by an SQS redrive policy, say):
   * `body` is the message, `requestId` read from it; source, error fields and `deadLetteredAt` are "".
   */
  readonly recorded: boolean;
}

/** Which letters `ids`/`all` choose, and which of the ids were found. */
export function chooser(options: { readonly ids?: readonly string[]; readonly all?: boolean }, verb: string) {
  const ids = options.ids ?? [];
  const all = options.all === true;
  if (all === ids.length > 0) {
    throw new WinkError(
      "invalid_argument",
      all
        ? `${verb} takes \`ids\` or \`all: true\`, not both: drop one.`
        : `${verb} needs \`ids\` (letter or message ids, as \`list\` shows them)${verb === "redrive" ? " or `all: true`" : ""} to know which letters.`,
    );
  }
  const wanted = new Set(ids);
  const found = new Set<string>();
  const byLetterId = new Set<string>();
  return {
    wants(letter: ListedLetter): boolean {
      if (all) return true;
      if (wanted.has(letter.letterId)) byLetterId.add(letter.letterId);
      const hits = [letter.letterId, letter.messageId].filter((id) => wanted.has(id));
      for (const id of hits) found.add(id);
      return hits.length > 0;
    },
    /** Every id named a letter by its letter id (unique), so no other letter can match. */
    done: (): boolean => !all && byLetterId.size === wanted.size,
    notFound: (): string[] => [...wanted].filter((id) => !found.has(id)),
  };
}

/** The letter `message` holds; a message that is not a `DeadLetter` record is listed with `recorded: false`. */
export function listed(message: Message<unknown>): ListedLetter {
  const parsed = message.bodyError ? undefined : DeadLetterSchema.safeParse(message.body);
  if (parsed?.success) return { ...parsed.data, letterId: message.id, recorded: true };
  const body: unknown = message.body;
  const requestId =
    typeof body === "object" && body !== null && "requestId" in body && typeof body.requestId === "string"
      ? body.requestId
      : undefined;
  return {
    letterId: message.id,
    recorded: false,
    messageId: message.id,
    body,
    sourceMailbox: "",
    deliveryCount: message.deliveryCount,
    lastError: "",
    lastErrorType: "",
    deadLetteredAt: "",
    firstReceivedAt: message.enqueuedAt.toISOString(),
    ...(requestId ? { requestId } : {}),
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
  };
}

/** The error's message, with secrets redacted, for a report line. */
export function describeError(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
}
