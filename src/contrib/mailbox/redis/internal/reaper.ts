/**
 * Giving messages back: the reaper of a {@link RedisMailbox} — a timer on the mailbox's clock that
 * returns messages whose visibility ended to the queue; runs never overlap (the next is scheduled
 * when one ends), and an outage is logged once, not once per tick — and the release of messages
 * a receive took after its caller had stopped waiting.
 *
 * @internal
 */

import type { Clock, TimerHandle } from "../../../../clock.js";
import { getLogger } from "../../../../logging/index.js";
import { deliveredHandles } from "./codec.js";
import { REAP_BATCH, type RedisClient, SCRIPTS } from "./scripts.js";

const log = getLogger("weakincentives.contrib.mailbox.redis");

/** What the reaper needs from its mailbox. */
export interface ReaperHost {
  readonly name: string;
  readonly clock: Clock;
  readonly intervalMs: number;
  /** Moves up to {@link REAP_BATCH} expired messages; resolves with how many moved. */
  reapExpired(): Promise<number>;
}

/** Started by the mailbox's first receive, stopped by its close. */
export class Reaper {
  #timer: TimerHandle | undefined = undefined;
  #started = false;
  #stopped = false;
  #failing = false;

  constructor(private readonly host: ReaperHost) {}

  /** Start ticking (once; never after {@link Reaper.stop}, nor with an interval of 0). */
  start(): void {
    if (this.#started || this.#stopped || this.host.intervalMs === 0) return;
    this.#started = true;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.host.clock.setTimer(this.host.intervalMs, () => void this.#tick());
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    try {
      let moved = REAP_BATCH;
      while (moved === REAP_BATCH && !this.#stopped) moved = await this.host.reapExpired();
      if (this.#failing) {
        log.info("mailbox.reaper_recovered", "The reaper reaches Redis again.", { mailbox: this.host.name });
      }
      this.#failing = false;
    } catch (error) {
      // A failure caused by close() dropping the connection is no outage.
      if (!this.#failing && !this.#stopped) {
        log.warning("mailbox.reaper_failed", "The reaper could not reach Redis; it keeps trying.", {
          mailbox: this.host.name,
          error,
        });
      }
      this.#failing = true;
    }
    this.#schedule();
  }
}

/** Where a late receive's messages go back to. */
export interface ReleaseTarget {
  readonly name: string;
  readonly client: RedisClient;
  readonly keys: readonly string[];
  readonly ttlSeconds: number;
  /** Where the release is tracked, so the mailbox's close can wait for it. */
  readonly late: LateReleases;
}

/** The releases of late receives still under way: close() lets them finish before the connection goes. */
export class LateReleases {
  readonly #running = new Set<Promise<void>>();

  /** Follow `release` until it ends. */
  track(release: Promise<void>): void {
    this.#running.add(release);
    void release.finally(() => this.#running.delete(release));
  }

  /** Resolves once every release under way, and any started meanwhile, has ended. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}

/**
 * A receive whose caller stopped waiting may still be answered (Redis comes back and the command
 * leaves the client's offline queue): put whatever it took back at the head of the queue, its
 * delivery counts restored, so no message waits out a visibility timeout nobody is working under.
 * A release that fails leaves the message to its visibility timeout, as before.
 */
export function releaseLate(call: Promise<unknown>, target: ReleaseTarget): void {
  const release = call.then(
    async (reply) => {
      const handles = deliveredHandles(reply);
      let released = 0;
      for (const [id, suffix] of handles) {
        const args = [id, suffix, target.ttlSeconds];
        released += Number(await SCRIPTS.release.run(target.client, target.keys, args).catch(() => 0));
      }
      if (handles.length > 0) {
        log.info(
          "mailbox.receive_released",
          "Redis answered a receive after its caller gave up; its messages went back to the head of the queue.",
          { mailbox: target.name, count: handles.length, released },
        );
      }
    },
    () => {},
  );
  target.late.track(release);
}
