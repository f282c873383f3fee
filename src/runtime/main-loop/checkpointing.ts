/**
 * A MainLoop's side of resuming requests: the evaluation saves to the loop's
 * {@link CheckpointStore} under the request id, a redelivered request resumes from what an earlier
 * attempt saved, and the checkpoint is deleted once the request is settled for good (answered,
 * failed or dead-lettered; not when it is retried or returned, which resume).
 */

import type { EvaluationCheckpoints } from "../../adapters/types.js";
import { getLogger } from "../../logging/index.js";
import type { CheckpointStore } from "../checkpoints/store.js";
import type { SettleOutcome } from "./settle.js";

const log = getLogger("weakincentives.runtime.main_loop");

/** `MainLoopConfig.checkpoints`: where to keep request checkpoints, and for how long. */
export interface CheckpointConfig {
  readonly store: CheckpointStore;
  /** Seconds a checkpoint outlives its last save when the request is never settled (default one day). */
  readonly ttlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 86_400;

/**
 * The checkpoints of one attempt: resume from the stored one (a store that cannot be read means
 * starting over, logged), save each step under the request id.
 */
export async function attemptCheckpoints(
  config: CheckpointConfig,
  requestId: string,
  attempt: number,
): Promise<EvaluationCheckpoints> {
  const ttl = config.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  let resumeFrom: EvaluationCheckpoints["resumeFrom"];
  try {
    resumeFrom = (await config.store.load(requestId))?.evaluation;
  } catch (error) {
    log.warning(
      "main_loop.checkpoint_load_failed",
      "Could not read the request's checkpoint; it starts over.",
      {
        requestId,
        error,
      },
    );
  }
  return {
    resumeFrom,
    save: (evaluation) => config.store.save({ requestId, attempt, evaluation }, ttl),
  };
}

/** Outcomes after which a request never runs again, so its checkpoint can go. */
const FINAL: ReadonlySet<SettleOutcome> = new Set(["succeeded", "failed", "dead_lettered"]);

/** Delete the checkpoint of a request settled for good; a failure is logged (it expires anyway). */
export function forgetSettled(
  config: CheckpointConfig,
  requestId: string | undefined,
  outcome: SettleOutcome,
): void {
  if (requestId === undefined || !FINAL.has(outcome)) return;
  config.store.delete(requestId).catch((error: unknown) => {
    log.warning(
      "main_loop.checkpoint_delete_failed",
      "Could not delete a settled request's checkpoint; it will expire.",
      {
        requestId,
        error,
      },
    );
  });
}
