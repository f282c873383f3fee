/**
 * The brokers bench/worker-soak runs on, each private to the run: a redis-server, or an SQS-
 * protocol server (fauxqs) in a child process. Either way the broker's memory is not the
 * benchmark process's, so the heap figures are the worker's own.
 */

import { randomUUID } from "node:crypto";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Redis } from "ioredis";
import { RedisMailbox } from "weakincentives/contrib/mailbox/redis";
import { SQSMailbox } from "weakincentives/contrib/mailbox/sqs";
import type { Mailbox } from "weakincentives/runtime";
import { startRedis } from "./redis-server.js";
import { startSqsServer } from "./sqs-server.js";
import { round2 } from "./stats.js";

/** A requests queue and a replies queue on a private broker. */
export interface SoakBroker<Reply> {
  readonly kind: "redis" | "sqs";
  readonly requests: Mailbox<unknown, Reply>;
  readonly replies: Mailbox<Reply>;
  /**
   * What the broker holds with the queues idle: Redis keys and memory, or the messages SQS
   * still counts in both queues (waiting, in flight or delayed).
   */
  state(): Promise<{ items: number; memoryMiB?: number }>;
  stop(): Promise<void>;
}

/** Start a private broker of `kind` with two fresh queues. */
export async function startBroker<Reply>(kind: "redis" | "sqs"): Promise<SoakBroker<Reply>> {
  return kind === "redis" ? redisBroker<Reply>() : sqsBroker<Reply>();
}

async function redisBroker<Reply>(): Promise<SoakBroker<Reply>> {
  const redis = await startRedis();
  const client = new Redis({ host: "127.0.0.1", port: redis.port });
  const requests = new RedisMailbox<unknown, Reply>({ name: `soak-requests-${randomUUID()}`, client });
  const replies = new RedisMailbox<Reply>({ name: `soak-replies-${randomUUID()}`, client });
  return {
    kind: "redis",
    requests,
    replies,
    async state() {
      const memory = /used_memory:(\d+)/.exec(await client.info("memory"))?.[1] ?? "NaN";
      return { items: await client.dbsize(), memoryMiB: round2(Number(memory) / 1024 / 1024) };
    },
    async stop() {
      await Promise.all([requests.close(), replies.close()]);
      client.disconnect();
      redis.child.kill();
    },
  };
}

async function sqsBroker<Reply>(): Promise<SoakBroker<Reply>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const server = await startSqsServer();
  const client = new SQSClient({
    endpoint: server.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIABENCHONLY", secretAccessKey: "bench-secret-not-real" },
  });
  const queueUrl = async (name: string): Promise<string> =>
    (await client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? "";
  const run = randomUUID().slice(0, 8);
  const requests = new SQSMailbox<unknown, Reply>({
    queueUrl: await queueUrl(`soak-requests-${run}`),
    client,
  });
  const replies = new SQSMailbox<Reply>({ queueUrl: await queueUrl(`soak-replies-${run}`), client });
  return {
    kind: "sqs",
    requests,
    replies,
    async state() {
      return { items: (await requests.approximateCount()) + (await replies.approximateCount()) };
    },
    async stop() {
      await Promise.all([requests.close(), replies.close()]);
      client.destroy();
      server.child.kill();
    },
  };
}
