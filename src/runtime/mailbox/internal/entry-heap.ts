/**
 * Stored messages of the in-memory mailbox and the min-heap that orders in-flight ones by
 * visibility expiry (ties in the order the visibility was set), so expiry, ack, nack and extend
 * are O(log n) without a map lookup.
 */

import type { Mailbox } from "../types.js";

export const PENDING = 0;
export const IN_FLIGHT = 1;
export const DELETED = 2;
export type EntryState = typeof PENDING | typeof IN_FLIGHT | typeof DELETED;

/** One stored message. The queue changes it in place; messages handed out point at it. */
export class Entry<Body> {
  deliveryCount = 0;
  state: EntryState = PENDING;
  /** The handle of the current delivery; undefined when nobody holds a valid one. */
  handle: string | undefined = undefined;
  /** Monotonic ms when an in-flight entry becomes visible again. */
  expiresAt = 0;
  /** Breaks expiry ties in the order visibilities were set. */
  order = 0;
  heapIndex = -1;

  constructor(
    readonly id: string,
    readonly body: Body,
    readonly enqueuedAtMs: number,
    readonly replyName: string | undefined,
    readonly replyMailbox: Mailbox<unknown> | undefined,
  ) {}
}

// In-flight entries live in a binary min-heap on (expiresAt, order) that records each entry's
// index, so acknowledging removes in O(log n) and the reaper reads the earliest expiry in O(1).

function before<B>(a: Entry<B>, b: Entry<B>): boolean {
  return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.order < b.order);
}

function siftUp<B>(heap: Entry<B>[], start: number): void {
  const entry = heap[start] as Entry<B>;
  let i = start;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const parent = heap[p] as Entry<B>;
    if (!before(entry, parent)) break;
    heap[i] = parent;
    parent.heapIndex = i;
    i = p;
  }
  heap[i] = entry;
  entry.heapIndex = i;
}

function siftDown<B>(heap: Entry<B>[], start: number): void {
  const entry = heap[start] as Entry<B>;
  const n = heap.length;
  let i = start;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    let c = l;
    if (r < n && before(heap[r] as Entry<B>, heap[l] as Entry<B>)) c = r;
    const child = heap[c] as Entry<B>;
    if (!before(child, entry)) break;
    heap[i] = child;
    child.heapIndex = i;
    i = c;
  }
  heap[i] = entry;
  entry.heapIndex = i;
}

export function heapPush<B>(heap: Entry<B>[], entry: Entry<B>): void {
  heap.push(entry);
  siftUp(heap, heap.length - 1);
}

export function heapRemove<B>(heap: Entry<B>[], entry: Entry<B>): void {
  const i = entry.heapIndex;
  const last = heap.pop() as Entry<B>;
  entry.heapIndex = -1;
  if (last !== entry) {
    heap[i] = last;
    last.heapIndex = i;
    siftUp(heap, i);
    siftDown(heap, last.heapIndex);
  }
}

export function heapUpdate<B>(heap: Entry<B>[], entry: Entry<B>): void {
  siftUp(heap, entry.heapIndex);
  siftDown(heap, entry.heapIndex);
}
