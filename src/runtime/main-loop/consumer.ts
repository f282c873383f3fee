/**
 * One `MainLoop.run` over its requests mailbox: receive for the room there is, keep what cannot
 * start yet in a local buffer, start buffered messages in free slots, and on stop put the buffer
 * back and let the started requests settle. The loop itself keeps the run's guard, its hold on the
 * process and its start and stop log lines.
 *
 * @internal
 */

import { setMaxListeners } from "node:events";
import type { Clock } from "../../clock.js";
import { type LinkedSignal, linkSignal } from "../../deadline.js";
import { getLogger } from "../../logging/index.js";
import type { Heartbeat } from "../lifecycle/heartbeat.js";
import type { RunOptions } from "../lifecycle/runnable.js";
import type { Mailbox, Message } from "../mailbox/types.js";
import { handleMessage, type MessageHandling } from "./handle-message.js";
import { MAX_RECEIVE, Receives, receiveOrPause } from "./internal/receives.js";
import { Slots } from "./internal/slots.js";
import { Wakeup } from "./internal/wakeup.js";
import type { LeaseExtender, MessageLease } from "./lease-extender.js";
import type { MainLoopConfig } from "./options.js";
import { returnUnstarted } from "./settle.js";
import type { MainLoopResult } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

/** How long an idle loop without a long poll waits between receives. */
const IDLE_POLL_MS = 1_000;

/** What a {@link Consumer} uses of its loop. */
export interface ConsumedLoop<Out> {
  readonly name: string;
  readonly requests: Mailbox<unknown, MainLoopResult<Out>>;
  readonly config: MainLoopConfig;
  readonly heartbeat: Heartbeat;
  readonly clock: Clock;
}

/** The settings of one run: the loop's own, else the group-wide defaults of `RunOptions`. */
export interface RunSettings {
  readonly signal: AbortSignal | undefined;
  readonly maxIterations: number | undefined;
  readonly visibilityTimeout: number;
  readonly waitTimeSeconds: number;
  readonly concurrency: number;
  /** Messages per receive as logged: the configured `batchSize`, else at most `min(concurrency, 10)`. */
  readonly batchSize: number;
}

/** The settings of one run of a loop with `config`, called with `options`. */
export function runSettings(config: MainLoopConfig, options: RunOptions): RunSettings {
  const concurrency = config.concurrency ?? 1;
  return {
    signal: options.signal,
    maxIterations: options.maxIterations,
    // The loop's own settings win over the group-wide defaults LoopGroup passes in.
    visibilityTimeout: config.visibilityTimeout ?? options.visibilityTimeout ?? 300,
    waitTimeSeconds: config.waitTimeSeconds ?? options.waitTimeSeconds ?? 20,
    concurrency,
    batchSize: config.batchSize ?? Math.min(concurrency, MAX_RECEIVE),
  };
}

/** A received message waiting for a free slot. */
interface Buffered<Out> {
  readonly message: Message<unknown, MainLoopResult<Out>>;
  readonly lease: MessageLease;
  readonly detachFromLoop: () => void;
}

/** The receives, buffer and slots of one run of a loop; create one per run. */
export class Consumer<Req, Out> {
  private readonly buffer: Buffered<Out>[] = [];
  private readonly wakeup: Wakeup;
  private readonly slots: Slots;
  private readonly receives: Receives;
  /** Receives started, for `maxIterations`. */
  private received = 0;
  /** The last receive brought nothing. */
  private idle = false;

  private readonly handling: MessageHandling<Req, Out>;
  /** This run's own view of its signal, handed to requests as `stopping` and released at dispose. */
  private readonly stopping: LinkedSignal | undefined;

  /** `lease`: the loop's lease extender, undefined when leases are not extended. */
  constructor(
    private readonly loop: ConsumedLoop<Out>,
    handling: MessageHandling<Req, Out>,
    private readonly lease: LeaseExtender | undefined,
    private readonly settings: RunSettings,
  ) {
    // Requests learn when this run stops (ExecuteOptions.stopping), so a trial's retry pause can
    // end. A child of the run's signal, not the signal itself: that one is shared by the whole
    // group, and each pausing request listens to this one (one per slot, plus headroom).
    this.stopping = settings.signal ? linkSignal(settings.signal) : undefined;
    if (this.stopping) setMaxListeners(settings.concurrency + 10, this.stopping.signal);
    this.handling = this.stopping ? { ...handling, stopping: this.stopping.signal } : handling;
    this.wakeup = new Wakeup(settings.signal);
    this.slots = new Slots(settings.concurrency, () => {
      loop.heartbeat.beat();
      this.wakeup.wake();
    });
    // Without a long poll an empty receive returns at once: one at a time, paced below.
    this.receives = new Receives(settings.waitTimeSeconds > 0, () => this.wakeup.wake());
  }

  /**
   * Receive and start requests until the signal aborts (or after `maxIterations` receives, once
   * what they brought is done); then put the buffer back and wait for the started requests.
   */
  async consume(): Promise<void> {
    const { signal, maxIterations, waitTimeSeconds } = this.settings;
    const { buffer, slots, receives } = this;
    while (!signal?.aborted) {
      this.startBuffered();
      const mayReceive =
        (maxIterations === undefined || this.received < maxIterations) && !this.loop.requests.closed;
      // Room for what can start now (a settling request's slot counts, see Slots), less what is
      // buffered or already asked for: messages waiting here are messages other workers cannot take.
      const room = slots.receivable - buffer.length - receives.asked;
      // Without a long poll an empty queue would make this a busy loop that starves timers,
      // probes and signal handlers: pause between empty receives — but never while a message
      // waits in the buffer for a settling slot, which the pause would hold back.
      const pause = this.idle && waitTimeSeconds === 0;
      if (room > 0 && !receives.full && mayReceive && !(pause && buffer.length > 0)) {
        if (pause) await this.loop.clock.sleep(IDLE_POLL_MS, signal).catch(() => {});
        if (signal?.aborted) break;
        this.fetch(Math.min(this.loop.config.batchSize ?? room, MAX_RECEIVE));
        continue;
      }
      if (slots.size === 0 && buffer.length === 0 && receives.size === 0) break;
      await this.wakeup.next();
    }
    await this.stop();
  }

  /** Stop waking the run on abort; call once the run is over, whatever its end. */
  dispose(): void {
    this.wakeup.dispose();
    this.stopping?.release();
  }

  /** Start buffered messages while slots are free, dropping those whose lease ran out. */
  private startBuffered(): void {
    while (!this.slots.full && this.buffer.length > 0) {
      const item = this.buffer.shift() as Buffered<Out>;
      // Its lease ran out while it waited: another worker may already have it. Don't run it.
      if (item.lease.expired()) this.dropExpired(item);
      else this.start(item);
    }
  }

  /** Run a buffered message in a free slot; its lease now follows its own progress. */
  private start(item: Buffered<Out>): void {
    item.detachFromLoop();
    this.slots.start((onSettling) => handleMessage(this.handling, item.message, item.lease, onSettling));
  }

  /** Start a receive of up to `want` messages into the buffer. */
  private fetch(want: number): void {
    const { signal, visibilityTimeout, waitTimeSeconds } = this.settings;
    this.received++;
    this.loop.heartbeat.beat();
    this.receives.start(want, async () => {
      const messages = await receiveOrPause(this.loop.requests, this.loop.clock, {
        maxMessages: want,
        visibilityTimeout,
        waitTimeSeconds,
        ...(signal ? { signal } : {}),
      });
      this.loop.heartbeat.beat();
      this.idle = messages.length === 0;
      for (const message of messages) this.buffer.push(this.buffered(message, visibilityTimeout));
      return messages.length;
    });
  }

  /**
   * End the run: wait for the receives (an abort ends them at once), return every buffered
   * message to the queue with visibility 0, then let the started requests settle.
   */
  private async stop(): Promise<void> {
    await this.receives.settled();
    for (const item of this.buffer.splice(0)) {
      item.detachFromLoop();
      item.lease.release();
      await returnUnstarted(this.handling, item.message);
    }
    await this.slots.drain();
  }

  /** Leave a message whose lease ran out in the buffer to its next delivery. */
  private dropExpired(item: Buffered<Out>): void {
    item.detachFromLoop();
    item.lease.release();
    log.warning(
      "main_loop.lease_expired_in_buffer",
      "A buffered message's lease ran out before it started; leaving it to its next delivery.",
      {
        loop: this.loop.name,
        messageId: item.message.id,
      },
    );
  }

  /** A received message waiting for a free slot: its lease follows the loop's heartbeat meanwhile. */
  private buffered(message: Message<unknown, MainLoopResult<Out>>, visibilityTimeout: number): Buffered<Out> {
    const clock = this.loop.clock;
    const receivedAtMs = clock.monotonic();
    const lease =
      this.lease?.track(message, { visibilityTimeout, receivedAtMs }) ??
      unextendedLease(clock, receivedAtMs + visibilityTimeout * 1000);
    const detachFromLoop = this.loop.heartbeat.onBeat(() => lease.beat());
    return { message, lease, detachFromLoop };
  }
}

/**
 * The lease of a message when leases are not extended (`leaseExtender: false`): it ends with the
 * visibility timeout, so a message that waited that long in the buffer is not started, since
 * another worker may have it by then.
 */
function unextendedLease(clock: Clock, expiresAtMs: number): MessageLease {
  return { beat: () => {}, release: () => {}, expired: () => clock.monotonic() >= expiresAtMs };
}
