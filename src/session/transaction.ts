/**
 * All-or-nothing session updates: run some work and, if it throws, put the session's working
 * state back as it was. History (LOG slices such as `ToolInvoked`) is kept, so a failed tool call
 * still shows up in telemetry while leaving no trace in state.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineType } from "weakincentives";
 * import { Session, withTransaction } from "weakincentives/runtime";
 *
 * const AddStep = defineType("AddStep", z.object({ step: z.string() }));
 * const session = new Session();
 * await withTransaction(session, async () => {
 *   session.dispatch(AddStep.create({ step: "draft" }));
 *   throw new Error("tool failed"); // the AddStep effect is rolled back, the error rethrown
 * });
 * ```
 */

import { describeThrown, TransactionError } from "../errors.js";
import { getLogger } from "../logging/index.js";
import type { Snapshot } from "./snapshot.js";

const log = getLogger("weakincentives.runtime.session");

/** Anything that can snapshot and restore its state, such as a `Session`. */
export interface Transactional {
  /** Capture the current working state. */
  snapshot(): Snapshot;
  /** Put the captured working state back. */
  restore(snapshot: Snapshot): void;
}

/**
 * Run `fn`; if it throws (or its promise rejects), restore the STATE snapshot taken just before
 * and rethrow the same error. Resolves to `fn`'s result. A rollback that itself fails raises a
 * {@link TransactionError} whose `cause` is the restore failure and whose details keep the
 * original error.
 */
export async function withTransaction<T>(target: Transactional, fn: () => T | Promise<T>): Promise<T> {
  const snapshot = target.snapshot();
  try {
    return await fn();
  } catch (error) {
    try {
      target.restore(snapshot);
    } catch (restoreError) {
      throw new TransactionError(
        `Rolling back session ${snapshot.sessionId} failed (${describeThrown(restoreError)}) after the transaction threw: ${describeThrown(error)}. The session may hold partial changes; discard it.`,
        { cause: restoreError, details: { sessionId: snapshot.sessionId, error } },
      );
    }
    log.debug("session.transaction_rolled_back", "A transaction failed; its state changes were undone.", {
      sessionId: snapshot.sessionId,
      error: describeThrown(error),
    });
    throw error;
  }
}
