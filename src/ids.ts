/**
 * Identifiers made in bulk: one per event on every tool call and evaluation.
 *
 * `crypto.randomUUID()` costs about 0.3 µs, mostly in formatting its 16 random bytes, and an
 * evaluation publishes a dozen events. {@link eventId} draws a random UUID once per 65,536 ids
 * and counts in its last 48 bits: the ids keep the UUID format, are unique within a process (in
 * creation order within a run of the counter) and across processes as long as two random
 * 74-bit prefixes do not meet. They are identifiers, not secrets: ids made close together
 * differ only in their tail.
 */

import { randomUUID } from "node:crypto";

/** Ids drawn from one random prefix before a new one is drawn. */
const RUN = 65_536;
const TAIL_SPAN = 2 ** 48;

let prefix = "";
let tail = 0;
let left = 0;

/** A new id in UUID format for an event or an evaluation; see the module doc for its guarantees. */
export function eventId(): string {
  if (left === 0) {
    const seed = randomUUID();
    prefix = seed.slice(0, 24);
    tail = Number.parseInt(seed.slice(24), 16);
    left = RUN;
  }
  left--;
  tail = tail + 1 === TAIL_SPAN ? 0 : tail + 1;
  return prefix + tail.toString(16).padStart(12, "0");
}
