/**
 * bench/worker-soak: does a worker's request path hold steady over tens of thousands of requests
 * on a real broker? bench/soak runs adapters alone; this runs what a deployed worker runs around
 * them: a MainLoop (concurrency 4, batches of 10, lease extender on) consuming a RedisMailbox on
 * a private redis-server, each request an 11-turn evaluation of the soak prompt (10 tool calls,
 * structured output) on the in-process model, its reply sent to a reply queue that a client
 * drains and acknowledges. The client keeps 64 requests outstanding.
 *
 * After WARMUP requests (5,000: V8 is still optimizing the request path for the first few
 * thousand), reported between a checkpoint then and one at the end (each taken with the queues
 * idle and every reply in):
 *
 * - heap after GC (target: growth ≤ 2 MiB);
 * - the process's active handles and requests (sockets, timers) (target: unchanged);
 * - Redis: keys and memory (target: keys unchanged — nothing a message leaves behind stays);
 * - time per request, in the process's CPU time (target: the last tenth of the measured requests
 *   within 10 % of the first tenth) and in wall-clock time (shown);
 * - replies: one per request, by request id, all successful (target: none missing, none twice);
 * - process warnings (target: 0).
 *
 * Run: `npx tsx --conditions=wink-source bench/worker-soak.ts` (needs `redis-server` on PATH;
 * BENCH_REQUESTS sets the measured count, default 20,000; about a minute).
 */

import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { ProviderAdapter } from "weakincentives/adapters";
import { RedisMailbox } from "weakincentives/contrib/mailbox/redis";
import { configureLogging, MainLoop, type MainLoopResult } from "weakincentives/runtime";
import { InProcessAdapter, InProcessModel } from "weakincentives/testing";
import { z } from "zod";
import { startRedis } from "./redis-server.js";
import { FINAL_OUTPUT, inProcessScript, type Output, prompt } from "./soak/scenario.js";
import { recordWarnings, report } from "./stats.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const WARMUP = 5_000;
const OUTSTANDING = 64;
const CONCURRENCY = 4;
const MIB = 1024 * 1024;

// Heap figures need a collector to call: run again with it exposed.
if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
  execFileSync(process.execPath, [...process.execArgv, "--expose-gc", import.meta.filename], {
    stdio: "inherit",
  });
  process.exit(0);
}

type Answer = z.infer<typeof Output>;
type Reply = MainLoopResult<Answer>;

/** One evaluation per conversation of the script: the in-process model's cursor is per model. */
const adapter: ProviderAdapter = {
  name: "in_process",
  evaluate: (evaluated, options) =>
    new InProcessAdapter(new InProcessModel(inProcessScript())).evaluate(evaluated, options),
};

/** Where the process and the broker stand, with the queues idle. */
interface Checkpoint {
  heapMiB: number;
  handles: Record<string, number>;
  redisKeys: number;
  redisMemoryMiB: number;
}

async function checkpoint(client: Redis): Promise<Checkpoint> {
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const handles: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  const memory = /used_memory:(\d+)/.exec(await client.info("memory"))?.[1] ?? "NaN";
  return {
    heapMiB: round2(process.memoryUsage().heapUsed / MIB),
    handles,
    redisKeys: await client.dbsize(),
    redisMemoryMiB: round2(Number(memory) / MIB),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Sends requests and collects their replies, keeping `OUTSTANDING` in flight. */
class Client {
  readonly answered = new Map<string, number>();
  failures = 0;
  /** Requests sent and not yet answered. */
  private readonly sentAt = new Set<string>();
  private sent = 0;

  constructor(
    private readonly requests: RedisMailbox<unknown, Reply>,
    private readonly replies: RedisMailbox<Reply>,
  ) {}

  /**
   * Send requests up to `upTo` in all and wait until every one sent so far is answered. Returns
   * the time taken per request sent, in the process's CPU time and wall-clock time, µs.
   */
  async runTo(upTo: number): Promise<{ cpu: number; wall: number }> {
    const count = upTo - this.sent;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    while (this.sent < upTo || this.sentAt.size > 0) {
      while (this.sent < upTo && this.sentAt.size < OUTSTANDING) await this.send();
      for (const message of await this.replies.receive({ maxMessages: 10, waitTimeSeconds: 5 })) {
        this.record(message.body);
        await message.acknowledge();
      }
    }
    const used = process.cpuUsage(cpu);
    const wall = Number(process.hrtime.bigint() - start) / 1_000;
    return { cpu: round2((used.user + used.system) / count), wall: round2(wall / count) };
  }

  private async send(): Promise<void> {
    const requestId = `r${this.sent++}`;
    this.sentAt.add(requestId);
    await this.requests.send({ request: { n: this.sent }, requestId }, { replyTo: this.replies.name });
  }

  private record(reply: Reply): void {
    this.answered.set(reply.requestId, (this.answered.get(reply.requestId) ?? 0) + 1);
    // A duplicate is counted above and changes nothing else.
    if (!this.sentAt.delete(reply.requestId)) return;
    if (!reply.success || reply.output?.summary !== FINAL_OUTPUT.summary) this.failures++;
  }
}

configureLogging({ level: "INFO", json: true, destination: { write: () => true } });
const warnings = recordWarnings();
const redis = await startRedis();
const client = new Redis({ host: "127.0.0.1", port: redis.port });
const requests = new RedisMailbox<unknown, Reply>({ name: `soak-requests-${randomUUID()}`, client });
const replies = new RedisMailbox<Reply>({ name: `soak-replies-${randomUUID()}`, client });
const loop = new MainLoop<{ n: number }, Answer>({
  name: "worker-soak",
  adapter,
  requests,
  requestSchema: z.object({ n: z.number() }),
  prepare: () => prompt,
  config: { concurrency: CONCURRENCY, batchSize: 10 },
});
const stop = new AbortController();
const running = loop.run({ signal: stop.signal, waitTimeSeconds: 1 });
const tenth = Math.max(1, Math.floor(REQUESTS / 10));
const bench = new Client(requests, replies);
let first: Checkpoint;
let last: Checkpoint;
let early: { cpu: number; wall: number };
let late: { cpu: number; wall: number };
try {
  await bench.runTo(WARMUP);
  first = await checkpoint(client);
  early = await bench.runTo(WARMUP + tenth);
  await bench.runTo(WARMUP + REQUESTS - tenth);
  late = await bench.runTo(WARMUP + REQUESTS);
  last = await checkpoint(client);
} finally {
  stop.abort();
  await running;
  await requests.close();
  await replies.close();
  client.disconnect();
  redis.child.kill();
}

const duplicates = [...bench.answered.values()].filter((count) => count > 1).length;
const missing = WARMUP + REQUESTS - bench.answered.size;
const driftPct = round2((late.cpu / early.cpu - 1) * 100);
const heapGrowthMiB = round2(last.heapMiB - first.heapMiB);
const handlesSteady = JSON.stringify(first.handles) === JSON.stringify(last.handles);
const pass =
  heapGrowthMiB <= 2 &&
  handlesSteady &&
  first.redisKeys === last.redisKeys &&
  driftPct <= 10 &&
  duplicates === 0 &&
  missing === 0 &&
  bench.failures === 0 &&
  warnings.count() === 0;
report(
  "worker-soak",
  [
    `${WARMUP} + ${REQUESTS} requests × 11 turns through MainLoop on Redis (concurrency ${CONCURRENCY}, ${OUTSTANDING} outstanding)`,
    `heap after GC: ${first.heapMiB} MiB after the warm-up, ${last.heapMiB} MiB ${REQUESTS} requests later → growth ${heapGrowthMiB} MiB (target ≤ 2)`,
    `active handles: ${JSON.stringify(first.handles)} → ${JSON.stringify(last.handles)} (target: unchanged)`,
    `redis: ${first.redisKeys} → ${last.redisKeys} keys (target: unchanged), ${first.redisMemoryMiB} → ${last.redisMemoryMiB} MiB used`,
    `per request, first ${tenth} measured: ${early.cpu} µs CPU (${early.wall} µs wall); last ${tenth}: ${late.cpu} µs CPU (${late.wall} µs wall) → drift ${driftPct} % CPU (target ≤ 10 %)`,
    `replies: ${bench.answered.size} of ${WARMUP + REQUESTS}, ${duplicates} twice, ${bench.failures} failed (target: all, once, none failed)`,
    `process warnings: ${warnings.count()}${warnings.count() > 0 ? ` (${warnings.kinds().join(" | ")})` : ""} (target 0)`,
    `all targets met: ${pass}`,
  ],
  {
    requests: REQUESTS,
    heapGrowthMiB,
    handles: [first.handles, last.handles],
    redisKeys: [first.redisKeys, last.redisKeys],
    redisMemoryMiB: [first.redisMemoryMiB, last.redisMemoryMiB],
    perRequestUs: [early, late],
    driftPct,
    duplicates,
    missing,
    failures: bench.failures,
    warnings: warnings.count(),
    pass,
  },
);
