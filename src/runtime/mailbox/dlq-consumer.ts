/**
 * Looking into a dead-letter mailbox and sending letters back: {@link DLQConsumer}, what
 * `wink dlq` runs.
 *
 * - **Listing is a receive.** A queue can only be read by receiving from it, so `list`, `show`
 *   and the scan of `redrive`/`purge` receive the letters with a short visibility timeout
 *   (`holdSeconds`) and put back the ones they keep (nack with no delay), in the order read, when
 *   done. While held, letters are **invisible to other consumers** of the dead-letter mailbox; a
 *   process that dies mid-scan leaves them invisible until `holdSeconds` pass, never loses them.
 *   Put back means to the end of the queue: reading only some letters (a `limit` below the count)
 *   moves those behind the rest.
 * - **Redrive sends, then deletes, one letter at a time.** Each chosen letter's original body goes
 *   back to its source mailbox (or `to`) as a new message, with the original reply address, and
 *   the letter is acknowledged right after its send succeeded. A crash between the two is the one
 *   window in which a letter is sent and still kept: redriving it again sends it a second time
 *   (MainLoop requests carry a `requestId`, stable across such duplicates). A letter that cannot be
 *   sent stays in the dead-letter mailbox and is reported, never dropped.
 * - **Bodies are as dead-lettered**: `DLQPolicy` redacts secrets before storing a letter, so a
 *   redriven request carries `[REDACTED]` where it had one.
 * - A message that is not a `DeadLetter` record (moved by an SQS redrive policy, say) is listed
 *   with `recorded: false`; redrive it with an explicit `to`.
 *
 * @example
 * ```ts
 * import { DLQConsumer, type DeadLetter, InMemoryMailbox } from "weakincentives/runtime";
 *
 * const deadLetters = new InMemoryMailbox<DeadLetter>({ name: "reviews-dlq" });
 * const requests = new InMemoryMailbox({ name: "reviews" });
 * const dlq = new DLQConsumer(deadLetters);
 * for (const letter of await dlq.list()) console.log(letter.letterId, letter.lastErrorType);
 * const report = await dlq.redrive({ all: true, to: requests });
 * console.log(`${report.sent.length} sent back, ${report.kept.length} kept`);
 * ```
 */

import { WinkError } from "../../errors.js";
import type { DeadLetter } from "./dlq.js";
import { chooser, describeError, type ListedLetter, listed } from "./dlq-letters.js";
import { Redrive, type RedriveOptions, type RedriveReport, redriveTargets } from "./dlq-redrive.js";
import { MailboxConnectionError } from "./errors.js";
import {
  MAX_RECEIVE_MESSAGES,
  MAX_VISIBILITY_TIMEOUT,
  type Mailbox,
  type MailboxResolver,
  type Message,
} from "./types.js";

/** Options of {@link DLQConsumer}. */
export interface DLQConsumerOptions {
  /** Seconds letters being read stay invisible to other consumers: 1–43,200; default 30. */
  readonly holdSeconds?: number;
  /** Long poll of each receive, in seconds; default 0. Use 1 on SQS, whose short polls may miss letters. */
  readonly waitSeconds?: number;
  /** Finds a letter's source mailbox by name when `redrive` is given no `to`. */
  readonly resolver?: MailboxResolver;
}

/** What {@link DLQConsumer.purge} did. */
export interface PurgeReport {
  /** Letter ids deleted. */
  readonly deleted: readonly string[];
  /** Letters that could not be deleted, and why. */
  readonly failed: readonly { readonly letterId: string; readonly error: string }[];
  /** Ids asked for that match no letter seen. */
  readonly notFound: readonly string[];
}

/** Reads, redrives and deletes the letters of one dead-letter mailbox. */
export class DLQConsumer {
  /** The dead-letter mailbox. */
  readonly mailbox: Mailbox<unknown>;
  private readonly holdSeconds: number;
  private readonly waitSeconds: number;
  private readonly resolver: MailboxResolver | undefined;

  /**
   * @param mailbox the dead-letter mailbox (a `DLQPolicy`'s `mailbox`, or an SQS queue's DLQ).
   * @throws WinkError `invalid_argument` for a `holdSeconds` or `waitSeconds` out of range.
   */
  constructor(mailbox: Mailbox<DeadLetter> | Mailbox<unknown>, options: DLQConsumerOptions = {}) {
    this.mailbox = mailbox as Mailbox<unknown>;
    this.holdSeconds = inRange("holdSeconds", options.holdSeconds ?? 30, 1, MAX_VISIBILITY_TIMEOUT, true);
    this.waitSeconds = inRange("waitSeconds", options.waitSeconds ?? 0, 0, 20, false);
    this.resolver = options.resolver;
  }

  /**
   * Up to `limit` letters (default 100), in the order the mailbox hands them out (oldest first on
   * the in-memory and Redis mailboxes), without consuming them. They are briefly invisible to
   * other consumers of the dead-letter mailbox while being read.
   */
  async list(options: { readonly limit?: number } = {}): Promise<ListedLetter[]> {
    const letters: ListedLetter[] = [];
    await this.scan(checkLimit(options.limit, 100), async (message) => {
      letters.push(listed(message));
      return false;
    });
    return letters;
  }

  /**
   * The letter whose letter id (or, failing that, original message id) is `id`, looking at up to
   * `limit` letters (default 1,000); undefined when none matches. Consumes nothing.
   */
  async show(id: string, options: { readonly limit?: number } = {}): Promise<ListedLetter | undefined> {
    let found: ListedLetter | undefined;
    await this.scan(
      checkLimit(options.limit, 1_000),
      async (message) => {
        const letter = listed(message);
        if (letter.letterId === id || (found === undefined && letter.messageId === id)) found = letter;
        return false;
      },
      () => found?.letterId === id,
    );
    return found;
  }

  /**
   * Send the chosen letters' bodies back (to `to`, or to their source mailbox through the
   * consumer's `resolver`), each with its reply address, and delete each right after its send.
   * Letters not chosen, or that could not be sent, stay. Safe to repeat: a letter is deleted only
   * once sent, so a repeat sends only what is left (see the module doc for the one duplicate window).
   *
   * @throws WinkError `invalid_argument` when neither `ids` nor `all` (or both) say which letters,
   *   or when there is neither `to` nor a `resolver` to find where they go.
   */
  async redrive(options: RedriveOptions): Promise<RedriveReport> {
    const choice = chooser(options, "redrive");
    if (options.to === undefined && this.resolver === undefined) {
      throw new WinkError(
        "invalid_argument",
        "redrive has nowhere to send letters: pass `to` (a mailbox, or a function of the source mailbox's name), " +
          "or give the DLQConsumer a `resolver` that opens mailboxes by name.",
      );
    }
    const run = new Redrive(this.mailbox, redriveTargets(options.to, this.resolver));
    await this.scan(
      checkLimit(options.limit, 1_000),
      async (message) => choice.wants(listed(message)) && (await run.one(message)),
      choice.done,
    );
    return { sent: run.sent, kept: run.kept, notFound: choice.notFound() };
  }

  /** Delete the letters `ids` name (letter ids or original message ids), looking at up to `limit` (default 1,000). */
  async purge(options: { readonly ids: readonly string[]; readonly limit?: number }): Promise<PurgeReport> {
    const choice = chooser(options, "purge");
    const deleted: string[] = [];
    const failed: { letterId: string; error: string }[] = [];
    await this.scan(
      checkLimit(options.limit, 1_000),
      async (message) => {
        if (!choice.wants(listed(message))) return false;
        try {
          await message.acknowledge();
          deleted.push(message.id);
          return true;
        } catch (error) {
          failed.push({ letterId: message.id, error: describeError(error) });
          return false;
        }
      },
      choice.done,
    );
    return { deleted, failed, notFound: choice.notFound() };
  }

  /**
   * Receive up to `limit` distinct letters in batches, calling `visit` on each; the ones it did
   * not settle (returned false) stay held and are put back, in order, when the scan ends. Stops
   * early once `done()` holds.
   */
  private async scan(
    limit: number,
    visit: (message: Message<unknown>) => Promise<boolean>,
    done: () => boolean = () => false,
  ): Promise<void> {
    const held: Message<unknown>[] = [];
    const seen = new Set<string>();
    try {
      // A letter whose hold ran out comes back and is skipped; the bound ends even that case.
      for (let receives = 0; seen.size < limit && !done() && receives <= limit + 10; receives++) {
        const batch = await this.mailbox.receive({
          maxMessages: Math.min(MAX_RECEIVE_MESSAGES, limit - seen.size),
          visibilityTimeout: this.holdSeconds,
          waitTimeSeconds: this.waitSeconds,
        });
        if (batch.length === 0) break;
        for (const message of batch) {
          if (seen.has(message.id) || seen.size >= limit || done()) {
            held.push(message);
            continue;
          }
          seen.add(message.id);
          if (!(await visit(message))) held.push(message);
        }
      }
    } finally {
      await release(held);
    }
  }
}

/** `value` when it is a number from `min` to `max` (whole when `whole`); otherwise throws `invalid_argument`. */
function inRange(name: string, value: number, min: number, max: number, whole: boolean): number {
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new WinkError(
      "invalid_argument",
      `DLQConsumer ${name} must be ${whole ? "a whole number" : "a number"} from ${min} to ${max}, got ${String(value)}.`,
    );
  }
  return value;
}

/** `limit`, or `fallback` when absent, checked to be a whole number >= 1. */
function checkLimit(limit: number | undefined, fallback: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new WinkError("invalid_argument", `limit must be a whole number >= 1, got ${String(value)}.`);
  }
  return value;
}

/**
 * Put held letters back at once, one after another so their order is kept. A letter whose hold
 * already ended is back anyway; with the broker gone, the rest come back when their hold ends.
 */
async function release(messages: readonly Message<unknown>[]): Promise<void> {
  for (const message of messages) {
    if (message.finalized) continue;
    const lost = await message.nack(0).then(
      () => false,
      (error: unknown) => error instanceof MailboxConnectionError,
    );
    if (lost) return;
  }
}
