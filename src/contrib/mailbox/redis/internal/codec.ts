/**
 * Decoding what the Lua scripts return, and turning client failures into mailbox errors.
 *
 * @internal
 */

import type { z } from "zod";
import { describeThrown } from "../../../../errors.js";
import { getLogger } from "../../../../logging/index.js";
import {
  MailboxConnectionError,
  MailboxSerializationError,
  ReceiptHandleExpiredError,
  ReplyNotAvailableError,
} from "../../../../runtime/mailbox/errors.js";
import { formatIssues, schemaIssues } from "../../../../schema.js";
import type { Delivery } from "../message.js";

const log = getLogger("weakincentives.contrib.mailbox.redis");

/** Fields of one message in the receive script's reply, in order. */
type RawDelivery = readonly [string, string, number, string, string, string];

function isRawDelivery(value: unknown): value is RawDelivery {
  return (
    Array.isArray(value) &&
    value.length === 6 &&
    typeof value[0] === "string" &&
    typeof value[1] === "string" &&
    typeof value[2] === "number" &&
    typeof value[3] === "string" &&
    typeof value[4] === "string" &&
    typeof value[5] === "string"
  );
}

/**
 * The JSON text of `body`, or a MailboxSerializationError naming the message: when the body has
 * no JSON form, or its JSON is over `maxBytes` UTF-8 bytes.
 */
export function encodeBody(mailbox: string, id: string, body: unknown, maxBytes: number): string {
  let text: string | undefined;
  let cause: unknown;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    cause = error;
  }
  if (text === undefined) {
    const why = cause === undefined ? `JSON has no form for ${typeof body}` : describeThrown(cause);
    throw new MailboxSerializationError(
      `Message ${id} for Redis mailbox "${mailbox}" cannot be sent: its body is not JSON-serializable ` +
        `(${why}). Send plain data: objects, arrays, strings, finite numbers, booleans and null ` +
        `(no bigint, functions, undefined or circular references).`,
      { details: { mailbox, messageId: id }, cause },
    );
  }
  // Cheap bound first: a UTF-8 byte is at least one UTF-16 unit and at most three.
  if (text.length * 3 > maxBytes) checkSize(mailbox, id, Buffer.byteLength(text, "utf8"), maxBytes);
  return text;
}

function checkSize(mailbox: string, id: string, size: number, limit: number): void {
  if (size <= limit) return;
  throw new MailboxSerializationError(
    `Message ${id} for Redis mailbox "${mailbox}" is ${size} bytes of JSON, over the mailbox's limit of ` +
      `${limit} bytes (${formatKiB(limit)}). Send a smaller body (store a large payload elsewhere and send ` +
      `its key), or raise the mailbox's maxMessageBytes option.`,
    { details: { mailbox, messageId: id, size, limit } },
  );
}

function formatKiB(bytes: number): string {
  const kib = bytes / 1024;
  return `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
}

/**
 * The `[id, handle suffix]` of every delivery in a raw receive reply (empty for anything else):
 * what a receive whose caller gave up needs to put its messages back.
 */
export function deliveredHandles(reply: unknown): [string, string][] {
  const deliveries: unknown = Array.isArray(reply) ? reply[0] : undefined;
  if (!Array.isArray(deliveries)) return [];
  return deliveries.filter(isRawDelivery).map((delivery) => [delivery[0], delivery[5]]);
}

/**
 * Parse and (with a schema) validate a stored body. A bad body does not throw: the message is
 * delivered with the raw value and a `bodyError`, so it is never lost.
 */
function decodeBody<Body>(
  mailbox: string,
  id: string,
  text: string,
  schema: z.ZodType<Body> | undefined,
): Pick<Delivery<Body>, "body" | "bodyError"> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const bodyError = new MailboxSerializationError(
      `Message ${id} in Redis mailbox "${mailbox}" holds a body that is not JSON (${describeThrown(error)}). ` +
        `It is delivered with the raw text as its body: dead-letter or acknowledge it, and check what ` +
        `writes to this queue.`,
      { details: { mailbox, messageId: id }, cause: error },
    );
    return warn(mailbox, id, text as Body, bodyError);
  }
  if (schema === undefined) return { body: value as Body, bodyError: undefined };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { body: parsed.data, bodyError: undefined };
  const bodyError = new MailboxSerializationError(
    `Message ${id} in Redis mailbox "${mailbox}" does not match the mailbox's bodySchema:\n` +
      `${formatIssues(schemaIssues(parsed.error))}\nIt is delivered with its raw body: dead-letter or ` +
      `acknowledge it, and make the senders match the schema.`,
    { details: { mailbox, messageId: id }, cause: parsed.error },
  );
  return warn(mailbox, id, value as Body, bodyError);
}

function warn<Body>(
  mailbox: string,
  messageId: string,
  body: Body,
  bodyError: MailboxSerializationError,
): Pick<Delivery<Body>, "body" | "bodyError"> {
  log.warning("mailbox.invalid_body", "Delivering a message whose body is invalid.", {
    mailbox,
    messageId,
    error: bodyError,
  });
  return { body, bodyError };
}

/** What one receive script call gave: deliveries, or when none, when the first lease in flight ends. */
export interface ReceiveReply<Body> {
  readonly deliveries: Delivery<Body>[];
  /** Ms until the first in-flight message's visibility ends; -1 when none (or something was delivered). */
  readonly nextDueMs: number;
}

/** The deliveries (and the next lease expiry) in a receive script reply `{deliveries, nextDueMs}`. */
export function decodeDeliveries<Body>(
  mailbox: string,
  raw: unknown,
  schema: z.ZodType<Body> | undefined,
): ReceiveReply<Body> {
  const reply: unknown = Array.isArray(raw) && raw.length === 2 ? raw[0] : undefined;
  const nextDueMs: unknown = Array.isArray(raw) ? raw[1] : undefined;
  if (!Array.isArray(reply) || !reply.every(isRawDelivery) || typeof nextDueMs !== "number") {
    throw new MailboxConnectionError(
      `Redis mailbox "${mailbox}" got a reply it does not understand from its receive script. ` +
        `Check that the client talks to a Redis server (5 or newer) and not a proxy that rewrites replies.`,
      { details: { mailbox } },
    );
  }
  // One literal per delivery: spreading the decoded body into it would make V8 build a slow
  // dictionary-mode object for every message received.
  const deliveries = reply.map(([id, text, deliveryCount, enqueued, replyTo, suffix]): Delivery<Body> => {
    const { body, bodyError } = decodeBody(mailbox, id, text, schema);
    return {
      id,
      body,
      bodyError,
      suffix,
      deliveryCount,
      enqueuedMs: Number(enqueued),
      replyTo: replyTo === "" ? undefined : replyTo,
    };
  });
  return { deliveries, nextDueMs };
}

/** A MailboxConnectionError for a failed `action`, naming the queue and the server, keeping `cause`. */
export function connectionError(
  mailbox: string,
  address: string,
  action: string,
  cause: unknown,
): MailboxConnectionError {
  return new MailboxConnectionError(
    `Redis mailbox "${mailbox}" could not ${action} (${address}): ${describeThrown(cause)}. ` +
      `Check the Redis URL (host, port, db, password) and that redis-server is running and reachable.`,
    { details: { mailbox, address, action }, cause },
  );
}

/** A MailboxConnectionError for a command Redis did not answer within `timeoutMs`. */
export function noAnswerError(
  mailbox: string,
  address: string,
  action: string,
  timeoutMs: number,
): MailboxConnectionError {
  return new MailboxConnectionError(
    `Redis mailbox "${mailbox}" could not ${action} (${address}): Redis did not answer within ${timeoutMs} ms. ` +
      `Check that redis-server is running and reachable; raise responseTimeoutMs only if the server is ` +
      `reachable but slow.`,
    { details: { mailbox, address, action, responseTimeoutMs: timeoutMs } },
  );
}

/** A MailboxConnectionError for a command cut off because the mailbox's client was closed. */
export function closedClientError(mailbox: string, address: string, action: string): MailboxConnectionError {
  return new MailboxConnectionError(
    `Redis mailbox "${mailbox}" could not ${action} (${address}): its Redis connection was closed by ` +
      `close() of the mailbox that opened it. Open the mailbox again to reconnect.`,
    { details: { mailbox, address, action } },
  );
}

/** A settle whose receipt handle is no longer the message's current one. */
export function staleHandleError(mailbox: string, id: string, suffix: string): ReceiptHandleExpiredError {
  const receiptHandle = `${id}:${suffix}`;
  return new ReceiptHandleExpiredError(
    `The receipt handle "${receiptHandle}" of message ${id} in Redis mailbox "${mailbox}" is no longer ` +
      `valid: the message was delivered again, settled, or purged. Receive the message again for a ` +
      `current handle, and keep processing shorter than the visibility timeout (or extend it).`,
    { details: { mailbox, messageId: id, receiptHandle } },
  );
}

/** `reply()` on a message sent without `replyTo`. */
export function noReplyAddressError(mailbox: string, id: string): ReplyNotAvailableError {
  return new ReplyNotAvailableError(
    `Message ${id} of mailbox "${mailbox}" has no reply address, so reply() has nowhere to ` +
      `send. Pass { replyTo } to send() when the sender expects an answer.`,
    { details: { mailbox, messageId: id } },
  );
}
