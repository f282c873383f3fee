/**
 * `weakincentives/contrib/checkpoints/redis`: {@link RedisCheckpointStore}, request checkpoints in
 * Redis, shared by every worker of a deployment so a request redelivered to another worker
 * resumes there. One string key per request (`wink:checkpoint:REQUEST_ID`; single-key commands
 * only, so keys spread over Cluster slots), written with its expiry in one `SET … EX`. Needs the
 * optional peer `ioredis`.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { RedisCheckpointStore } from "weakincentives/contrib/checkpoints/redis";
 *
 * const store = new RedisCheckpointStore({ client: new Redis("redis://127.0.0.1:6379") });
 * // new MainLoop({ ..., config: { checkpoints: { store } } })
 * ```
 */

import type { Redis } from "ioredis";
import {
  type CheckpointStore,
  decodeCheckpoint,
  encodeCheckpoint,
  type RequestCheckpoint,
} from "../../../runtime/checkpoints/store.js";

/** Options of {@link RedisCheckpointStore}. */
export interface RedisCheckpointStoreOptions {
  /** The connection; the store never closes it. */
  readonly client: Redis;
  /** Key prefix (default `wink:checkpoint`); keep one per deployment. */
  readonly prefix?: string;
}

/** {@link CheckpointStore} on Redis. */
export class RedisCheckpointStore implements CheckpointStore {
  private readonly client: Redis;
  private readonly prefix: string;

  constructor(options: RedisCheckpointStoreOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? "wink:checkpoint";
  }

  async save(checkpoint: RequestCheckpoint, ttlSeconds: number): Promise<void> {
    const seconds = Math.max(1, Math.ceil(ttlSeconds));
    await this.client.set(this.key(checkpoint.requestId), encodeCheckpoint(checkpoint), "EX", seconds);
  }

  async load(requestId: string): Promise<RequestCheckpoint | undefined> {
    const text = await this.client.get(this.key(requestId));
    return text === null ? undefined : decodeCheckpoint(requestId, text);
  }

  async delete(requestId: string): Promise<void> {
    await this.client.del(this.key(requestId));
  }

  /** The key of `requestId`'s checkpoint. */
  key(requestId: string): string {
    return `${this.prefix}:${requestId}`;
  }
}
