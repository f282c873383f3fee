/**
 * Running `fixtures/echo-worker.ts` as real processes, and counting the replies they send: what
 * the fault tests share. Everything waits for conditions (a line, an exit, a count), never for a
 * fixed time; every wait has a generous limit that only a real hang reaches, and its failure
 * message carries the worker's output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { vi } from "vitest";
import { RedisMailbox } from "../../src/contrib/mailbox/redis/index.js";
import { SQSMailbox } from "../../src/contrib/mailbox/sqs/index.js";
import type { Mailbox } from "../../src/runtime/mailbox/index.js";
import type { MainLoopResult } from "../../src/runtime/main-loop/index.js";
import { newClient, uniqueName } from "../contrib/mailbox/redis/helpers.js";
import type { TestSqs } from "../contrib/mailbox/sqs/fauxqs.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/echo-worker.ts", import.meta.url));

/** Longest wait for anything that should take a second or two, even beside a CPU hog. */
export const PATIENCE_MS = 45_000;

/** Per-test limit of the fault tests: several process starts and waits, each well under PATIENCE_MS. */
export const FAULT_TEST_TIMEOUT_MS = 150_000;

/** One line the worker printed on stdout. */
export interface WorkerLine {
  readonly event: string;
  readonly id?: string;
  readonly [key: string]: unknown;
}

/** A running echo worker. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: WorkerLine[];
  /** Resolves with the first line (already seen or to come) that `matches`. */
  waitFor(matches: (line: WorkerLine) => boolean): Promise<WorkerLine>;
  /** Resolves when the process ends, with its code and signal and when it ended (performance.now()). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** stderr so far (the worker's logs), for failure messages. */
  logs(): string;
}

const running = new Set<ChildProcess>();

/** Start an echo worker (or the worker script `fixture`) on `queueUrl` with extra environment `env`. */
export function startWorker(
  queueUrl: string,
  env: Record<string, string> = {},
  fixture: string = FIXTURE,
): WorkerProcess {
  const child = spawn(process.execPath, ["--conditions=wink-source", "--import", "tsx", fixture], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      WINK_QUEUE_URL: queueUrl,
      AWS_ACCESS_KEY_ID: "AKIATESTONLY",
      AWS_SECRET_ACCESS_KEY: "test-secret-not-real",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const lines: WorkerLine[] = [];
  const waiters: { matches: (line: WorkerLine) => boolean; resolve: (line: WorkerLine) => void }[] = [];
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const part of parts) {
      if (!part.startsWith("{")) continue;
      const line = JSON.parse(part) as WorkerLine;
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (!waiter.matches(line)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => {
      child.once("exit", (code, signal) => {
        running.delete(child);
        resolve({ code, signal, at: performance.now() });
      });
    },
  );
  const waitFor = (matches: (line: WorkerLine) => boolean): Promise<WorkerLine> => {
    const seen = lines.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `no matching line within ${PATIENCE_MS} ms; stdout: ${JSON.stringify(lines)}\nstderr: ${stderr}`,
          ),
        );
      }, PATIENCE_MS);
      waiters.push({
        matches,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the worker exited first; stdout: ${JSON.stringify(lines)}\nstderr: ${stderr}`));
      });
    });
  };
  return { child, lines, waitFor, exited, logs: () => stderr };
}

/** SIGKILL every worker still running (afterEach). */
export async function killWorkers(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      return gone;
    }),
  );
}

/** Request ids `prefix-0` … `prefix-(count-1)`. */
export function ids(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/** Send one `{ id }` request per id, each with that id as its requestId, replying to `replyTo`. */
export async function submit(requests: Mailbox<unknown>, replyTo: string, requestIds: readonly string[]) {
  for (const id of requestIds) await requests.send({ request: { id }, requestId: id }, { replyTo });
}

/** Replies counted by request id, each checked to answer its own request. */
export class ReplyLedger {
  readonly counts = new Map<string, number>();
  readonly wrong: string[] = [];

  constructor(private readonly replies: Mailbox<MainLoopResult<{ echo: string }>>) {}

  /** Take every reply waiting now (one long poll of `waitSeconds`), acknowledging each. */
  async drain(waitSeconds = 1): Promise<void> {
    for (;;) {
      const batch = await this.replies.receive({ maxMessages: 10, waitTimeSeconds: waitSeconds });
      if (batch.length === 0) return;
      for (const message of batch) {
        const { requestId, success, output } = message.body;
        if (!success || output?.echo !== requestId) this.wrong.push(JSON.stringify(message.body));
        this.counts.set(requestId, (this.counts.get(requestId) ?? 0) + 1);
        await message.acknowledge();
      }
    }
  }

  /** Drain until every id in `expected` has a reply; fails after {@link PATIENCE_MS}. */
  async waitForAll(expected: readonly string[], describe: () => string = () => ""): Promise<void> {
    await vi.waitFor(
      async () => {
        await this.drain();
        const missing = expected.filter((id) => !this.counts.has(id));
        if (missing.length > 0) throw new Error(`no reply yet for ${missing.join(", ")}\n${describe()}`);
      },
      { timeout: PATIENCE_MS, interval: 50 },
    );
  }

  /** Ids answered more than once. */
  duplicates(): string[] {
    return [...this.counts].filter(([, n]) => n > 1).map(([id]) => id);
  }
}

/** A requests queue and a replies queue, as the workers and the test each open them. */
export interface Queues {
  /** The URL workers are given. */
  readonly url: string;
  /** Extra environment for the workers. */
  readonly env?: Record<string, string>;
  readonly requests: Mailbox<unknown>;
  readonly replies: Mailbox<MainLoopResult<{ echo: string }>>;
  readonly replyName: string;
}

/** New SQS queues named after `prefix` on the test's server (workers resolve its host names). */
export async function sqsQueues(sqs: TestSqs, prefix: string): Promise<Queues> {
  const [queue, replies] = [await sqs.queue(prefix), await sqs.queue(`${prefix}-replies`)];
  return {
    url: `${queue.url.replace(/^http:/, "sqs:")}?region=us-east-1`,
    env: { FAUXQS_DNS: "1" },
    requests: new SQSMailbox({ queueUrl: queue.url, client: sqs.client }),
    replies: new SQSMailbox({ queueUrl: replies.url, client: sqs.client }),
    replyName: replies.name,
  };
}

/** New Redis queues named after `prefix` on the local Redis. */
export function redisQueues(prefix: string): Queues {
  const name = uniqueName(prefix);
  const client = newClient();
  return {
    url: `redis://127.0.0.1:6379/0?queue=${name}`,
    requests: new RedisMailbox({ name, client }),
    replies: new RedisMailbox({ name: `${name}-replies`, client }),
    replyName: `${name}-replies`,
  };
}
