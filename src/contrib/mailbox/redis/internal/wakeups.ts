/**
 * Blocking wake-ups for the receivers of one {@link RedisMailbox}: instead of asking Redis again
 * every `pollIntervalMs`, a receiver that found its queue empty waits on the queue's wake list
 * (`…:wake`), which the scripts keep about as long as `pending` (one token per waiting message, up
 * to a cap; see `scripts.ts`). So a send, a nack, a release or a reaped lease wakes one waiter per
 * message, in this process or any other.
 *
 * One blocking connection per mailbox, separate from the command client so a `BLPOP` never stalls
 * sends and acknowledgements, made lazily by the first wait and closed with the mailbox. A pump
 * serves the longest waiting receiver one round trip at a time: `BLPOP` on the wake list and,
 * pipelined behind it, the receive script with that waiter's arguments — Redis runs the receive
 * the moment a token is popped (or the block times out), so a message reaches an idle receiver in
 * one round trip from its arrival. A reply for a waiter that stopped waiting meanwhile is put
 * back at the head of the queue. Waiters never depend on the pump alone: each also times out
 * (after the caller's limit, at most {@link SAFETY_POLL_MS}, or `pollIntervalMs` while the
 * blocking connection fails) and then asks on the command connection, so a lost token costs
 * latency, never a message.
 *
 * @internal
 */

import { Redis } from "ioredis";
import type { Clock } from "../../../../clock.js";
import { getLogger } from "../../../../logging/index.js";
import type { WakeList } from "../../../../runtime/mailbox/internal/abort-fanout.js";
import { interruptible } from "../../../../runtime/mailbox/internal/interruptible.js";
import { type PollTarget, releaseTarget } from "./poll.js";
import { releaseLate } from "./reaper.js";
import { type RedisClient, SCRIPTS } from "./scripts.js";

const log = getLogger("weakincentives.contrib.mailbox.redis");

/** How long one `BLPOP` blocks on the server: also how long the pump lingers after the last waiter left. */
export const BLOCK_SECONDS = 2;

/** The longest a waiter sleeps without asking Redis again while blocking works: guards lost tokens. */
export const SAFETY_POLL_MS = 5_000;

/** What the pump reads from its mailbox, derived once from the mailbox's {@link PollTarget}. */
interface WakeupsHost {
  readonly name: string;
  /** The queue's wake list key (same hash tag as its other keys). */
  readonly wakeKey: string;
  readonly keys: readonly string[];
  readonly clock: Clock;
  /** The mailbox's command client: the blocking connection is a duplicate of it. */
  readonly client: RedisClient;
  /** Fallback cap on a wait while the blocking connection fails. */
  readonly pollIntervalMs: number;
  /** The mailbox's close and its client's: either stops every wait. */
  readonly closing: readonly WakeList[];
  /** Woken when the command client is closed: the blocking connection goes with it. */
  readonly clientClosed: WakeList;
  /** Puts back what a receive took for a waiter that had stopped waiting. */
  release(reply: unknown): void;
}

interface Waiter {
  /** The receive script's ARGV for this waiter (visibility, ttl, one handle suffix per message). */
  readonly args: readonly (string | number)[];
  /** When its own timer ends, on the host clock: the pump blocks no longer than this for it. */
  readonly deadline: number;
  /** Set when it stops waiting; a reply that comes later goes back to the queue. */
  gone: boolean;
  readonly deliver: (reply: unknown) => void;
}

/**
 * How a {@link Wakeups.wait} ended: the reply of a receive run for it as soon as a message was
 * signalled (or its blocking time ran out), its own time limit, or the caller/mailbox stopping it.
 */
export type WakeOutcome =
  | { readonly kind: "reply"; readonly reply: unknown }
  | { readonly kind: "timed_out" }
  | { readonly kind: "stopped" };

const TIMED_OUT: WakeOutcome = { kind: "timed_out" };
const STOPPED: WakeOutcome = { kind: "stopped" };

/** The blocking side of one mailbox's receives. */
export class Wakeups {
  readonly #host: WakeupsHost;
  readonly #waiters: Waiter[] = [];
  #connection: RedisClient | undefined = undefined;
  /**
   * The blocking connection's CLIENT ID (standalone Redis only; it changes on reconnect): null
   * when the server refuses CLIENT (some managed services do), undefined until asked.
   */
  #connectionId: number | null | undefined = undefined;
  /** The pump's run in flight, if any. */
  #running: Promise<void> | undefined = undefined;
  #failing = false;
  #closed = false;
  readonly #stop = new AbortController();
  #unlink: () => void = () => {};

  /** For the mailbox `target` polls for; `clientClosed` is woken when its command client closes. */
  constructor(target: PollTarget, clientClosed: WakeList) {
    const { settings, client, closing } = target;
    this.#host = {
      name: settings.name,
      wakeKey: settings.keys[4] as string,
      keys: settings.keys,
      clock: settings.clock,
      client,
      pollIntervalMs: settings.pollIntervalMs,
      closing,
      clientClosed,
      release: (reply) => releaseLate(Promise.resolve(reply), releaseTarget(target)),
    };
  }

  /**
   * Wait for a message: the pump blocks on the wake list for this waiter and, in the same round
   * trip, runs the receive script with `args` (pipelined behind the `BLPOP`, so Redis runs it the
   * moment a token is popped or the block times out). Ends with that reply, or when `timeoutMs`
   * passes (capped as described above), `signal` aborts or the mailbox closes.
   */
  async wait(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    args: readonly (string | number)[],
  ): Promise<WakeOutcome> {
    if (this.#closed) return STOPPED;
    const { clock } = this.#host;
    const limit = Math.min(timeoutMs, this.#failing ? this.#host.pollIntervalMs : SAFETY_POLL_MS);
    let deliver: (reply: unknown) => void = () => {};
    const replied = new Promise<unknown>((resolve) => {
      deliver = resolve;
    });
    const waiter: Waiter = { args, deadline: clock.monotonic() + limit, gone: false, deliver };
    this.#waiters.push(waiter);
    this.#pump();
    const outcome = await interruptible(replied, {
      clock,
      timeoutMs: limit,
      signal,
      closing: this.#host.closing,
    });
    // No reply (the round failed): the caller asks on the command connection itself.
    if (outcome.kind === "done") {
      return outcome.value === undefined ? TIMED_OUT : { kind: "reply", reply: outcome.value };
    }
    waiter.gone = true;
    const at = this.#waiters.indexOf(waiter);
    if (at >= 0) this.#waiters.splice(at, 1);
    return outcome.kind === "stopped" ? STOPPED : TIMED_OUT;
  }

  /**
   * Stop every wait. Resolves once the round trip in flight (a `BLPOP` blocks at most
   * {@link BLOCK_SECONDS}) has ended and anything its receive took is on its way back to the queue:
   * dropping the connection first could lose that reply and hide the message for its visibility
   * timeout. Call {@link Wakeups.drop} after, or instead when Redis is unreachable.
   */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    for (const waiter of this.#waiters.splice(0)) waiter.gone = true;
    if (this.#running === undefined) return;
    // End the BLPOP now rather than when its block runs out: the receive behind it still runs,
    // and what it takes goes back. (Redis >= 5, standalone; otherwise the block runs out.)
    const { client } = this.#host;
    if (typeof this.#connectionId === "number" && client instanceof Redis) {
      void client.client("UNBLOCK", this.#connectionId).catch(() => 0);
    }
    await this.#running;
  }

  /** Stop every wait and drop the blocking connection at once. */
  drop(): void {
    void this.stop();
    this.#connection?.disconnect();
    this.#connection = undefined;
    this.#unlink();
  }

  #pump(): void {
    if (this.#running !== undefined || this.#closed) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      // A waiter that arrived as the last round ended would otherwise wait for its own timer.
      if (this.#waiters.length > 0 && !this.#closed) this.#pump();
    });
  }

  /** Serve the longest waiting receiver, one round trip at a time, while anyone waits. */
  async #run(): Promise<void> {
    const { clock } = this.#host;
    while (this.#waiters.length > 0 && !this.#closed) {
      const waiter = this.#waiters[0] as Waiter;
      let results: [Error | null, unknown][] | null;
      try {
        await this.#identify();
        // It may have stopped waiting meanwhile (Redis slow to answer): serve whoever waits now.
        if (waiter.gone || this.#closed) continue;
        results = await this.#round(waiter);
      } catch (error) {
        if (this.#closed) return;
        this.#fail(error);
        await clock.sleep(this.#host.pollIntervalMs, this.#stop.signal).catch(() => {});
        continue;
      }
      const [popped, received] = results ?? [];
      if (this.#closed) {
        // Stopped meanwhile: the waiter is gone, so what the receive took goes back.
        if (received !== undefined && !received[0]) this.#finish(waiter, received[1]);
        return;
      }
      const error = popped?.[0] ?? received?.[0];
      if (popped === undefined || received === undefined || error) {
        // NOSCRIPT (a restarted server) or a dropped connection: the waiter asks on the command
        // connection instead, which loads the script again.
        this.#finish(waiter, undefined);
        if (String(error).includes("NOSCRIPT")) continue;
        // Anything else (a server that refuses the BLPOP, say) is a failure: the waiters poll, and
        // the pump tries again no sooner than a poll would.
        this.#fail(error ?? new Error("no reply to the wake-up pipeline"));
        await clock.sleep(this.#host.pollIntervalMs, this.#stop.signal).catch(() => {});
        continue;
      }
      // A null pop on a connection that is not ready is ioredis giving up while it reconnects.
      if (popped[1] === null && this.#connection?.status !== "ready") {
        this.#fail(new Error(`connection ${this.#connection?.status}`));
      } else {
        this.#recover();
      }
      this.#finish(waiter, received[1]);
    }
  }

  /** Learn the blocking connection's id while it is not blocked, so stop() can end a BLPOP early. */
  async #identify(): Promise<void> {
    const connection = this.#connect();
    if (this.#connectionId !== undefined || !(connection instanceof Redis)) return;
    await connection.client("ID").then(
      (id) => {
        this.#connectionId = Number(id);
      },
      () => {
        this.#connectionId = null;
      },
    );
  }

  /** One round trip: BLPOP on the wake list, then (server-side, right after) the receive script. */
  #round(waiter: Waiter): Promise<[Error | null, unknown][] | null> {
    const { clock, wakeKey, keys } = this.#host;
    const receive = SCRIPTS.receive;
    const connection = this.#connect();
    // Block no longer than the waiter waits, so its look-again at a lease's end happens on the
    // server; never 0, which would block forever.
    const ms = Math.min(BLOCK_SECONDS * 1000, waiter.deadline - clock.monotonic());
    const seconds = Math.max(1, Math.round(ms)) / 1000;
    return connection
      .pipeline()
      .blpop(wakeKey, seconds)
      .evalsha(receive.sha, keys.length, ...keys, ...waiter.args)
      .exec();
  }

  /**
   * Hand `reply` (undefined: the round failed) to `waiter`, or when it stopped waiting, put back
   * what the receive took.
   */
  #finish(waiter: Waiter, reply: unknown): void {
    const at = this.#waiters.indexOf(waiter);
    if (at >= 0) this.#waiters.splice(at, 1);
    if (!waiter.gone) waiter.deliver(reply);
    else if (reply !== undefined) this.#host.release(reply);
  }

  #connect(): RedisClient {
    if (this.#connection !== undefined) return this.#connection;
    const { client } = this.#host;
    // No command timeout (a BLPOP legitimately waits), but a client-side limit on a BLPOP queued
    // while disconnected, so the pump never waits on a dead connection for good.
    const overrides = {
      commandTimeout: undefined,
      blockingTimeout: BLOCK_SECONDS * 1000,
      lazyConnect: false,
      connectionName: `wink-wake:${this.#host.name}`.slice(0, 64).replace(/[^\w:.-]/g, "_"),
    };
    const connection =
      client instanceof Redis
        ? client.duplicate(overrides)
        : client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...overrides } });
    // A reconnected client has a new id: the next round asks for it again.
    connection.on("ready", () => {
      this.#connectionId = undefined;
    });
    connection.on("error", (error: unknown) => {
      log.debug("mailbox.wake_connection_error", "Redis wake-up connection error.", {
        mailbox: this.#host.name,
        error,
      });
    });
    this.#connection = connection;
    this.#unlink = this.#host.clientClosed.add(() => this.drop());
    return connection;
  }

  #fail(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    log.warning(
      "mailbox.wakeups_failed",
      "Blocking wake-ups of a Redis mailbox fail; its receivers poll until they work again.",
      { mailbox: this.#host.name, error },
    );
  }

  #recover(): void {
    if (!this.#failing) return;
    this.#failing = false;
    log.info("mailbox.wakeups_recovered", "Blocking wake-ups of a Redis mailbox work again.", {
      mailbox: this.#host.name,
    });
  }
}
