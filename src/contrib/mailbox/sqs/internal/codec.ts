/**
 * Message bodies on the wire: JSON text in `MessageBody`, sized the way SQS counts it (body plus
 * every attribute's name, type and value, in UTF-8 bytes).
 */

import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { z } from "zod";
import { MailboxSerializationError } from "../../../../runtime/mailbox/errors.js";
import { formatIssues, schemaIssues } from "../../../../schema.js";

/** The SQS message size limit most queues have (256 KiB); AWS allows queues up to 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 262_144;

/** The largest message any SQS queue accepts (1 MiB). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

// SQS accepts only XML characters in a body, and emulators also refuse astral characters; both
// can appear in JSON only inside strings, where a \u escape parses back to the same text.
const UNSAFE_CHARS = /[\uD800-\uDFFF\uFFFE\uFFFF]/g;

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `body` as JSON text SQS accepts. Throws {@link MailboxSerializationError} when it is not JSON
 * data (a BigInt, a cycle, `undefined`, a function).
 */
export function encodeBody(body: unknown, mailbox: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    throw new MailboxSerializationError(
      `The body sent to mailbox "${mailbox}" cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}. ` +
        `Send plain data (objects, arrays, strings, finite numbers, booleans, null).`,
      { cause: error, details: { mailbox } },
    );
  }
  if (json === undefined) {
    throw new MailboxSerializationError(
      `The body sent to mailbox "${mailbox}" is ${typeof body}, which has no JSON form. Send plain data instead.`,
      { details: { mailbox, type: typeof body } },
    );
  }
  return json.replace(UNSAFE_CHARS, escapeChar);
}

/** Bytes SQS counts against its size limit for this body and these attributes. */
export function messageBytes(
  body: string,
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): number {
  let size = Buffer.byteLength(body, "utf8");
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, "utf8") + Buffer.byteLength(attribute.DataType ?? "", "utf8");
    size += Buffer.byteLength(attribute.StringValue ?? "", "utf8");
  }
  return size;
}

/** Throw {@link MailboxSerializationError} naming `size` and `limit` when the message is too large. */
export function checkSize(size: number, limit: number, mailbox: string): void {
  if (size <= limit) return;
  throw new MailboxSerializationError(
    `The message for mailbox "${mailbox}" is ${size} bytes (JSON body plus attributes), over the limit of ` +
      `${limit} bytes (${(limit / 1024).toFixed(0)} KiB). Send a smaller body — for example store the payload ` +
      `in S3 and send its key — or, if the queue's MaximumMessageSize allows it, raise maxMessageBytes ` +
      `(at most ${SQS_MAX_MESSAGE_BYTES}).`,
    { details: { mailbox, size, limit } },
  );
}

/** Check `body` against `schema` before sending; the original body is what gets sent. */
export function validateOutgoing<Body>(
  schema: z.ZodType<Body> | undefined,
  body: Body,
  mailbox: string,
): void {
  if (schema === undefined) return;
  const result = schema.safeParse(body);
  if (result.success) return;
  throw new MailboxSerializationError(
    `The body sent to mailbox "${mailbox}" does not match its bodySchema:\n${formatIssues(schemaIssues(result.error))}\n` +
      `Fix the body, or the bodySchema given to the mailbox.`,
    { details: { mailbox, issues: schemaIssues(result.error) } },
  );
}

/** A received body: the parsed value, or why it could not be read along with the raw value. */
export type Decoded<Body> =
  | { readonly ok: true; readonly body: Body }
  | { readonly ok: false; readonly reason: string; readonly raw: unknown };

/** Parse a received `MessageBody` as JSON and, when given, with `schema`. */
export function decodeBody<Body>(
  text: string | undefined,
  schema: z.ZodType<Body> | undefined,
): Decoded<Body> {
  let value: unknown;
  try {
    value = JSON.parse(text ?? "");
  } catch (error) {
    return {
      ok: false,
      reason: `its body is not JSON (${error instanceof Error ? error.message : String(error)})`,
      raw: text ?? "",
    };
  }
  if (schema === undefined) return { ok: true, body: value as Body };
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, body: result.data };
  return {
    ok: false,
    reason: `its body does not match the bodySchema:\n${formatIssues(schemaIssues(result.error))}`,
    raw: value,
  };
}
