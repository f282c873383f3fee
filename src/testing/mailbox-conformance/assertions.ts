/**
 * The steps the conformance checks are written in: send numbered bodies, receive an exact number
 * of messages, and assert that nothing is visible or that an action fails with a given error.
 */

import assert from "node:assert/strict";
import type { Mailbox, Message, ReceiveOptions } from "../../runtime/mailbox/types.js";
import type { MailboxConformanceBody } from "./types.js";

type Body = MailboxConformanceBody;
type ErrorClass = abstract new (...args: never[]) => Error;

/** The body with sequence number `seq`. */
export const body = (seq: number): Body => ({ seq, text: `message ${seq}` });

/** Sends bodies 0 to `count - 1`, in order; the ids the mailbox returned. */
export async function sendAll(mailbox: Mailbox<Body, unknown>, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let seq = 0; seq < count; seq++) ids.push(await mailbox.send(body(seq)));
  return ids;
}

/** Receive until `count` messages arrived; a backend may return fewer than asked per call. */
export async function receiveCount<B>(
  mailbox: Mailbox<B, unknown>,
  count: number,
  options: ReceiveOptions = {},
): Promise<Message<B, unknown>[]> {
  const got: Message<B, unknown>[] = [];
  for (let attempt = 0; attempt < 20 && got.length < count; attempt++) {
    got.push(...(await mailbox.receive({ maxMessages: count - got.length, ...options })));
  }
  assert.equal(got.length, count, `expected ${count} messages from "${mailbox.name}", got ${got.length}`);
  return got;
}

/** Receives exactly one message (failing the check when none arrives). */
export async function receiveOne<B>(
  mailbox: Mailbox<B, unknown>,
  options: ReceiveOptions = {},
): Promise<Message<B, unknown>> {
  const [msg] = await receiveCount(mailbox, 1, options);
  return msg as Message<B, unknown>;
}

/** Fails the check when a receive returns any message; `why` says why none should be visible. */
export async function expectNothing(mailbox: Mailbox<Body, unknown>, why: string): Promise<void> {
  const got = await mailbox.receive({ maxMessages: 10 });
  assert.deepEqual(
    got.map((m) => m.body),
    [],
    `expected no visible message (${why}), got ${got.length}`,
  );
}

/** Fails the check unless `action` rejects with an `errorClass` whose message mentions every text. */
export async function expectError(
  action: Promise<unknown>,
  errorClass: ErrorClass,
  ...mentions: string[]
): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(
      error instanceof errorClass,
      `expected ${errorClass.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    for (const text of mentions) {
      assert.ok(
        error.message.includes(text),
        `expected the error message to mention "${text}": ${error.message}`,
      );
    }
    return true;
  });
}
