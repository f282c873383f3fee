/**
 * Lease extension tied to proof of work: while a message is being processed, each beat of *its*
 * progress may push its visibility timeout forward. Work that stops beating stops extending, so
 * its message becomes visible again and another worker takes it.
 *
 * Two rules a naive extender breaks: a lease is never *shortened* (a beat extends only when
 * `now + extension` lies beyond the current expiry, counted from when the message was received),
 * and one hung request is never kept alive by the progress of others (each message has its own
 * lease, beaten by its own work).
 *
 * @example
 * ```ts nocheck
 * const extender = new LeaseExtender({ intervalSeconds: 60, extensionSeconds: 300 });
 * const lease = extender.track(message, { visibilityTimeout: 1800 });
 * const detach = heartbeat.onBeat(() => lease.beat());
 * try { await work(); } finally { detach(); lease.release(); }
 * ```
 */

import { type Clock, SYSTEM_CLOCK } from "../../clock.js";
import { WinkError } from "../../errors.js";
import { getLogger } from "../../logging/index.js";
import { ReceiptHandleExpiredError } from "../mailbox/errors.js";
import type { Message } from "../mailbox/types.js";

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

/** The lease of one received message. */
export interface MessageLease {
  /** Progress on this message: extend its lease if due. */
  beat(): void;
  /** The message was settled: never extend again. */
  release(): void;
  /** True once the lease has run out (another consumer may already hold the message). */
  expired(): boolean;
}

/** Anything that reports beats (a Heartbeat, a per-request progress signal). */
export interface BeatSource {
  /** Call `callback` after every beat; returns a function that stops it. */
  onBeat(callback: () => void): () => void;
}

const NO_LEASE: MessageLease = Object.freeze({ beat: () => {}, release: () => {}, expired: () => false });

/** Extends message leases on beats. */
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
   * Start tracking the lease of `message`, received `visibilityTimeout` seconds of invisibility
   * at `receivedAtMs` (monotonic; default now). Beat the returned lease on progress.
   */
  track(
    message: Message<unknown>,
    lease: { visibilityTimeout: number; receivedAtMs?: number },
  ): MessageLease {
    const receivedAt = lease.receivedAtMs ?? this.clock.monotonic();
    let expiresAt = receivedAt + lease.visibilityTimeout * 1_000;
    if (!this.enabled) return { ...NO_LEASE, expired: () => this.clock.monotonic() >= expiresAt };
    // Counting the first interval from the receive avoids one extension call per message right
    // after it starts (a billed request on SQS) while the fresh lease is still long.
    let lastExtension = receivedAt;
    let pending = false;
    let released = false;
    return {
      beat: () => {
        const now = this.clock.monotonic();
        if (released || pending || now - lastExtension < this.intervalMs) return;
        const target = now + this.extensionSeconds * 1_000;
        if (target <= expiresAt) return;
        lastExtension = now;
        pending = true;
        message.extendVisibility(this.extensionSeconds).then(
          () => {
            pending = false;
            expiresAt = target;
          },
          (error: unknown) => {
            pending = false;
            if (released) return;
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
        );
      },
      release: () => {
        released = true;
      },
      expired: () => this.clock.monotonic() >= expiresAt,
    };
  }

  /** Extend `message` on every beat of `source` until the returned function is called. */
  attach(
    message: Message<unknown>,
    source: BeatSource,
    lease: { visibilityTimeout: number; receivedAtMs?: number },
  ): () => void {
    const tracked = this.track(message, lease);
    const detach = source.onBeat(() => tracked.beat());
    return () => {
      detach();
      tracked.release();
    };
  }
}
