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
import { redactText } from "../../secrets/index.js";
import { type DeadLetter, DeadLetterSchema } from "./dlq.js";
import { MailboxConnectionError } from "./errors.js";
import {
  MAX_RECEIVE_MESSAGES,
  MAX_VISIBILITY_TIMEOUT,
  type Mailbox,
  type MailboxResolver,
  type Message,
} from "./types.js";

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

/** Options of {@link DLQConsumer}. */
export interface DLQConsumerOptions {
  /** Seconds letters being read stay invisible to other consumers: 1–43,200; default 30. */
  readonly holdSeconds?: number;
  /** Long poll of each receive, in seconds; default 0. Use 1 on SQS, whose short polls may miss letters. */
  readonly waitSeconds?: number;
  /** Finds a letter's source mailbox by name when `redrive` is given no `to`. */
  readonly resolver?: MailboxResolver;
}

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
    const run = new Redrive(this.mailbox, this.targets(options.to));
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
          failed.push({ letterId: message.id, error: describe(error) });
          return false;
        }
      },
      choice.done,
    );
    return { deleted, failed, notFound: choice.notFound() };
  }

  /** Where each letter goes: one promise per source name, so each mailbox is resolved once. */
  private targets(to: RedriveTarget | undefined): (letter: ListedLetter) => Promise<Mailbox<unknown>> {
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
          return (this.resolver as MailboxResolver).resolve(source);
        })();
        cache.set(source, target);
      }
      return target;
    };
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

/** One redrive run: sends letters, remembering targets found unreachable. */
class Redrive {
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
    if (message.bodyError) return keep(`its body cannot be read: ${describe(message.bodyError)}`);
    let mailbox: Mailbox<unknown>;
    try {
      mailbox = await this.target(letter);
    } catch (error) {
      return keep(describe(error));
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
      if (error instanceof MailboxConnectionError) this.unreachable.set(mailbox, describe(error));
      return keep(describe(error), mailbox.name);
    }
    try {
      await message.acknowledge();
    } catch (error) {
      this.sent.push({ ...base, to: mailbox.name, sentId, deleteError: describe(error) });
      return false;
    }
    this.sent.push({ ...base, to: mailbox.name, sentId });
    return true;
  }
}

/** Which letters `ids`/`all` choose, and which of the ids were found. */
function chooser(options: { readonly ids?: readonly string[]; readonly all?: boolean }, verb: string) {
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

function inRange(name: string, value: number, min: number, max: number, whole: boolean): number {
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new WinkError(
      "invalid_argument",
      `DLQConsumer ${name} must be ${whole ? "a whole number" : "a number"} from ${min} to ${max}, got ${String(value)}.`,
    );
  }
  return value;
}

function checkLimit(limit: number | undefined, fallback: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new WinkError("invalid_argument", `limit must be a whole number >= 1, got ${String(value)}.`);
  }
  return value;
}

function listed(message: Message<unknown>): ListedLetter {
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

function describe(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
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
