/**
 * Looking into a dead-letter mailbox and sending letters back: {@link DLQConsumer}. What `wink dlq`
 * runs.
 *
 * Reading a queue means receiving from it, so {@link DLQConsumer.list} holds the letters it reads
 * invisible for a moment (`holdSeconds`) and then puts them back at once: other consumers of the
 * dead-letter mailbox may miss them for that moment. A redriven letter is acknowledged (deleted)
 * right after its body was sent: a crash between the two sends it twice, never loses it.
 *
 * @example
 * ```ts
 * import { DLQConsumer, type DeadLetter, InMemoryMailbox } from "weakincentives/runtime";
 *
 * const deadLetters = new InMemoryMailbox<DeadLetter>({ name: "reviews-dlq" });
 * const requests = new InMemoryMailbox({ name: "reviews" });
 * const dlq = new DLQConsumer(deadLetters);
 * for (const letter of await dlq.list()) console.log(letter.messageId, letter.lastErrorType);
 * await dlq.redrive({ all: true, to: () => requests });
 * ```
 */

import { WinkError } from "../../errors.js";
import { type DeadLetter, DeadLetterSchema } from "./dlq.js";
import type { Mailbox, Message } from "./types.js";

/** A dead letter as listed: the record and the letter's own id in the dead-letter mailbox. */
export interface ListedLetter extends DeadLetter {
  /** The dead-letter message's id (what `show` and `redrive` take); `messageId` is the original's. */
  readonly letterId: string;
}

/** What {@link DLQConsumer.redrive} did with one letter. */
export interface RedriveOutcome {
  readonly letterId: string;
  readonly messageId: string;
  readonly to: string;
  /** The id of the new message, when it was sent. */
  readonly sentId?: string;
  /** Why it stayed in the dead-letter mailbox, when it could not be sent. */
  readonly error?: string;
}

/** Options of {@link DLQConsumer.redrive}: which letters, and where they go. */
export interface RedriveOptions {
  /** Letter ids (or original message ids) to send back. */
  readonly ids?: readonly string[];
  /** Send back every letter (up to `limit`). */
  readonly all?: boolean;
  /** Most letters to look at (default 1,000). */
  readonly limit?: number;
  /** The mailbox a letter goes to, from its `sourceMailbox` name. */
  readonly to: (sourceMailbox: string) => Mailbox<unknown> | Promise<Mailbox<unknown>>;
}

/** Reads and redrives the letters of one dead-letter mailbox. */
export class DLQConsumer {
  /**
   * @param mailbox the dead-letter mailbox.
   * @param holdSeconds how long letters being read stay invisible to others (default 30).
   */
  constructor(
    readonly mailbox: Mailbox<DeadLetter>,
    private readonly holdSeconds = 30,
  ) {}

  /** The letters, oldest first as the mailbox hands them out, up to `limit` (default 100). */
  async list(options: { readonly limit?: number } = {}): Promise<ListedLetter[]> {
    const held = await this.hold(options.limit ?? 100);
    try {
      return held.map(listed);
    } finally {
      await release(held);
    }
  }

  /** One letter by its letter id or original message id, or undefined. */
  async show(id: string): Promise<ListedLetter | undefined> {
    return (await this.list({ limit: 1_000 })).find((l) => l.letterId === id || l.messageId === id);
  }

  /**
   * Send the chosen letters' bodies back (to `to(sourceMailbox)`, with their reply address) and
   * delete them; letters not chosen, or that could not be sent, stay.
   * @throws WinkError `invalid_argument` when neither `ids` nor `all` says which letters.
   */
  async redrive(options: RedriveOptions): Promise<RedriveOutcome[]> {
    if (!options.all && (options.ids === undefined || options.ids.length === 0)) {
      throw new WinkError(
        "invalid_argument",
        "redrive needs `ids` or `all: true` to know which letters to send back.",
      );
    }
    const wanted = new Set(options.ids ?? []);
    const held = await this.hold(options.limit ?? 1_000);
    const outcomes: RedriveOutcome[] = [];
    const keep: Message<DeadLetter>[] = [];
    for (const message of held) {
      const letter = message.body;
      if (!options.all && !wanted.has(message.id) && !wanted.has(letter.messageId)) {
        keep.push(message);
        continue;
      }
      const base = { letterId: message.id, messageId: letter.messageId, to: letter.sourceMailbox };
      try {
        const target = await options.to(letter.sourceMailbox);
        const sentId = await target.send(letter.body, letter.replyTo ? { replyTo: letter.replyTo } : {});
        await message.acknowledge();
        outcomes.push({ ...base, to: target.name, sentId });
      } catch (error) {
        keep.push(message);
        outcomes.push({ ...base, error: error instanceof Error ? error.message : String(error) });
      }
    }
    await release(keep);
    return outcomes;
  }

  /** Receive up to `limit` letters and keep them invisible until released. */
  private async hold(limit: number): Promise<Message<DeadLetter>[]> {
    const held: Message<DeadLetter>[] = [];
    while (held.length < limit) {
      const batch = await this.mailbox.receive({
        maxMessages: Math.min(10, limit - held.length),
        visibilityTimeout: this.holdSeconds,
        waitTimeSeconds: 0,
      });
      if (batch.length === 0) break;
      held.push(...batch);
    }
    return held;
  }
}

function listed(message: Message<DeadLetter>): ListedLetter {
  const parsed = DeadLetterSchema.safeParse(message.body);
  if (parsed.success) return { ...parsed.data, letterId: message.id };
  // Not a record a DLQPolicy wrote: show what there is rather than hide it.
  return {
    letterId: message.id,
    messageId: message.id,
    body: message.body,
    sourceMailbox: "",
    deliveryCount: message.deliveryCount,
    lastError: "not a dead-letter record (sent to this mailbox by something other than a DLQPolicy)",
    lastErrorType: "unknown",
    deadLetteredAt: "",
    firstReceivedAt: "",
  };
}

/** Put held letters back at once; a letter whose hold already ended is back anyway. */
async function release(messages: readonly Message<DeadLetter>[]): Promise<void> {
  await Promise.allSettled(messages.map((m) => m.nack(0)));
}
