/**
 * Sending dead letters back for {@link DLQConsumer.redrive}: its options and report, where each
 * letter goes ({@link redriveTargets}), and {@link Redrive}, which sends one letter and deletes it.
 */

import { WinkError } from "../../errors.js";
import { describeError, type ListedLetter, listed } from "./dlq-letters.js";
import { MailboxConnectionError } from "./errors.js";
import type { Mailbox, MailboxResolver, Message } from "./types.js";

/** Where redriven letters go: one mailbox, or a function of the letter's source mailbox name. */
export type RedriveTarget =
  | Mailbox<unknown>
  | ((sourceMailbox: string, letter: ListedLetter) => Mailbox<unknown> | Promise<Mailbox<unknown>>);

/** Options of {@link DLQConsumer.redrive}: which letters (`ids` or `all`), and where they go. */
export interface RedriveOptions {
  /** Letter ids, or original message ids, to send back. */
  readonly ids?: readonly string[];
  /** Send back every letter (up to `limit`). */
  readonly all?: boolean;
  /**
   * Where they go. Default: each letter's `sourceMailbox`, found by the consumer's `resolver`. A
   * function is called once per source name (`""` for a letter that is not a record).
   */
  readonly to?: RedriveTarget;
  /** Most letters to look at (default 1,000). */
  readonly limit?: number;
}

/** Which letter a report line is about. */
export interface LetterRef {
  readonly letterId: string;
  readonly messageId: string;
  readonly requestId?: string;
}

/** A letter {@link DLQConsumer.redrive} sent back. */
export interface RedrivenLetter extends LetterRef {
  /** The name of the mailbox it went to. */
  readonly to: string;
  /** The id of the new message. */
  readonly sentId: string;
  /** Set when it was sent but not deleted: it is still in the DLQ, and a new redrive sends it twice. */
  readonly deleteError?: string;
}

/** A letter {@link DLQConsumer.redrive} could not send: it stays in the dead-letter mailbox. */
export interface KeptLetter extends LetterRef {
  /** The mailbox it was meant for, when known. */
  readonly to?: string;
  /** Why it was not sent (redacted). */
  readonly error: string;
}

/** What {@link DLQConsumer.redrive} did. */
export interface RedriveReport {
  readonly sent: readonly RedrivenLetter[];
  readonly kept: readonly KeptLetter[];
  /** Ids asked for that match no letter seen. */
  readonly notFound: readonly string[];
}

/**
 * Where each letter goes: `to` itself, or one promise per source name (from the `to` function or
 * the `resolver`), so each mailbox is resolved once.
 */
export function redriveTargets(
  to: RedriveTarget | undefined,
  resolver: MailboxResolver | undefined,
): (letter: ListedLetter) => Promise<Mailbox<unknown>> {
  const cache = new Map<string, Promise<Mailbox<unknown>>>();
  return (letter) => {
    if (to !== undefined && typeof to !== "function") return Promise.resolve(to);
    const source = letter.sourceMailbox;
    let target = cache.get(source);
    if (target === undefined) {
      target = (async () => {
        if (typeof to === "function") return to(source, letter);
        if (source === "") {
          throw new WinkError(
            "invalid_argument",
            `Letter ${letter.letterId} is not a dead-letter record, so its source mailbox is unknown: redrive it with \`to\`.`,
          );
        }
        return (resolver as MailboxResolver).resolve(source);
      })();
      cache.set(source, target);
    }
    return target;
  };
}

/** One redrive run: sends letters, remembering targets found unreachable. */
export class Redrive {
  readonly sent: RedrivenLetter[] = [];
  readonly kept: KeptLetter[] = [];
  private readonly unreachable = new Map<Mailbox<unknown>, string>();

  constructor(
    private readonly deadLetters: Mailbox<unknown>,
    private readonly target: (letter: ListedLetter) => Promise<Mailbox<unknown>>,
  ) {}

  /** Send one letter and delete it; true when it was deleted. */
  async one(message: Message<unknown>): Promise<boolean> {
    const letter = listed(message);
    const base = {
      letterId: letter.letterId,
      messageId: letter.messageId,
      ...(letter.requestId ? { requestId: letter.requestId } : {}),
    };
    const keep = (error: string, to?: string): false => {
      this.kept.push({
        ...base,
        ...(to ? { to } : letter.sourceMailbox ? { to: letter.sourceMailbox } : {}),
        error,
      });
      return false;
    };
    if (message.bodyError) return keep(`its body cannot be read: ${describeError(message.bodyError)}`);
    let mailbox: Mailbox<unknown>;
    try {
      mailbox = await this.target(letter);
    } catch (error) {
      return keep(describeError(error));
    }
    if (mailbox === this.deadLetters || mailbox.name === this.deadLetters.name) {
      return keep(
        `"${mailbox.name}" is the dead-letter mailbox itself; send the letter to its source mailbox`,
      );
    }
    const down = this.unreachable.get(mailbox);
    if (down !== undefined)
      return keep(`not tried: an earlier send to "${mailbox.name}" failed (${down})`, mailbox.name);
    let sentId: string;
    try {
      sentId = await mailbox.send(letter.body, letter.replyTo ? { replyTo: letter.replyTo } : {});
    } catch (error) {
      if (error instanceof MailboxConnectionError) this.unreachable.set(mailbox, describeError(error));
      return keep(describeError(error), mailbox.name);
    }
    try {
      await message.acknowledge();
    } catch (error) {
      this.sent.push({ ...base, to: mailbox.name, sentId, deleteError: describeError(error) });
      return false;
    }
    this.sent.push({ ...base, to: mailbox.name, sentId });
    return true;
  }
}
