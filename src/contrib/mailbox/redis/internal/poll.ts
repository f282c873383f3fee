/**
 * One receive on the command connection, and the pause between polls when receives do not block:
 * both end at once when the caller's signal aborts or the mailbox closes, and a receive Redis does
 * not answer within `responseTimeoutMs` fails — what it took later goes back to the queue.
 *
 * @internal
 */

import { randomUUID } from "node:crypto";
import type { WakeList } from "../../../../runtime/mailbox/internal/abort-fanout.js";
import { interruptible, type WaitOutcome } from "../../../../runtime/mailbox/internal/interruptible.js";
import { connectionError, noAnswerError } from "./codec.js";
import { type LateReleases, releaseLate } from "./reaper.js";
import { type RedisClient, SCRIPTS } from "./scripts.js";
import type { Settings } from "./settings.js";

/** The mailbox a poll runs for. */
export interface PollTarget {
  readonly client: RedisClient;
  readonly settings: Settings;
  /** The mailbox's close and its client's. */
  readonly closing: readonly WakeList[];
  /** Releases of receives answered after their caller gave up. */
  readonly late: LateReleases;
}

/** The receive script's ARGV: visibility, TTL, then one fresh handle suffix per message wanted. */
export function receiveArgs(max: number, visibilityMs: number, ttlSeconds: number): (string | number)[] {
  const args: (string | number)[] = [visibilityMs, ttlSeconds];
  // randomUUID draws on a cached pool of entropy; randomBytes would ask the kernel every call.
  for (let i = 0; i < max; i++) args.push(randomUUID().replaceAll("-", ""));
  return args;
}

/** Where a late receive's messages go back to. */
export function releaseTarget({ client, settings, late }: PollTarget) {
  const { name, keys, ttlSeconds } = settings;
  return { name, client, keys, ttlSeconds, late };
}

/** Run the receive script once; the raw reply, or `undefined` when the signal or close() came first. */
export async function pollOnce(
  target: PollTarget,
  args: readonly (string | number)[],
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const { client, settings } = target;
  const { name, clock, responseTimeoutMs, address, keys } = settings;
  const action = "receive messages";
  const call = SCRIPTS.receive.run(client, keys, args);
  let outcome: WaitOutcome<unknown>;
  try {
    outcome = await interruptible(call, {
      clock,
      timeoutMs: responseTimeoutMs,
      signal,
      closing: target.closing,
    });
  } catch (error) {
    throw connectionError(name, address, action, error);
  }
  if (outcome.kind === "done") return outcome.value;
  releaseLate(call, releaseTarget(target));
  if (outcome.kind === "stopped") return undefined;
  throw noAnswerError(name, address, action, responseTimeoutMs);
}

/** Sleep `ms` on the mailbox's clock; false when `signal` or close() woke it early. */
export async function pause(
  target: PollTarget,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const { clock } = target.settings;
  const timer = new AbortController();
  const outcome = await interruptible(clock.sleep(ms, timer.signal), {
    clock,
    timeoutMs: Number.POSITIVE_INFINITY,
    signal,
    closing: target.closing,
  });
  if (outcome.kind === "done") return true;
  timer.abort();
  return false;
}
