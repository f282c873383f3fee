/**
 * bench/soak: does an adapter hold steady over thousands of evaluations, and what does it cost
 * per turn over a hand-written loop on the same SDK client?
 *
 * For each adapter — OpenAI Chat Completions, OpenAI Responses, Anthropic Messages (real `openai`
 * and `@anthropic-ai/sdk` clients whose `fetch` answers in-process, no sockets) and the
 * in-process loop — one child process runs N evaluations (default 10,000) of an 11-turn prompt
 * (10 tool turns, then structured output) the way a worker runs them: a fresh session, the
 * worker's long-lived shutdown signal and a per-request deadline. Reported per adapter:
 *
 * - heap after GC at N/10 and N evaluations (target: growth ≤ 2 MiB);
 * - median per-turn time of the first and the last N/10 evaluations, after 2,000 warm-up
 *   evaluations (target: the last within 10 % of the first). A shared machine changes speed by
 *   tens of percent over a run, so a block of hand-written-loop evaluations runs after every
 *   100 adapter evaluations and the target is judged on the drift relative to it (the raw
 *   drift is printed too);
 * - process warnings such as `MaxListenersExceededWarning` (target: 0);
 * - the per-turn time the adapter adds over the hand-written loop of `bench/soak/baselines.ts`
 *   (target ≤ 15 µs), once on the plain path (a session only, as the hand-written loop has no
 *   cancellation either) and once on the worker path (the worker's shutdown signal and a
 *   deadline) against the same loop made cancellable as a worker's must be (one controller per
 *   evaluation fed by the shutdown signal and a timer, its signal on every request): what the
 *   SDK itself does with a signal — an abort listener per request, and in the Anthropic SDK a
 *   finalization registration too — is cancellation's cost, not the adapter's. The worker path
 *   over the loop without cancellation is printed as well. Both targets must be met. Each path runs in a child process of its own, as in a
 *   deployment (the long run above is the worker path's): side by side in one process the two
 *   paths make V8's inline caches polymorphic and slow each other. Measured in interleaved
 *   rounds of one 50-evaluation block of the path and one of the hand-written loop. On a shared machine whose speed changes during the run, a slow stretch stretches
 *   the difference with everything else, so the figure judged is the median over rounds of
 *   each round's ratio to its baseline block, times the baseline at the run's best speed (its
 *   fastest block); the plain median of the round-by-round differences is printed beside it.
 *
 * Times are given as wall-clock and as process CPU time; targets are judged on CPU time.
 *
 * Run: `npx tsx --conditions=wink-source bench/soak.ts [--evaluations N] [--adapters a,b]`
 * (adapters: openai-chat, openai-responses, anthropic, in-process). About two minutes per
 * adapter at 10,000 evaluations on one core. `bench/run-all.ts` runs it only when given `--soak`.
 */

import { execFileSync } from "node:child_process";
import { setMaxListeners } from "node:events";
import { parseArgs } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Deadline, Session } from "weakincentives";
import type { EvaluateOptions, ProviderAdapter } from "weakincentives/adapters";
import { AnthropicAdapter } from "weakincentives/adapters/anthropic";
import { OpenAIAdapter } from "weakincentives/adapters/openai";
import { configureLogging } from "weakincentives/runtime";
import { InProcessAdapter, InProcessModel } from "weakincentives/testing";
import {
  anthropicBaseline,
  type Baseline,
  chatBaseline,
  inProcessBaseline,
  responsesBaseline,
} from "./soak/baselines.js";
import { FINAL_OUTPUT, inProcessScript, prompt, staticRequest, TURNS } from "./soak/scenario.js";
import { inProcessFetch } from "./soak/wire.js";
import { quantile, report } from "./stats.js";

const ADAPTERS = ["openai-chat", "openai-responses", "anthropic", "in-process"] as const;
type AdapterName = (typeof ADAPTERS)[number];

const WARMUP = 2_000;
/** Interleaved comparison: rounds of one block per variant. */
const COMPARE_ROUNDS = 20;
const COMPARE_BLOCK = 50;
/** During the long run: a block of baseline evaluations after every this many adapter evaluations. */
const DRIFT_STRIDE = 100;
const DRIFT_BLOCK = 20;
const MIB = 1024 * 1024;

/** A figure in wall-clock time and in CPU time. */
interface Timing {
  wall: number;
  cpu: number;
}

/** One adapter's figures, as its child process reports them. Times are µs per model turn. */
interface SoakFigures {
  adapter: AdapterName;
  evaluations: number;
  heapAtTenthMiB: number;
  heapAtEndMiB: number;
  heapGrowthMiB: number;
  /** Median per-turn time of the first and the last tenth, and the change in %. */
  first: Timing;
  last: Timing;
  driftPct: Timing;
  /** The baseline's median per-turn time during the first and the last tenth. */
  baselineFirst: Timing;
  baselineLast: Timing;
  /** The change of the adapter's time relative to the baseline's over the same windows, in %. */
  relativeDriftPct: Timing;
  /** Process warnings emitted during the run, and the first few distinct ones. */
  warnings: number;
  warningKinds: string[];
  /** Interleaved comparison with the hand-written loop (in the worker path's process). */
  baseline: Timing;
  /** The hand-written loop made cancellable as a worker's must be (see `cancellableRun`). */
  cancellableBaseline: Timing;
  plain: Timing;
  worker: Timing;
  /**
   * The added per-turn time at the run's best speed (see the module doc): what is judged. The
   * plain path over the hand-written loop; the worker path over the cancellable one.
   */
  addedPlain: Timing;
  addedWorker: Timing;
  /** The median of the round-by-round differences, as measured. */
  addedPlainMeasured: Timing;
  addedWorkerMeasured: Timing;
  /** The worker path over the hand-written loop without cancellation (at best speed). */
  addedWorkerOverUncancellable: Timing;
}

interface Subject {
  readonly adapter: ProviderAdapter;
  readonly baseline: Baseline;
}

function subject(name: AdapterName): Subject {
  const request = staticRequest();
  if (name === "openai-chat" || name === "openai-responses") {
    const wire = inProcessFetch(name);
    const client = new OpenAI({
      apiKey: "sk-soak",
      baseURL: "http://soak.invalid/v1",
      fetch: wire.fetch,
      maxRetries: 0,
    });
    const api = name === "openai-chat" ? "chat" : "responses";
    return {
      adapter: new OpenAIAdapter({ model: "gpt-4.1-mini", api, client }),
      baseline: (api === "chat" ? chatBaseline : responsesBaseline)(client, "gpt-4.1-mini", request),
    };
  }
  if (name === "anthropic") {
    const wire = inProcessFetch("anthropic-messages");
    const client = new Anthropic({
      apiKey: "sk-ant-soak",
      baseURL: "http://soak.invalid",
      fetch: wire.fetch,
      maxRetries: 0,
    });
    return {
      adapter: new AnthropicAdapter({ model: "claude-sonnet-4-6", client, bedrock: false, env: {} }),
      baseline: anthropicBaseline(client, "claude-sonnet-4-6", request),
    };
  }
  return {
    adapter: new InProcessAdapter(new InProcessModel(inProcessScript(), { repeat: true })),
    baseline: inProcessBaseline(),
  };
}

async function settledHeapMiB(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("bench/soak: run the child with --expose-gc");
  // Several rounds with turns of the event loop between them, so weak references and
  // finalizers are processed before the heap is read.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed / MIB;
}

/** Time one evaluation, per turn, in wall-clock and in CPU microseconds. */
async function timed(run: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const wall = Number(process.hrtime.bigint() - start) / 1_000;
  const used = process.cpuUsage(cpu);
  return { wall: wall / TURNS, cpu: (used.user + used.system) / TURNS };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function medians(samples: readonly Timing[]): Timing {
  return {
    wall: round2(
      quantile(
        samples.map((t) => t.wall),
        0.5,
      ),
    ),
    cpu: round2(
      quantile(
        samples.map((t) => t.cpu),
        0.5,
      ),
    ),
  };
}

function change(from: Timing, to: Timing, relative: boolean): Timing {
  const delta = (a: number, b: number): number => round2(relative ? ((b - a) / a) * 100 : b - a);
  return { wall: delta(from.wall, to.wall), cpu: delta(from.cpu, to.cpu) };
}

/** The change from `first` to `last` relative to the baseline's change over the same windows, in %. */
function relativeChange(first: Timing, last: Timing, baseFirst: Timing, baseLast: Timing): Timing {
  const relative = (a: number, b: number, ba: number, bb: number): number =>
    round2((b / bb / (a / ba) - 1) * 100);
  return {
    wall: relative(first.wall, last.wall, baseFirst.wall, baseLast.wall),
    cpu: relative(first.cpu, last.cpu, baseFirst.cpu, baseLast.cpu),
  };
}

/**
 * The added time at the run's best speed: the median over rounds of `variant / base` in the same
 * round, less one, times the fastest baseline block.
 */
function addedAtBestSpeed(base: readonly Timing[], variant: readonly Timing[]): Timing {
  const at = (key: keyof Timing): number => {
    const ratios = variant.map((t, i) => t[key] / (base[i]?.[key] ?? Number.NaN));
    return round2((quantile(ratios, 0.5) - 1) * Math.min(...base.map((t) => t[key])));
  };
  return { wall: at("wall"), cpu: at("cpu") };
}

/** The median over rounds of `variant − base` in the same round. */
function pairedDifference(base: readonly Timing[], variant: readonly Timing[]): Timing {
  const differences = variant.map((t, i) => ({
    wall: t.wall - (base[i]?.wall ?? Number.NaN),
    cpu: t.cpu - (base[i]?.cpu ?? Number.NaN),
  }));
  return medians(differences);
}

function recordWarnings(): { count: () => number; kinds: () => string[] } {
  let count = 0;
  const kinds = new Set<string>();
  process.on("warning", (warning) => {
    count++;
    if (kinds.size < 5) kinds.add(`${warning.name}: ${warning.message}`);
  });
  return { count: () => count, kinds: () => [...kinds] };
}

/**
 * The hand-written loop as a worker must run it: cancelled when the worker shuts down or the
 * request's deadline passes. One controller per evaluation, fed by the shutdown signal and a
 * timer, both released at the end, and its signal on every request.
 */
async function cancellableRun(
  baseline: Baseline,
  shutdown: AbortSignal,
  deadlineMs: number,
): Promise<unknown> {
  const controller = new AbortController();
  // The SDK adds an abort listener per request (the openai client never removes it): they go
  // with this controller, and without a higher limit Node warns at the eleventh.
  setMaxListeners(64, controller.signal);
  const onShutdown = (): void => controller.abort(shutdown.reason);
  shutdown.addEventListener("abort", onShutdown, { once: true });
  const timer = setTimeout(() => controller.abort(new Error("deadline")), deadlineMs);
  try {
    return await baseline(controller.signal);
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener("abort", onShutdown);
  }
}

/** What the plain path's child measures: the added cost only. */
type PlainFigures = Pick<
  SoakFigures,
  "plain" | "addedPlain" | "addedPlainMeasured" | "warnings" | "warningKinds"
>;
/** What the worker path's child measures: everything else. */
type WorkerFigures = Omit<SoakFigures, "plain" | "addedPlain" | "addedPlainMeasured">;

/**
 * Rounds of one block per variant (the baseline first); per variant, the median of all samples
 * and of each round's block.
 */
async function compare(
  variants: readonly (() => Promise<Timing>)[],
): Promise<{ all: Timing[]; rounds: Timing[][] }> {
  const samples: Timing[][] = variants.map(() => []);
  const rounds: Timing[][] = variants.map(() => []);
  for (let round = 0; round < COMPARE_ROUNDS; round++) {
    for (const [index, run] of variants.entries()) {
      const block: Timing[] = [];
      for (let i = 0; i < COMPARE_BLOCK; i++) block.push(await run());
      samples[index]?.push(...block);
      rounds[index]?.push(medians(block));
    }
  }
  return { all: samples.map(medians), rounds };
}

async function child(name: AdapterName, evaluations: number, path: "worker"): Promise<WorkerFigures>;
async function child(name: AdapterName, evaluations: number, path: "plain"): Promise<PlainFigures>;
async function child(
  name: AdapterName,
  evaluations: number,
  path: "worker" | "plain",
): Promise<WorkerFigures | PlainFigures> {
  const warnings = recordWarnings();
  configureLogging({ level: "INFO", json: true, destination: { write: () => true } });
  const { adapter, baseline } = subject(name);
  // A worker's shutdown signal lives as long as the process and is handed to every evaluation.
  const shutdown = new AbortController();
  const workerOptions = (): EvaluateOptions => ({
    session: new Session(),
    signal: shutdown.signal,
    deadline: Deadline.after(600_000),
  });
  const check = (output: unknown, who: string): void => {
    if ((output as typeof FINAL_OUTPUT | undefined)?.summary !== FINAL_OUTPUT.summary) {
      throw new Error(`bench/soak: ${who} returned ${JSON.stringify(output)}`);
    }
  };
  const onWorker = (): Promise<Timing> =>
    timed(async () => check((await adapter.evaluate(prompt, workerOptions())).output, name));
  const onPlain = (): Promise<Timing> =>
    timed(async () => check((await adapter.evaluate(prompt, { session: new Session() })).output, name));
  const onBaseline = (): Promise<Timing> => timed(async () => check(await baseline(), "the baseline"));
  const onCancellable = (): Promise<Timing> =>
    timed(async () =>
      check(await cancellableRun(baseline, shutdown.signal, 600_000), "the cancellable baseline"),
    );

  if (path === "plain") {
    for (let i = 0; i < WARMUP; i++) {
      await onPlain();
      await onBaseline();
    }
    const { all, rounds } = await compare([onBaseline, onPlain]);
    const [baseRounds, plainRounds] = rounds as [Timing[], Timing[]];
    return {
      plain: all[1] as Timing,
      addedPlain: addedAtBestSpeed(baseRounds, plainRounds),
      addedPlainMeasured: pairedDifference(baseRounds, plainRounds),
      warnings: warnings.count(),
      warningKinds: warnings.kinds(),
    };
  }
  for (let i = 0; i < WARMUP; i++) {
    await onWorker();
    await onBaseline();
    await onCancellable();
  }
  const window = Math.max(1, Math.floor(evaluations / 10));
  const samples: Timing[] = [];
  // Baseline samples with the index of the adapter evaluation they followed.
  const baselineSamples: { at: number; timing: Timing }[] = [];
  let heapAtTenth = 0;
  for (let i = 0; i < evaluations; i++) {
    samples.push(await onWorker());
    if ((i + 1) % DRIFT_STRIDE === 0 || i + 1 === window || i + 1 === evaluations) {
      // Timed as one block: the in-process baseline's turn is about 1 µs, the resolution of
      // process.cpuUsage() per evaluation, so single evaluations would only measure the clock.
      const block = await timed(async () => {
        for (let b = 0; b < DRIFT_BLOCK; b++) check(await baseline(), "the baseline");
      });
      baselineSamples.push({
        at: i,
        timing: { wall: block.wall / DRIFT_BLOCK, cpu: block.cpu / DRIFT_BLOCK },
      });
    }
    if (i + 1 === window) heapAtTenth = await settledHeapMiB();
  }
  const heapAtEnd = await settledHeapMiB();
  const first = medians(samples.slice(0, window));
  const last = medians(samples.slice(evaluations - window));
  const baselineIn = (from: number, to: number): Timing =>
    medians(baselineSamples.filter((s) => s.at >= from && s.at < to).map((s) => s.timing));
  const baselineFirst = baselineIn(0, window);
  const baselineLast = baselineIn(evaluations - window, evaluations);

  const { all, rounds } = await compare([onBaseline, onCancellable, onWorker]);
  const [base, cancellable, worker] = all as [Timing, Timing, Timing];
  const [baseRounds, cancellableRounds, workerRounds] = rounds as [Timing[], Timing[], Timing[]];
  return {
    adapter: name,
    evaluations,
    heapAtTenthMiB: round2(heapAtTenth),
    heapAtEndMiB: round2(heapAtEnd),
    heapGrowthMiB: round2(heapAtEnd - heapAtTenth),
    first,
    last,
    driftPct: change(first, last, true),
    baselineFirst,
    baselineLast,
    relativeDriftPct: relativeChange(first, last, baselineFirst, baselineLast),
    warnings: warnings.count(),
    warningKinds: warnings.kinds(),
    baseline: base,
    cancellableBaseline: cancellable,
    worker,
    addedWorker: addedAtBestSpeed(cancellableRounds, workerRounds),
    addedWorkerMeasured: pairedDifference(cancellableRounds, workerRounds),
    addedWorkerOverUncancellable: addedAtBestSpeed(baseRounds, workerRounds),
  };
}

/**
 * One adapter's figures, from two child processes: the worker path (the long run and its added
 * cost) and the plain path (its added cost). Each path has a process of its own, as in a
 * deployment: run side by side in one process, the two paths make each other's inline caches
 * polymorphic, which slowed both by several µs per turn.
 */
function runChildren(name: AdapterName, evaluations: number): SoakFigures {
  const worker = runChild(name, evaluations, "worker") as WorkerFigures;
  const plain = runChild(name, evaluations, "plain") as PlainFigures;
  return {
    ...worker,
    plain: plain.plain,
    addedPlain: plain.addedPlain,
    addedPlainMeasured: plain.addedPlainMeasured,
    warnings: worker.warnings + plain.warnings,
    warningKinds: [...new Set([...worker.warningKinds, ...plain.warningKinds])],
  };
}

function runChild(name: AdapterName, evaluations: number, path: "worker" | "plain"): unknown {
  const out = execFileSync(
    process.execPath,
    [
      "--expose-gc",
      "--conditions=wink-source",
      "--import",
      "tsx",
      import.meta.filename,
      "--adapter",
      name,
      "--path",
      path,
      "--evaluations",
      String(evaluations),
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * MIB },
  );
  const line = out.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as unknown;
}

function describe(f: SoakFigures): string[] {
  const tenth = f.evaluations / 10;
  const both = (t: Timing, unit: string): string => `${t.wall}${unit} wall, ${t.cpu}${unit} CPU`;
  return [
    `## ${f.adapter}: ${f.evaluations} evaluations × ${TURNS} turns (worker path)`,
    `  heap after GC: ${f.heapAtTenthMiB} MiB at ${tenth}, ${f.heapAtEndMiB} MiB at ${f.evaluations} → growth ${f.heapGrowthMiB} MiB (target ≤ 2)`,
    `  median per turn, first ${tenth}: ${both(f.first, " µs")}; last ${tenth}: ${both(f.last, " µs")} → drift ${both(f.driftPct, " %")}`,
    `    hand-written loop in the same windows: ${both(f.baselineFirst, " µs")} → ${both(f.baselineLast, " µs")}; drift relative to it ${both(f.relativeDriftPct, " %")} (target ≤ 10 %)`,
    `  process warnings: ${f.warnings}${f.warnings > 0 ? ` (${f.warningKinds.join(" | ")})` : ""} (target 0)`,
    `  per turn, hand-written loop on the same client: ${both(f.baseline, " µs")}`,
    `    adapter, plain path: ${both(f.plain, " µs")} → adds ${both(f.addedPlain, " µs")} at best speed (target ≤ 15); measured ${both(f.addedPlainMeasured, " µs")}`,
    `  per turn, the same loop cancellable at shutdown and at a deadline: ${both(f.cancellableBaseline, " µs")}`,
    `    adapter, worker path (shutdown signal and deadline): ${both(f.worker, " µs")} → adds ${both(f.addedWorker, " µs")} at best speed over the cancellable loop (target ≤ 15); measured ${both(f.addedWorkerMeasured, " µs")}; over the loop without cancellation ${both(f.addedWorkerOverUncancellable, " µs")}`,
  ];
}

/** Targets, judged on CPU time so that other processes on the machine do not decide them. */
function meetsTargets(f: SoakFigures): boolean {
  const added = f.addedPlain.cpu <= 15 && f.addedWorker.cpu <= 15;
  return f.heapGrowthMiB <= 2 && f.relativeDriftPct.cpu <= 10 && f.warnings === 0 && added;
}

function adapterName(value: string): AdapterName {
  if (!(ADAPTERS as readonly string[]).includes(value)) {
    throw new Error(`bench/soak: unknown adapter "${value}"; use one of ${ADAPTERS.join(", ")}`);
  }
  return value as AdapterName;
}

const { values: args } = parseArgs({
  options: {
    evaluations: { type: "string", default: "10000" },
    adapters: { type: "string", default: ADAPTERS.join(",") },
    adapter: { type: "string" },
    path: { type: "string", default: "worker" },
  },
});
const evaluations = Number(args.evaluations);
if (!Number.isInteger(evaluations) || evaluations < 10) {
  throw new Error(`bench/soak: --evaluations must be an integer >= 10, got ${args.evaluations}`);
}
if (args.adapter !== undefined) {
  const adapter = adapterName(args.adapter);
  const figures =
    args.path === "plain"
      ? await child(adapter, evaluations, "plain")
      : await child(adapter, evaluations, "worker");
  console.log(JSON.stringify(figures));
} else {
  const names = (args.adapters ?? "")
    .split(",")
    .filter((n) => n !== "")
    .map(adapterName);
  const results = names.map((name) => {
    const figures = runChildren(name, evaluations);
    for (const line of describe(figures)) console.log(line);
    return figures;
  });
  const pass = results.every(meetsTargets);
  report("soak", [`all targets met: ${pass}`], { evaluations, pass, adapters: results });
}
