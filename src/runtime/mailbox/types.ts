/**
 * The mailbox contract: an SQS-like point-to-point queue with visibility timeouts, explicit
 * acknowledgement and at-least-once delivery. Every backend (in-memory, Redis, SQS) passes the
 * same conformance suite (`weakincentives/testing`), so code written against this contract
 * behaves the same on each.
 *
 * Durations here are **seconds**, as in SQS and the deployment guide.
 */

import type { MailboxSerializationError } from "./errors.js";

/** Largest visibility timeout, in seconds (12 hours, as in SQS). */
export const MAX_VISIBILITY_TIMEOUT = 43_200;

/** Most messages one receive may return. */
export const MAX_RECEIVE_MESSAGES = 10;

/** Options of {@link Mailbox.send}. */
export interface SendOptions {
  /**
   * Where replies go: a mailbox name, resolved by the receiving side's resolver, or (in-process
   * only) the mailbox itself.
   */
  readonly replyTo?: string | Mailbox<unknown>;
}

/** Options of {@link Mailbox.receive}. */
export interface ReceiveOptions {
  /** 1–10 (clamped); default 1. */
  readonly maxMessages?: number;
  /** Seconds a received message stays invisible to other receivers: 0–43,200; default 30. */
  readonly visibilityTimeout?: number;
  /** Long poll: seconds to wait for a message when none is ready; ≥ 0; default 0. */
  readonly waitTimeSeconds?: number;
  /** Ends a long poll early (the receive resolves with what it has, usually nothing). */
  readonly signal?: AbortSignal;
}

/** A received message. Settle it exactly once: {@link Message.acknowledge} or {@link Message.nack}. */
export interface Message<Body, ReplyBody = unknown> {
  /** Stable across deliveries. */
  readonly id: string;
  readonly body: Body;
  /**
   * Set by the Redis and SQS backends when the stored body cannot be read (it is not JSON, or it
   * fails the mailbox's `bodySchema`); `body` then holds the raw value. Such a message is delivered
   * rather than skipped so it can be dead-lettered (MainLoop does, with this error as the reason).
   */
  readonly bodyError?: MailboxSerializationError | undefined;
  /** New for every delivery; a stale handle cannot settle the message. */
  readonly receiptHandle: string;
  /** 1 on the first delivery, +1 on each redelivery. */
  readonly deliveryCount: number;
  /** When the message was first sent. */
  readonly enqueuedAt: Date;
  /** The reply address's name, when the sender gave one. */
  readonly replyTo: string | undefined;
  /** True once acknowledged or nacked through this delivery. */
  readonly finalized: boolean;
  /** Send `body` to the reply address (allowed several times before settling). */
  reply(body: ReplyBody): Promise<string>;
  /** Delete the message: processing succeeded. */
  acknowledge(): Promise<void>;
  /** Return the message: visible again after `visibilityTimeout` seconds (default 0: at once). */
  nack(visibilityTimeout?: number): Promise<void>;
  /** Keep the message invisible for `timeout` more seconds, counted from now. */
  extendVisibility(timeout: number): Promise<void>;
}

/** A named queue. */
export interface Mailbox<Body, ReplyBody = unknown> {
  readonly name: string;
  readonly closed: boolean;
  /** Enqueue `body`; returns the message id. */
  send(body: Body, options?: SendOptions): Promise<string>;
  /** Take up to `maxMessages` visible messages, making them invisible for `visibilityTimeout`. */
  receive(options?: ReceiveOptions): Promise<Message<Body, ReplyBody>[]>;
  /** Delete every message; returns how many were deleted. */
  purge(): Promise<number>;
  /** Messages waiting or in flight (visible + invisible). */
  approximateCount(): Promise<number>;
  /** Stop: wakes blocked receivers; later receives return nothing. */
  close(): Promise<void>;
}

/** Turns reply-address names into mailboxes. */
export interface MailboxResolver {
  /** The mailbox called `name`; throws `MailboxResolutionError` when it cannot. */
  resolve(name: string): Mailbox<unknown>;
}

/** The visibility a failed message waits before its next delivery: `min(60·n, 900)` seconds. */
export function retryBackoffSeconds(deliveryCount: number): number {
  return Math.min(60 * Math.max(1, deliveryCount), 900);
}
