/**
 * The types of the mailbox conformance suite: the public harness, factory and case a backend
 * implements or runs, and the internal shape of one named check.
 */

import type { Mailbox } from "../../runtime/mailbox/types.js";

/** The body the suite sends. */
export interface MailboxConformanceBody {
  readonly seq: number;
  readonly text: string;
}

/** A fresh pair of mailboxes for one case, and a way to let time pass. */
export interface MailboxConformanceHarness {
  /** The mailbox under test; empty, open, with a name no other case uses. */
  readonly mailbox: Mailbox<MailboxConformanceBody, unknown>;
  /**
   * Where replies go. The suite passes it as `replyTo`; a backend that stores only the name must
   * be able to resolve `replies.name` with its resolver.
   */
  readonly replies: Mailbox<unknown>;
  /** Let `seconds` pass: advance a fake clock, or sleep for real. */
  advance(seconds: number): Promise<void>;
  /** Close both mailboxes and release what the factory created. Called once per case. */
  close(): Promise<void>;
}

/** Creates a fresh harness for each case. */
export type MailboxConformanceFactory = () => Promise<MailboxConformanceHarness>;

/** One guarantee: a name that reads as a specification and the check itself. */
export interface MailboxConformanceCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** One check of the suite: throws (via `node:assert`) when the harness's mailbox breaks the guarantee. */
export type Check = (h: MailboxConformanceHarness) => Promise<void>;

/** Checks in the order they run, each with the name that reads as its specification. */
export type NamedChecks = readonly (readonly [string, Check])[];
