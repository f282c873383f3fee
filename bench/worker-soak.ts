/**
 * bench/worker-soak: does a worker's request path hold steady over tens of thousands of requests
 * on a real broker? bench/soak runs adapters alone; this runs what a deployed worker runs around
 * them: a MainLoop (concurrency 4, batches of 10, lease extender on) consuming a mailbox on a
 * private broker (a redis-server, then an SQS-protocol server in a child process; see
 * bench/brokers.ts), each request an 11-turn evaluation of the soak prompt (10 tool calls,
 * structured output) on the in-process model, its reply sent to a reply queue that a client
 * drains and acknowledges. The client keeps 64 requests outstanding.
 *
 * Reported between a checkpoint near the end of WARMUP requests (5,000: V8 is still optimizing
 * the request path for the first few thousand; the checkpoint's forced collections slow the next
 * thousand requests by about a third, so it comes 1,000 before the warm-up ends) and one at the
 * end, each taken with the queues idle and every reply in:
 *
 * - heap after GC (target: growth ≤ 2 MiB);
 * - the process's active handles and requests (sockets, timers) (target: unchanged);
 * - the broker: Redis keys and memory, or the messages SQS counts in both queues (target:
 *   unchanged — nothing a message leaves behind stays);
 * - time per request, in the process's CPU time, over 40 windows of the measured requests: the
 *   trend from the first to the last (target: within 10 %), as the Theil–Sen slope (the median
 *   of the slopes between every two windows) relative to the median window, since one window
 *   varies by ±15 % on a shared machine; the first and last four windows' medians are shown. A
 *   shared machine also changes speed during a run, so each window is followed by a reference
 *   block (400 evaluations on the adapter alone, no queue) and the trend of the windows relative
 *   to it is computed too: the target is met when either trend is. Both still move by ±15 %
 *   between runs here (the request path keeps speeding up for ~10,000 requests); the heap,
 *   handle, key and reply figures are the ones that catch an accumulation;
 * - replies: one per request, by request id, all successful (target: none missing, none twice);
 * - process warnings (target: 0).
 *
 * Run: `npx tsx --conditions=wink-source bench/worker-soak.ts` (needs `redis-server` on PATH;
 * BENCH_REQUESTS sets the measured count, default 20,000; BENCH_BROKER the brokers, default
 * `redis,sqs`; about a minute on Redis and three on SQS).
 */

import { execFileSync } from "node:child_process";
import { Session } from "weakincentives";
import type { ProviderAdapter } from "weakincentives/adapters";
import { configureLogging, type Mailbox, MainLoop, type MainLoopResult } from "weakincentives/runtime";
import { InProcessAdapter, InProcessModel } from "weakincentives/testing";
import { z } from "zod";
import { type SoakBroker, startBroker } from "./brokers.js";
import { FINAL_OUTPUT, inProcessScript, type Output, prompt } from "./soak/scenario.js";
import { quantile, recordWarnings, report, round2, settledHeapMiB } from "./stats.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const WARMUP = 5_000;
const OUTSTANDING = 64;
/** Windows the measured requests are timed in. */
const WINDOWS = 40;
const CONCURRENCY = 4;

// Heap figures need a collector to call: run again with it exposed, once per broker.
if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
  for (const broker of (process.env.BENCH_BROKER ?? "redis,sqs").split(",")) {
    execFileSync(process.execPath, [...process.execArgv, "--expose-gc", import.meta.filename], {
      stdio: "inherit",
      env: { ...process.env, BENCH_BROKER: broker },
    });
  }
  process.exit(0);
}
const BROKER = process.env.BENCH_BROKER === "sqs" ? "sqs" : "redis";

type Answer = z.infer<typeof Output>;
type Reply = MainLoopResult<Answer>;

/** One evaluation per conversation of the script: the in-process model's cursor is per model. */
const adapter: ProviderAdapter = {
  name: "in_process",
  evaluate: (evaluated, options) =>
    new InProcessAdapter(new InProcessModel(inProcessScript())).evaluate(evaluated, options),
};

/** The reference block: the same evaluations on the adapter alone, no queue or loop. */
async function referenceBlock(): Promise<void> {
  for (let i = 0; i < 400; i++) await adapter.evaluate(prompt, { session: new Session() });
}

/** Where the process and the broker stand, with the queues idle. */
interface Checkpoint {
  heapMiB: number;
  handles: Record<string, number>;
  /** Redis keys, or messages SQS counts. */
  brokerItems: number;
  brokerMemoryMiB: number | undefined;
}

async function checkpoint(broker: SoakBroker<Reply>): Promise<Checkpoint> {
  const heapMiB = round2(await settledHeapMiB());
  const handles: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  const { items, memoryMiB } = await broker.state();
  return { heapMiB, handles, brokerItems: items, brokerMemoryMiB: memoryMiB };
}

/** The median of the slopes between every two points (x = index): a trend that outliers do not move. */
function theilSenSlope(values: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) {
      slopes.push(((values[j] as number) - (values[i] as number)) / (j - i));
    }
  }
  return quantile(slopes, 0.5);
}

/** Sends requests and collects their replies, keeping `OUTSTANDING` in flight. */
class Client {
  /**
   * Replies per request, by its number: allocated up front, since a map of every request id
   * would grow the heap by about 60 bytes per request, which is what the run looks for.
   */
  readonly answered: Uint8Array;
  failures = 0;
  /** Requests sent and not yet answered. */
  private readonly sentAt = new Set<string>();
  private sent = 0;

  constructor(
    private readonly requests: Mailbox<unknown, Reply>,
    private readonly replies: Mailbox<Reply>,
    total: number,
  ) {
    this.answered = new Uint8Array(total);
  }

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

  /**
   * The per-request time of each of `windows` equal windows of the `count` requests after the
   * first `from`, each followed by the CPU time of `reference` (the machine's speed then).
   */
  async timeWindows(
    from: number,
    count: number,
    windows: number,
    reference: () => Promise<void>,
  ): Promise<{ cpu: number; wall: number; reference: number }[]> {
    const timed: { cpu: number; wall: number; reference: number }[] = [];
    for (let i = 1; i <= windows; i++) {
      const window = await this.runTo(from + Math.round((count * i) / windows));
      const cpu = process.cpuUsage();
      await reference();
      const used = process.cpuUsage(cpu);
      timed.push({ ...window, reference: used.user + used.system });
    }
    return timed;
  }

  private async send(): Promise<void> {
    const requestId = `r${this.sent++}`;
    this.sentAt.add(requestId);
    await this.requests.send({ request: { n: this.sent }, requestId }, { replyTo: this.replies.name });
  }

  private record(reply: Reply): void {
    const n = Number(reply.requestId.slice(1));
    this.answered[n] = Math.min(255, (this.answered[n] ?? 0) + 1);
    // A duplicate is counted above and changes nothing else.
    if (!this.sentAt.delete(reply.requestId)) return;
    if (!reply.success || reply.output?.summary !== FINAL_OUTPUT.summary) this.failures++;
  }
}

configureLogging({ level: "INFO", json: true, destination: { write: () => true } });
const warnings = recordWarnings();
const broker = await startBroker<Reply>(BROKER);
const { requests, replies } = broker;
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
const bench = new Client(requests, replies, WARMUP + REQUESTS);
let first: Checkpoint;
let last: Checkpoint;
let windows: { cpu: number; wall: number; reference: number }[];
try {
  await bench.runTo(WARMUP - 1_000);
  // The reference block warms up too, or its first blocks would read slow and the relative trend high.
  for (let i = 0; i < 5; i++) await referenceBlock();
  first = await checkpoint(broker);
  await bench.runTo(WARMUP);
  windows = await bench.timeWindows(WARMUP, REQUESTS, WINDOWS, referenceBlock);
  last = await checkpoint(broker);
} finally {
  stop.abort();
  await running;
  await broker.stop();
}

const duplicates = bench.answered.filter((count) => count > 1).length;
const missing = bench.answered.filter((count) => count === 0).length;
const cpu = windows.map((w) => w.cpu);
const median = (values: readonly number[]): number => round2(quantile(values, 0.5));
const trend = (values: readonly number[]): number =>
  round2(((theilSenSlope(values) * (values.length - 1)) / median(values)) * 100);
const driftPct = trend(cpu);
const relativeDriftPct = trend(windows.map((w) => w.cpu / w.reference));
const early = { cpu: median(cpu.slice(0, 4)), wall: median(windows.slice(0, 4).map((w) => w.wall)) };
const late = { cpu: median(cpu.slice(-4)), wall: median(windows.slice(-4).map((w) => w.wall)) };
const heapGrowthMiB = round2(last.heapMiB - first.heapMiB);
const handlesSteady = JSON.stringify(first.handles) === JSON.stringify(last.handles);
const pass =
  heapGrowthMiB <= 2 &&
  handlesSteady &&
  first.brokerItems === last.brokerItems &&
  Math.min(driftPct, relativeDriftPct) <= 10 &&
  duplicates === 0 &&
  missing === 0 &&
  bench.failures === 0 &&
  warnings.count() === 0;
const items = BROKER === "redis" ? "keys" : "messages";
const memory =
  first.brokerMemoryMiB === undefined ? "" : `, ${first.brokerMemoryMiB} → ${last.brokerMemoryMiB} MiB used`;
report(
  `worker-soak-${BROKER}`,
  [
    `${WARMUP} + ${REQUESTS} requests × 11 turns through MainLoop on ${BROKER === "redis" ? "Redis" : "SQS (fauxqs)"} (concurrency ${CONCURRENCY}, ${OUTSTANDING} outstanding)`,
    `heap after GC: ${first.heapMiB} MiB after ${WARMUP - 1_000} requests, ${last.heapMiB} MiB ${REQUESTS + 1_000} requests later → growth ${heapGrowthMiB} MiB (target ≤ 2)`,
    `active handles: ${JSON.stringify(first.handles)} → ${JSON.stringify(last.handles)} (target: unchanged)`,
    `${BROKER}: ${first.brokerItems} → ${last.brokerItems} ${items} (target: unchanged)${memory}`,
    `per request, ${WINDOWS} windows of ${REQUESTS / WINDOWS}: first four ${early.cpu} µs CPU (${early.wall} µs wall), last four ${late.cpu} µs CPU (${late.wall} µs wall); trend over the run ${driftPct} % CPU, relative to the reference block ${relativeDriftPct} % (target: either ≤ 10 %)`,
    `replies: ${WARMUP + REQUESTS - missing} of ${WARMUP + REQUESTS}, ${duplicates} twice, ${bench.failures} failed (target: all, once, none failed)`,
    `process warnings: ${warnings.count()}${warnings.count() > 0 ? ` (${warnings.kinds().join(" | ")})` : ""} (target 0)`,
    `all targets met: ${pass}`,
  ],
  {
    requests: REQUESTS,
    heapGrowthMiB,
    handles: [first.handles, last.handles],
    broker: BROKER,
    brokerItems: [first.brokerItems, last.brokerItems],
    brokerMemoryMiB: [first.brokerMemoryMiB, last.brokerMemoryMiB],
    perRequestUs: [early, late],
    driftPct,
    relativeDriftPct,
    duplicates,
    missing,
    failures: bench.failures,
    warnings: warnings.count(),
    pass,
  },
);
