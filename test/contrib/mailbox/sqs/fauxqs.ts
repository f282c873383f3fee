/**
 * Test helper: an in-process SQS-protocol server (fauxqs) on a free port, a real AWS SDK client
 * pointed at it, and queues with names unique to this process, so parallel runs never collide.
 *
 * @example
 * ```ts
 * const sqs = await startSqs();
 * const { url } = await sqs.queue("requests");
 * await sqs.stop();
 * ```
 */

import { randomBytes } from "node:crypto";
import { CreateQueueCommand, DeleteQueueCommand, SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import { startFauxqs } from "fauxqs";

// The SDK warns once per process that releases after January 2027 need Node 22; this is the
// switch it reads (checked in @aws-sdk/core's emitWarningIfUnsupportedVersion).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Dummy credentials: fauxqs checks none, but the SDK must sign. */
export const TEST_CREDENTIALS = { accessKeyId: "AKIATESTONLY", secretAccessKey: "test-secret-not-real" };

const RUN = `${process.pid.toString(36)}${randomBytes(3).toString("hex")}`;
let serial = 0;

/** A running server and a client for it. */
export interface TestSqs {
  readonly port: number;
  readonly endpoint: string;
  readonly client: SQSClient;
  /** A client for the same server with extra configuration. */
  newClient(config?: SQSClientConfig): SQSClient;
  /** A queue with a unique name starting with `prefix`. */
  queue(prefix?: string, attributes?: Record<string, string>): Promise<{ url: string; name: string }>;
  deleteQueue(url: string): Promise<void>;
  stop(): Promise<void>;
}

/** Start fauxqs on `port` (default: a free one). */
export async function startSqs(port = 0): Promise<TestSqs> {
  const server = await startFauxqs({ port, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const clients: SQSClient[] = [];
  const newClient = (config: SQSClientConfig = {}): SQSClient => {
    const client = new SQSClient({ endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS, ...config });
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    port: server.port,
    endpoint,
    client,
    newClient,
    async queue(prefix = "q", attributes) {
      const fifo = prefix.endsWith(".fifo");
      const name = `${fifo ? prefix.slice(0, -5) : prefix}-${RUN}-${++serial}${fifo ? ".fifo" : ""}`;
      const out = await client.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: { ...(fifo && { FifoQueue: "true" }), ...attributes },
        }),
      );
      return { url: out.QueueUrl ?? "", name };
    },
    async deleteQueue(url) {
      await client.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
    },
    async stop() {
      for (const c of clients) c.destroy();
      await server.stop();
    },
  };
}

/** Wait `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
