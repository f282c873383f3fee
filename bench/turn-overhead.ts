/**
 * bench/turn-overhead: the cost the shared adapter loop adds per model turn, with a
 * zero-latency in-process model. 8 tools spread over 4 sections; each evaluation makes one tool
 * call per turn for 10 turns, then returns structured output. Events (a metrics subscriber),
 * session reducers and INFO logging (to a discarding sink) are all on.
 *
 * Target (issue 4): median ≤ 25 µs per turn. Run: `npx tsx --conditions=wink-source bench/turn-overhead.ts`.
 */

import {
  defineType,
  InProcessDispatcher,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  Session,
  Tool,
  ToolInvoked,
  ToolResult,
} from "weakincentives";
import { configureLogging, upsertBy } from "weakincentives/runtime";
import { InProcessAdapter, InProcessModel, type InProcessTurn } from "weakincentives/testing";
import { z } from "zod";
import { quantile, report, rssMiB } from "./stats.js";

const TURNS = 10;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 3_000);

configureLogging({ level: "INFO", json: true, destination: { write: () => true } });

const Counter = defineType("Counter", z.object({ tool: z.string(), count: z.number().int() }));

const tools = Array.from(
  { length: 8 },
  (_, i) =>
    new Tool({
      name: `tool_${i}`,
      description: `Benchmark tool number ${i}.`,
      params: z.object({
        id: z.string(),
        limit: z.number().int().min(1).max(100),
        tags: z.array(z.string()).max(5),
      }),
      result: z.object({ tool: z.string(), count: z.number().int() }),
      handler: ({ limit }) => ToolResult.ok(Counter.create({ tool: `tool_${i}`, count: limit })),
    }),
);

const Output = z.object({
  summary: z.string(),
  items: z.array(z.object({ id: z.string(), score: z.number() })),
});

const template = new PromptTemplate({
  ns: "bench",
  key: "turn-overhead",
  output: Output,
  sections: Array.from(
    { length: 4 },
    (_, s) =>
      new MarkdownSection({
        key: `section-${s}`,
        title: `Section ${s}`,
        template: `Instructions for part ${s} of the work. Use the tools when needed.`,
        tools: tools.slice(s * 2, s * 2 + 2),
      }),
  ),
});

const script: InProcessTurn[] = [
  ...Array.from({ length: TURNS }, (_, t) => ({
    toolCalls: [
      {
        id: `call-${t}`,
        name: `tool_${t % 8}`,
        arguments: `{"id":"item-${t}","limit":${t + 1},"tags":["a","b"]}`,
      },
    ],
    usage: { inputTokens: 100, outputTokens: 20 },
  })),
  {
    text: JSON.stringify({ summary: "done", items: [{ id: "a", score: 0.5 }] }),
    usage: { inputTokens: 100, outputTokens: 40 },
  },
];

const dispatcher = new InProcessDispatcher();
let invocations = 0;
dispatcher.subscribe(ToolInvoked, () => {
  invocations++;
});

const prompt = new Prompt(template);
const adapter = new InProcessAdapter(new InProcessModel(script, { repeat: true }));

async function once(): Promise<number> {
  const session = new Session({ dispatcher });
  session.slice(Counter).register(
    Counter,
    upsertBy((c) => c.tool),
  );
  const start = process.hrtime.bigint();
  await adapter.evaluate(prompt, { session });
  return Number(process.hrtime.bigint() - start) / 1_000 / (TURNS + 1);
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
    `evaluations: ${RUNS} (after ${WARMUP} warm-up), ${TURNS} tool turns + 1 final turn each, ${invocations} ToolInvoked events`,
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
