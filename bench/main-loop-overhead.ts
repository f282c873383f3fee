/**
 * bench/main-loop-overhead: what MainLoop adds per request on top of the adapter — envelope
 * validation, run context, lease extender, session creation, reply, acknowledge, events — with a
 * zero-latency in-process model and an in-memory mailbox. Overhead = (time through the loop −
 * time calling the adapter directly) / requests. Target (issue 5): ≤ 50 µs.
 * Run: `npx tsx --conditions=wink-source bench/main-loop-overhead.ts`.
 */

import { MarkdownSection, Prompt, PromptTemplate, Session } from "weakincentives";
import {
  configureLogging,
  InMemoryMailbox,
  InProcessDispatcher,
  MainLoop,
  type MainLoopRequest,
  type MainLoopResult,
} from "weakincentives/runtime";
import { InProcessAdapter, InProcessModel } from "weakincentives/testing";
import { z } from "zod";
import { quantile, report, rssMiB } from "./stats.js";

configureLogging({ level: "INFO", json: true, destination: { write: () => true } });

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const Request = z.object({ question: z.string() });
const Answer = z.object({ answer: z.string() });
const template = new PromptTemplate({
  ns: "bench",
  key: "main-loop",
  output: Answer,
  sections: [new MarkdownSection({ key: "q", title: "Question", params: Request, template: "${question}" })],
});

class BenchLoop extends MainLoop<z.infer<typeof Request>, z.infer<typeof Answer>> {
  override prepare(request: z.infer<typeof Request>) {
    return new Prompt(template).bind({ q: request });
  }
}

const adapter = new InProcessAdapter(
  new InProcessModel([{ text: '{"answer":"ok"}', usage: { inputTokens: 10, outputTokens: 2 } }], {
    repeat: true,
  }),
);
const dispatcher = new InProcessDispatcher();

async function direct(): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) {
    await adapter.evaluate(new Prompt(template).bind({ q: { question: `q${i}` } }), {
      session: new Session({ dispatcher }),
    });
  }
  return Number(process.hrtime.bigint() - start) / 1_000;
}

async function throughLoop(round: number): Promise<number> {
  const requests = new InMemoryMailbox<unknown, MainLoopResult<z.infer<typeof Answer>>>({
    name: `bench-requests-${round}`,
  });
  const replies = new InMemoryMailbox<MainLoopResult<z.infer<typeof Answer>>>({
    name: `bench-replies-${round}`,
  });
  const loop = new BenchLoop({
    adapter,
    requests,
    requestSchema: Request,
    config: { dispatcher, waitTimeSeconds: 0, batchSize: 10 },
  });
  for (let i = 0; i < REQUESTS; i++) {
    const envelope: MainLoopRequest<z.infer<typeof Request>> = {
      request: { question: `q${i}` },
      requestId: `r${i}`,
    };
    await requests.send(envelope, { replyTo: replies });
  }
  const start = process.hrtime.bigint();
  await loop.run({ maxIterations: Math.ceil(REQUESTS / 10) });
  const elapsed = Number(process.hrtime.bigint() - start) / 1_000;
  if ((await replies.approximateCount()) !== REQUESTS)
    throw new Error("bench: not every request was answered");
  return elapsed;
}

await direct();
await throughLoop(-1);
const overheads: number[] = [];
let directPer = 0;
let loopPer = 0;
for (let round = 0; round < ROUNDS; round++) {
  const d = await direct();
  const l = await throughLoop(round);
  directPer = d / REQUESTS;
  loopPer = l / REQUESTS;
  overheads.push((l - d) / REQUESTS);
}
const median = quantile(overheads, 0.5);
report(
  "main-loop-overhead",
  [
    `requests per round: ${REQUESTS}, rounds: ${ROUNDS}`,
    `last round: adapter alone ${directPer.toFixed(1)} µs/request, through MainLoop ${loopPer.toFixed(1)} µs/request`,
    `MainLoop overhead: median ${median.toFixed(1)} µs/request (min ${Math.min(...overheads).toFixed(1)}, max ${Math.max(...overheads).toFixed(1)}) (target <= 50 µs)`,
    `rss: ${rssMiB()} MiB`,
  ],
  {
    medianOverheadUs: Number(median.toFixed(1)),
    targetUs: 50,
    requests: REQUESTS,
    rounds: ROUNDS,
    rssMiB: rssMiB(),
  },
);
