/**
 * Lease extension tied to proof of work: while a message is being processed, every heartbeat
 * may push its visibility timeout forward. A worker that stops beating stops extending, so its
 * message becomes visible again and another worker takes it.
 *
 * Unlike a naive extender, this one never *shortens* a lease: a beat extends only when
 * `now + extension` lies beyond the message's current expiry.
 *
 * @example
 * ```ts nocheck
 * const extender = new LeaseExtender({ intervalSeconds: 60, extensionSeconds: 300 });
 * const detach = extender.attach(message, heartbeat, { visibilityTimeout: 1800 });
 * try { await work(); } finally { detach(); }
 * ```
 */

import { type Clock, SYSTEM_CLOCK } from "../clock.js";
import { WinkError } from "../errors.js";
import type { Heartbeat } from "./lifecycle/heartbeat.js";
import { getLogger } from "./logging/index.js";
import { ReceiptHandleExpiredError } from "./mailbox/errors.js";
import type { Message } from "./mailbox/types.js";

const log = getLogger("weakincentives.runtime.lease_extender");

/** When and by how much to extend. */
export interface LeaseExtenderConfig {
  /** Least seconds between two extensions of one message (default 60). */
  readonly intervalSeconds?: number;
  /** Seconds of visibility each extension grants, counted from the beat (default 300). */
  readonly extensionSeconds?: number;
  /** Default true; false turns extension off. */
  readonly enabled?: boolean;
}

/** Extends message leases on heartbeats. */
export class LeaseExtender {
  readonly intervalMs: number;
  readonly extensionSeconds: number;
  readonly enabled: boolean;
  private readonly clock: Clock;

  constructor(config: LeaseExtenderConfig = {}, clock: Clock = SYSTEM_CLOCK) {
    const interval = config.intervalSeconds ?? 60;
    const extension = config.extensionSeconds ?? 300;
    if (!(interval >= 0) || !(extension > 0 && extension <= 43_200)) {
      throw new WinkError(
        "invalid_config",
        `LeaseExtender needs intervalSeconds >= 0 and 0 < extensionSeconds <= 43200, got ${interval} and ${extension}.`,
        { details: { intervalSeconds: interval, extensionSeconds: extension } },
      );
    }
    this.intervalMs = interval * 1_000;
    this.extensionSeconds = extension;
    this.enabled = config.enabled ?? true;
    this.clock = clock;
  }

  /**
   * Extend `message` on `heartbeat` beats until the returned function is called.
   * `visibilityTimeout` is the lease the message was received with.
   */
  attach(message: Message<unknown>, heartbeat: Heartbeat, lease: { visibilityTimeout: number }): () => void {
    if (!this.enabled) return () => {};
    let expiresAt = this.clock.monotonic() + lease.visibilityTimeout * 1_000;
    let lastExtension = Number.NEGATIVE_INFINITY;
    let pending: Promise<void> | undefined;
    const onBeat = (): void => {
      const now = this.clock.monotonic();
      if (pending || now - lastExtension < this.intervalMs) return;
      const target = now + this.extensionSeconds * 1_000;
      if (target <= expiresAt) return;
      lastExtension = now;
      pending = message
        .extendVisibility(this.extensionSeconds)
        .then(
          () => {
            expiresAt = target;
          },
          (error: unknown) => {
            if (error instanceof ReceiptHandleExpiredError) {
              log.warning(
                "lease.extend_expired",
                "Could not extend a lease: the message was already redelivered.",
                {
                  messageId: message.id,
                },
              );
            } else {
              log.error("lease.extend_failed", "Extending a message lease failed.", {
                messageId: message.id,
                error,
              });
            }
          },
        )
        .finally(() => {
          pending = undefined;
        });
    };
    return heartbeat.onBeat(onBeat);
  }
}
