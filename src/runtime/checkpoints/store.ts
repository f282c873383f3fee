/**
 * Where a MainLoop keeps the checkpoints of the requests it is working on, so a request
 * redelivered after its worker died resumes instead of starting over. Keyed by request id (the
 * latest attempt's checkpoint wins); deleted when the request is settled and expired otherwise.
 *
 * @example
 * ```ts
 * import { InMemoryCheckpointStore } from "weakincentives/runtime";
 *
 * const checkpoints = new InMemoryCheckpointStore();
 * // new MainLoop({ ..., config: { checkpoints: { store: checkpoints } } })
 * ```
 */

import type { EvaluationCheckpoint } from "../../adapters/types.js";
import { type Clock, SYSTEM_CLOCK } from "../../clock.js";
import { WinkError } from "../../errors.js";

/** A request's saved progress: the attempt that saved it and its evaluation's checkpoint. */
export interface RequestCheckpoint {
  readonly requestId: string;
  /** Delivery count of the attempt that saved it. */
  readonly attempt: number;
  readonly evaluation: EvaluationCheckpoint;
}

/** Storage for {@link RequestCheckpoint}s; implementations must be safe across processes. */
export interface CheckpointStore {
  /** Store (replace) the checkpoint of `checkpoint.requestId`, expiring after `ttlSeconds`. */
  save(checkpoint: RequestCheckpoint, ttlSeconds: number): Promise<void>;
  /** The checkpoint of `requestId`, or undefined when there is none (or it expired). */
  load(requestId: string): Promise<RequestCheckpoint | undefined>;
  /** Forget `requestId`'s checkpoint (it is settled). */
  delete(requestId: string): Promise<void>;
}

/** The JSON a store holds, and its reading back, with an error that says what to do. */
export function encodeCheckpoint(checkpoint: RequestCheckpoint): string {
  return JSON.stringify(checkpoint);
}

/** Parse what {@link encodeCheckpoint} wrote; a malformed one is an error naming the request. */
export function decodeCheckpoint(requestId: string, text: string): RequestCheckpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const candidate = parsed as Partial<RequestCheckpoint> | undefined;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    candidate.requestId !== requestId ||
    typeof candidate.attempt !== "number" ||
    typeof candidate.evaluation !== "object" ||
    candidate.evaluation === null
  ) {
    throw new WinkError(
      "invalid_argument",
      `The checkpoint stored for request "${requestId}" is not a checkpoint this version wrote. Delete it to let the request start over.`,
      { details: { requestId } },
    );
  }
  return candidate as RequestCheckpoint;
}

/** Checkpoints in this process's memory: for tests, and for one worker that restarts its loops. */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly entries = new Map<string, { text: string; expiresAtMs: number }>();

  constructor(private readonly clock: Clock = SYSTEM_CLOCK) {}

  async save(checkpoint: RequestCheckpoint, ttlSeconds: number): Promise<void> {
    // Stored as JSON, as a shared store would: later changes to the live objects never leak in.
    const text = encodeCheckpoint(checkpoint);
    this.entries.set(checkpoint.requestId, { text, expiresAtMs: this.clock.epochMs() + ttlSeconds * 1_000 });
  }

  async load(requestId: string): Promise<RequestCheckpoint | undefined> {
    const entry = this.entries.get(requestId);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.clock.epochMs()) {
      this.entries.delete(requestId);
      return undefined;
    }
    return decodeCheckpoint(requestId, entry.text);
  }

  async delete(requestId: string): Promise<void> {
    this.entries.delete(requestId);
  }

  /** Request ids with a live checkpoint. */
  get size(): number {
    return this.entries.size;
  }
}
