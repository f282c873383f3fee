/**
 * bench/turn-overhead: the cost the shared adapter loop adds per model turn, with a
 * zero-latency in-process model, on the soak scenario (`bench/soak/scenario.ts`): 8 tools spread
 * over 4 sections; each evaluation makes one tool call per turn for 10 turns, then returns
 * structured output. Here the tools return a typed value that a session reducer keeps. Events
 * (a metrics subscriber), session reducers and INFO logging (to a discarding sink) are all on.
 *
 * Target (issue 4): median ≤ 25 µs per turn. Run: `npx tsx --conditions=wink-source bench/turn-overhead.ts`.
 */

import { defineType, InProcessDispatcher, Session, ToolInvoked } from "weakincentives";
import { configureLogging, upsertBy } from "weakincentives/runtime";
import { InProcessAdapter, InProcessModel } from "weakincentives/testing";
import { benchPrompt, inProcessScript, TOOL_TURNS, ToolOutput, TURNS } from "./soak/scenario.js";
import { quantile, report, rssMiB } from "./stats.js";

const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 3_000);

configureLogging({ level: "INFO", json: true, destination: { write: () => true } });

// The soak scenario, with tools that return a typed value a session reducer keeps.
const Counter = defineType("Counter", ToolOutput);

const dispatcher = new InProcessDispatcher();
let invocations = 0;
dispatcher.subscribe(ToolInvoked, () => {
  invocations++;
});

const prompt = benchPrompt("turn-overhead", (tool, { limit }) => Counter.create({ tool, count: limit }));
const adapter = new InProcessAdapter(new InProcessModel(inProcessScript(), { repeat: true }));

async function once(): Promise<number> {
  const session = new Session({ dispatcher });
  session.slice(Counter).register(
    Counter,
    upsertBy((c) => c.tool),
  );
  const start = process.hrtime.bigint();
  await adapter.evaluate(prompt, { session });
  return Number(process.hrtime.bigint() - start) / 1_000 / TURNS;
}

for (let i = 0; i < WARMUP; i++) await once();
const perTurn: number[] = [];
for (let i = 0; i < RUNS; i++) perTurn.push(await once());

const median = quantile(perTurn, 0.5);
const p99 = quantile(perTurn, 0.99);
const rss = rssMiB();
report(
  "turn-overhead",
  [
    `evaluations: ${RUNS} (after ${WARMUP} warm-up), ${TOOL_TURNS} tool turns + 1 final turn each, ${invocations} ToolInvoked events`,
    `per turn: median ${median.toFixed(2)} µs, p99 ${p99.toFixed(2)} µs (target median <= 25 µs)`,
    `rss: ${rss} MiB`,
  ],
  {
    medianUs: Number(median.toFixed(2)),
    p99Us: Number(p99.toFixed(2)),
    rssMiB: rss,
    targetMedianUs: 25,
    runs: RUNS,
  },
);
