/**
 * bench/mailbox-throughput: messages per second through an InMemoryMailbox on the system clock,
 * each message sent, received (batches of 10, 30 s visibility) and acknowledged. Two shapes:
 *
 * - `pipelined`: send 10, receive the batch, acknowledge each — the queue stays short;
 * - `backlog`: send every message first, then drain it in batches — a deep queue and a full
 *   in-flight heap between receive and acknowledge.
 *
 * INFO logging to a discarding sink is on, so the DEBUG guards on the hot path are measured.
 * Each figure is the median of several timed runs after a warm-up.
 *
 * Target: ≥ 200,000 msgs/s. Run: `npx tsx --conditions=wink-source bench/mailbox-throughput.ts`.
 */

import { configureLogging, InMemoryMailbox } from "weakincentives/runtime";
import { quantile, report, rssMiB } from "./stats.js";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BATCH = 10;
const TARGET = 200_000;

configureLogging({ level: "INFO", json: true, destination: { write: () => true } });

interface Job {
  readonly n: number;
}

async function pipelined(count: number): Promise<number> {
  const mailbox = new InMemoryMailbox<Job>({ name: "bench-pipelined" });
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < count; sent += BATCH) {
    for (let i = 0; i < BATCH; i++) await mailbox.send({ n: sent + i });
    const batch = await mailbox.receive({ maxMessages: BATCH, visibilityTimeout: 30 });
    for (const msg of batch) await msg.acknowledge();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await check(mailbox);
  return count / seconds;
}

async function backlog(count: number): Promise<number> {
  const mailbox = new InMemoryMailbox<Job>({ name: "bench-backlog" });
  const start = process.hrtime.bigint();
  for (let n = 0; n < count; n++) await mailbox.send({ n });
  for (let batch = await mailbox.receive({ maxMessages: BATCH }); batch.length > 0; ) {
    for (const msg of batch) await msg.acknowledge();
    batch = await mailbox.receive({ maxMessages: BATCH, visibilityTimeout: 30 });
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await check(mailbox);
  return count / seconds;
}

async function check(mailbox: InMemoryMailbox<Job>): Promise<void> {
  const left = await mailbox.approximateCount();
  if (left !== 0) throw new Error(`${mailbox.name}: ${left} messages left over`);
  await mailbox.close();
}

async function measure(run: (count: number) => Promise<number>): Promise<number[]> {
  await run(Math.min(MESSAGES, 50_000)); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) rates.push(await run(MESSAGES));
  return rates;
}

const pipe = await measure(pipelined);
const deep = await measure(backlog);
const pipeMedian = Math.round(quantile(pipe, 0.5));
const deepMedian = Math.round(quantile(deep, 0.5));
const rss = rssMiB();
const fmt = (n: number): string => n.toLocaleString("en-US");

report(
  "mailbox-throughput",
  [
    `messages per run: ${fmt(MESSAGES)}, ${RUNS} runs after a warm-up; send → receive(10) → acknowledge`,
    `pipelined: median ${fmt(pipeMedian)} msgs/s (min ${fmt(Math.round(Math.min(...pipe)))}, max ${fmt(Math.round(Math.max(...pipe)))}) (target >= ${fmt(TARGET)})`,
    `backlog:   median ${fmt(deepMedian)} msgs/s (min ${fmt(Math.round(Math.min(...deep)))}, max ${fmt(Math.round(Math.max(...deep)))})`,
    `rss: ${rss} MiB`,
  ],
  {
    pipelinedMsgsPerSec: pipeMedian,
    backlogMsgsPerSec: deepMedian,
    targetMsgsPerSec: TARGET,
    messages: MESSAGES,
    runs: RUNS,
    rssMiB: rss,
  },
);
