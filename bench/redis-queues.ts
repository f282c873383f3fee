/**
 * bench/redis-queues: RedisMailbox against BullMQ (a dev dependency, here for this comparison
 * only), in one process, on a private redis-server on loopback started for the run.
 *
 * - drain: BENCH_DRAIN (20,000) no-op messages enqueued first, then consumed and acknowledged by
 *   1, 16 and 64 concurrent consumers; messages per second. RedisMailbox consumers are shaped
 *   like MainLoop: one receive loop takes min(free slots, 10) messages and starts each in a slot;
 *   at concurrency 1 also with MainLoop's `batchSize: 10` (10 per receive, run one at a time).
 *   BullMQ: a Worker with that concurrency and a processor that returns at once.
 * - steady: BENCH_RATE (5,000) messages per second offered for BENCH_SECONDS (5), 16 consumers;
 *   arrival (the send call) → acknowledged latency p50/p99/max, and the rate held.
 *
 * Targets (issue 14): drain ≥ 1.5× BullMQ at 16 and 64, ≥ 1.0× at 1; steady: offered rate held and
 * p99 < 5 ms. Each figure is the median of BENCH_RUNS (3) runs.
 * Run: `npx tsx --conditions=wink-source bench/redis-queues.ts` (needs `redis-server` on PATH).
 */

import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { RedisMailbox } from "weakincentives/contrib/mailbox/redis";
import { configureLogging } from "weakincentives/runtime";
import { startRedis } from "./redis-server.js";
import { quantile, report } from "./stats.js";

const DRAIN = Number(process.env.BENCH_DRAIN ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 5_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? "1,16,64").split(",").map(Number);
/** `drain`, `steady` or both (default). */
const PARTS = process.env.BENCH_PARTS ?? "drain,steady";

configureLogging({ level: "WARNING", json: true, destination: { write: () => true } });

interface Job {
  readonly n: number;
  /** performance.now() at the send call. */
  readonly t: number;
}

/** A system under test: enqueue, then consume with `concurrency` until `stop()`. */
interface Contender {
  readonly label: string;
  send(jobs: readonly Job[]): Promise<void>;
  /** Start consumers; `onDone` runs after each acknowledgement. */
  consume(
    concurrency: number,
    onDone: (job: Job) => void,
    batchSize?: number,
  ): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

let serial = 0;

function mailboxContender(port: number): Contender {
  const client = new Redis({ port, host: "127.0.0.1" });
  const name = `bench-${process.pid}-${++serial}`;
  const producer = new RedisMailbox<Job>({ name, client });
  return {
    label: "RedisMailbox",
    send: async (jobs) => {
      await Promise.all(jobs.map((job) => producer.send(job)));
    },
    consume: async (concurrency, onDone, batchSize) => {
      const own = client.duplicate();
      const consumer = new RedisMailbox<Job>({ name, client: own });
      const stop = new AbortController();
      const loop = mainLoopShaped(consumer, { concurrency, batchSize }, stop.signal, onDone);
      return {
        stop: async () => {
          stop.abort();
          await loop;
          await consumer.close();
          own.disconnect();
        },
      };
    },
    close: async () => {
      await producer.purge();
      await producer.close();
      client.disconnect();
    },
  };
}

/**
 * MainLoop's receive pattern (see `src/runtime/main-loop/internal/`): receive for the room left —
 * slots free or only settling (an acknowledgement in flight), less what is buffered or already
 * asked for — at most 10 per receive (or `batchSize`, MainLoop's prefetch option), with a second
 * receive in flight only while the last one brought 10 (a backlog); run each message in a
 * slot as one frees. The handler is a no-op, so a
 * request settles (acknowledges) as soon as it starts.
 */
async function mainLoopShaped(
  mailbox: RedisMailbox<Job>,
  options: { concurrency: number; batchSize: number | undefined },
  signal: AbortSignal,
  onDone: (job: Job) => void,
): Promise<void> {
  const { concurrency, batchSize } = options;
  let running = 0;
  let settling = 0;
  let receiving = 0;
  let asked = 0;
  let backlog = false;
  let changed: (() => void) | undefined;
  const wake = (): void => {
    changed?.();
    changed = undefined;
  };
  const tasks = new Set<Promise<void>>();
  const track = (task: Promise<void>): void => {
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  };
  const buffer: Awaited<ReturnType<RedisMailbox<Job>["receive"]>> = [];
  while (!signal.aborted) {
    while (running < concurrency && buffer.length > 0) {
      const message = buffer.shift() as (typeof buffer)[number];
      running++;
      settling++;
      track(
        message.acknowledge().then(() => {
          onDone(message.body);
          running--;
          settling--;
          wake();
        }),
      );
    }
    const room = concurrency - (running - settling) - buffer.length - asked;
    if (room > 0 && receiving < (backlog ? 2 : 1)) {
      const want = Math.min(batchSize ?? room, 10);
      receiving++;
      asked += want;
      track(
        mailbox
          .receive({ maxMessages: want, waitTimeSeconds: 20, visibilityTimeout: 60, signal })
          .then((batch) => {
            backlog = batch.length >= 10;
            buffer.push(...batch);
          })
          .finally(() => {
            receiving--;
            asked -= want;
            wake();
          }),
      );
      continue;
    }
    await new Promise<void>((resolve) => {
      changed = resolve;
    });
  }
  await Promise.all(tasks);
}

function bullContender(port: number): Contender {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const name = `bench-${process.pid}-${++serial}`;
  const queue = new Queue<Job>(name, { connection });
  const options = { removeOnComplete: true, removeOnFail: true } as const;
  return {
    label: "BullMQ",
    send: async (jobs) => {
      await Promise.all(jobs.map((job) => queue.add("job", job, options)));
    },
    consume: async (concurrency, onDone) => {
      const worker = new Worker<Job>(name, async () => {}, { connection, concurrency, autorun: false });
      worker.on("completed", (job) => onDone(job.data));
      void worker.run();
      await worker.waitUntilReady();
      return { stop: () => worker.close() };
    },
    close: async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

/** Messages per second to drain a backlog of DRAIN messages with `concurrency` consumers. */
async function drain(make: () => Contender, concurrency: number, batchSize?: number): Promise<number> {
  const contender = make();
  for (let n = 0; n < DRAIN; n += 1000) {
    await contender.send(Array.from({ length: Math.min(1000, DRAIN - n) }, (_, i) => ({ n: n + i, t: 0 })));
  }
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const start = performance.now();
  const consumers = await contender.consume(
    concurrency,
    () => {
      if (++done === DRAIN) finish();
    },
    batchSize,
  );
  await all;
  const seconds = (performance.now() - start) / 1000;
  await consumers.stop();
  await contender.close();
  if (process.env.BENCH_VERBOSE)
    console.error(`drain ${contender.label} c=${concurrency}: ${fmt(DRAIN / seconds)}/s`);
  return DRAIN / seconds;
}

interface Steady {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly rate: number;
  /** This process's CPU time per second during the measured part (1 = one core busy). */
  readonly cpu: number;
}

/**
 * RATE messages/s for WARM_SECONDS (not measured: JIT and connection warm-up) then SECONDS,
 * 16 consumers: latency from the send call to the acknowledgement of each measured message.
 */
async function steady(make: () => Contender): Promise<Steady> {
  const contender = make();
  const warm = RATE * WARM_SECONDS;
  const total = warm + RATE * SECONDS;
  const latencies: number[] = [];
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const consumers = await contender.consume(16, (job) => {
    if (job.n >= warm) latencies.push(performance.now() - job.t);
    if (++done === total) finish();
  });
  const start = performance.now();
  let measuredFrom = start;
  let cpu = process.cpuUsage();
  let sent = 0;
  const sends: Promise<void>[] = [];
  while (sent < total) {
    // Send what the schedule owes by now, then yield to the event loop for ~1 ms.
    const owed = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE)) - sent;
    if (owed > 0) {
      const t = performance.now();
      if (sent < warm && sent + owed >= warm) {
        measuredFrom = t;
        cpu = process.cpuUsage();
      }
      sends.push(contender.send(Array.from({ length: owed }, (_, i) => ({ n: sent + i, t }))));
      sent += owed;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(sends);
  await all;
  const seconds = (performance.now() - measuredFrom) / 1000;
  const used = process.cpuUsage(cpu);
  await consumers.stop();
  await contender.close();
  if (process.env.BENCH_VERBOSE) {
    const qs = [0.5, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999].map(
      (q) => `p${q * 100} ${ms(quantile(latencies, q))}`,
    );
    console.error(`${contender.label}: ${qs.join(", ")}`);
  }
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: Math.max(...latencies),
    rate: latencies.length / seconds,
    cpu: (used.user + used.system) / 1e6 / seconds,
  };
}

const median = (values: readonly number[]): number => quantile(values, 0.5);
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const ms = (n: number): string => n.toFixed(2);

const redis = await startRedis();
try {
  const makers = [() => mailboxContender(redis.port), () => bullContender(redis.port)];
  // BENCH_ONLY=mailbox: our side only (for profiling).
  if (process.env.BENCH_ONLY === "mailbox") makers.splice(1);
  for (const make of makers) await drain(make, 16); // warm-up
  const lines: string[] = [];
  const figures: Record<string, unknown> = { drainMessages: DRAIN, runs: RUNS };
  for (const concurrency of PARTS.includes("drain") ? CONCURRENCIES : []) {
    const [ours, prefetched, theirs] = [[], [], []] as [number[], number[], number[]];
    for (let run = 0; run < RUNS; run++) {
      ours.push(await drain(makers[0] as () => Contender, concurrency));
      // One at a time, but taking 10 per receive (MainLoop's batchSize): BullMQ's worker, too,
      // fetches its next job with the previous one's completion.
      if (concurrency === 1) prefetched.push(await drain(makers[0] as () => Contender, 1, 10));
      if (makers[1] !== undefined) theirs.push(await drain(makers[1], concurrency));
    }
    const ratio = median(ours) / median(theirs);
    const target = concurrency === 1 ? 1.0 : 1.5;
    const withPrefetch =
      concurrency === 1
        ? `; batchSize 10: ${fmt(median(prefetched))}/s, ratio ${(median(prefetched) / median(theirs)).toFixed(2)}×`
        : "";
    lines.push(
      `drain c=${concurrency}: RedisMailbox ${fmt(median(ours))}/s, BullMQ ${fmt(median(theirs))}/s, ` +
        `ratio ${ratio.toFixed(2)}×${withPrefetch} (target >= ${target.toFixed(1)}×)`,
    );
    figures[`drainC${concurrency}`] = {
      ours: median(ours),
      bullmq: median(theirs),
      ratio,
      ...(concurrency === 1 ? { batchSize10: median(prefetched) } : {}),
    };
  }
  for (const [index, make] of PARTS.includes("steady") ? makers.entries() : []) {
    const results: Steady[] = [];
    for (let run = 0; run < RUNS; run++) results.push(await steady(make));
    const pick = (key: keyof Steady): number => median(results.map((r) => r[key]));
    const label = index === 0 ? "RedisMailbox" : "BullMQ";
    lines.push(
      `steady ${fmt(RATE)}/s × ${SECONDS} s, 16 consumers, ${label}: p50 ${ms(pick("p50"))} ms, ` +
        `p99 ${ms(pick("p99"))} ms, max ${ms(pick("max"))} ms, held ${fmt(pick("rate"))}/s, ` +
        `process CPU ${Math.round(pick("cpu") * 100)}%` +
        (index === 0 ? " (target p99 < 5 ms)" : ""),
    );
    figures[`steady${label}`] = {
      p50: pick("p50"),
      p99: pick("p99"),
      max: pick("max"),
      rate: pick("rate"),
      cpu: pick("cpu"),
    };
  }
  report("redis-queues", lines, figures);
} finally {
  redis.child.kill("SIGKILL");
  // BullMQ keeps reconnecting clients of its own around; nothing is left to wait for.
  process.exit(process.exitCode ?? 0);
}
