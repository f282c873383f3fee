/**
 * Identifiers made in bulk: one per event on every tool call and evaluation.
 *
 * `crypto.randomUUID()` costs about 0.3 µs, mostly in formatting its 16 random bytes, and an
 * evaluation publishes a dozen events. {@link eventId} draws a random UUID once per 65,536 ids,
 * keeps its first 32 characters (106 random bits) and appends a 4-hex-digit counter: the ids keep
 * the UUID format, are unique within a process (each prefix serves 65,536 ids, then a new one is
 * drawn) and across processes as long as two random 106-bit prefixes do not meet. Each id is two
 * table lookups and a concatenation, about 10 ns. They are identifiers, not secrets: ids made
 * close together differ only in their last four digits.
 */

import { randomUUID } from "node:crypto";

/** Ids per random prefix: exactly the four hex digits of the counter. */
const RUN = 65_536;
/** `00` … `ff`. */
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

let prefix = "";
let counter = RUN;

/** A new id in UUID format for an event or an evaluation; see the module doc for its guarantees. */
export function eventId(): string {
  if (counter === RUN) {
    // `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxx`: all but the last four digits of a random UUID.
    prefix = randomUUID().slice(0, 32);
    counter = 0;
  }
  const count = counter++;
  return prefix + (HEX_BYTE[count >>> 8] as string) + (HEX_BYTE[count & 255] as string);
}
