/**
 * The settle-exactly-once rule every `Message` implementation enforces: after an acknowledge or a
 * nack (or while one is in flight) the delivery can be neither settled again nor replied to. A
 * failed settle call is undone, so it can be retried.
 */

import { MessageFinalizedError } from "./errors.js";

/** How a delivery was settled. */
export type Settlement = "acknowledged" | "nacked";

/** Tracks whether one delivery was settled and refuses what the contract forbids after that. */
export class SettlementGuard {
  #settled: Settlement | undefined = undefined;

  constructor(
    private readonly mailbox: string,
    private readonly messageId: string,
  ) {}

  /** True once settled (or while the settle call is in flight). */
  get settled(): boolean {
    return this.#settled !== undefined;
  }

  /** Throw {@link MessageFinalizedError} naming `action` if the delivery is settled. */
  check(action: string): void {
    if (this.#settled !== undefined) {
      throw new MessageFinalizedError(
        `Cannot ${action} message ${this.messageId} of mailbox "${this.mailbox}": it was already ` +
          `${this.#settled}. Reply before settling, and settle each delivery exactly once.`,
        { details: { mailbox: this.mailbox, messageId: this.messageId, settled: this.#settled } },
      );
    }
  }

  /** Check, mark settled before `call` (so a concurrent settle fails), and undo if `call` fails. */
  async settle(as: Settlement, action: string, call: () => void | Promise<void>): Promise<void> {
    this.check(action);
    this.#settled = as;
    try {
      await call();
    } catch (error) {
      this.#settled = undefined;
      throw error;
    }
  }
}
