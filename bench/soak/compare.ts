/**
 * The added-cost comparison of bench/soak: every variant of an evaluation (see `VARIANTS`) runs in
 * a process of its own, as in a deployment, and the processes take turns: the parent asks each in
 * order for one block of evaluations, so they run one at a time, in the same stretch of the
 * machine's speed. Side by side in one process the variants would share the SDK's code and its
 * inline caches, and each would slow the others by a few µs per turn, by an amount that depends
 * on which variants share the process. A second process running the hand-written loop is the
 * control: its figure over the first shows what two processes running the same code differ by.
 *
 * Two processes running the same code still differ by several µs per turn, by chance (where the
 * JIT puts code and objects, hash seeds): a single process per variant made the judged figure
 * swing between 1 and 16 µs from run to run on one machine. So the comparison runs {@link SETS}
 * times with fresh processes, and each figure is the median over the sets.
 */

import { type ChildProcess, fork } from "node:child_process";
import { quantile, recordWarnings, round2 } from "../stats.js";
import { type AdapterName, medians, runsOf, type Timing, timed, VARIANTS, type Variant } from "./runs.js";

/**
 * Evaluations each process runs before it is measured. Functions an adapter calls once per
 * evaluation are still being optimized (on a background thread, whose CPU time counts) until
 * about 4,500 evaluations (`--trace-opt`); a worker that runs for weeks is past that.
 */
export const WARMUP = 5_000;
/** Independent comparisons, each with processes of its own; the figures are their medians. */
export const SETS = 5;
/** Rounds of one block per process. */
const ROUNDS = 30;
const BLOCK = 50;

/** What the comparison reports; times are µs per model turn. */
export interface Comparison {
  /** Per variant, the median over every evaluation. */
  readonly perTurn: Record<Variant, Timing>;
  /**
   * The added time at the run's best speed (see {@link addedAtBestSpeed}): the plain path over
   * the hand-written loop, the worker path over the cancellable loop. What is judged.
   */
  readonly addedPlain: Timing;
  readonly addedWorker: Timing;
  /** The median of the round-by-round differences, as measured. */
  readonly addedPlainMeasured: Timing;
  readonly addedWorkerMeasured: Timing;
  /** The worker path over the loop without cancellation (at best speed). */
  readonly addedWorkerOverUncancellable: Timing;
  /** The control process over the baseline process (at best speed): the method's noise. */
  readonly control: Timing;
  /** Process warnings in all the processes, and the first few distinct ones. */
  readonly warnings: number;
  readonly warningKinds: string[];
  /** Each set's judged and control figures, to show the spread behind the medians. */
  readonly bySet: readonly Pick<Comparison, "addedPlain" | "addedWorker" | "control">[];
}

/** One set's figures. */
type SetComparison = Omit<Comparison, "bySet">;

type ToChild = { readonly block: number } | { readonly finish: true };
type FromChild =
  | { readonly ready: true }
  | { readonly block: Timing[] }
  | { readonly warnings: number; readonly kinds: string[] };

/**
 * The child side: warm up `variant`, then run a block of evaluations whenever asked and send back
 * the per-turn time of each.
 */
export async function serveBlocks(name: AdapterName, variant: Variant): Promise<void> {
  const warnings = recordWarnings();
  const run = runsOf(name)[variant];
  for (let i = 0; i < WARMUP; i++) await run();
  const send = (message: FromChild): void => {
    process.send?.(message);
  };
  process.on("message", async (message: ToChild) => {
    if ("finish" in message) {
      send({ warnings: warnings.count(), kinds: warnings.kinds() });
      process.disconnect();
      return;
    }
    const block: Timing[] = [];
    for (let i = 0; i < message.block; i++) block.push(await timed(run));
    send({ block });
  });
  send({ ready: true });
}

/** A process serving one variant's blocks. */
class Server {
  private readonly child: ChildProcess;

  constructor(entry: string, name: AdapterName, variant: Variant) {
    this.child = fork(entry, ["--adapter", name, "--serve", variant], {
      execArgv: ["--conditions=wink-source", "--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
  }

  /** The next message from the child; rejects if it exits first. */
  private reply(): Promise<FromChild> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void =>
        reject(new Error(`bench/soak: a comparison process exited with code ${code}`));
      this.child.once("exit", onExit);
      this.child.once("message", (message) => {
        this.child.off("exit", onExit);
        resolve(message as FromChild);
      });
    });
  }

  ready(): Promise<FromChild> {
    return this.reply();
  }

  async block(size: number): Promise<Timing[]> {
    const reply = this.reply();
    this.child.send({ block: size } satisfies ToChild);
    const message = await reply;
    if (!("block" in message)) throw new Error("bench/soak: expected a block of timings");
    return message.block;
  }

  async finish(): Promise<{ warnings: number; kinds: string[] }> {
    const reply = this.reply();
    this.child.send({ finish: true } satisfies ToChild);
    const message = await reply;
    if (!("warnings" in message)) throw new Error("bench/soak: expected the warnings");
    return message;
  }
}

/**
 * The added time at the run's best speed: the median over rounds of `variant / base` in the same
 * round, less one, times the fastest baseline block. On a shared machine whose speed changes
 * during the run, a slow stretch stretches the difference with everything else.
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
  return medians(
    variant.map((t, i) => ({
      wall: t.wall - (base[i]?.wall ?? Number.NaN),
      cpu: t.cpu - (base[i]?.cpu ?? Number.NaN),
    })),
  );
}

/**
 * Compare the variants of `name`, each in a process running `entry --serve <variant>`, {@link SETS}
 * times over; every figure is the median over the sets.
 */
export async function compareInProcesses(entry: string, name: AdapterName): Promise<Comparison> {
  const sets: SetComparison[] = [];
  for (let set = 0; set < SETS; set++) sets.push(await compareOnce(entry, name));
  const median = (pick: (set: SetComparison) => Timing): Timing => medians(sets.map(pick));
  return {
    perTurn: Object.fromEntries(
      VARIANTS.map((variant) => [variant, median((set) => set.perTurn[variant])]),
    ) as Record<Variant, Timing>,
    addedPlain: median((set) => set.addedPlain),
    addedWorker: median((set) => set.addedWorker),
    addedPlainMeasured: median((set) => set.addedPlainMeasured),
    addedWorkerMeasured: median((set) => set.addedWorkerMeasured),
    addedWorkerOverUncancellable: median((set) => set.addedWorkerOverUncancellable),
    control: median((set) => set.control),
    warnings: sets.reduce((sum, set) => sum + set.warnings, 0),
    warningKinds: [...new Set(sets.flatMap((set) => set.warningKinds))].slice(0, 5),
    bySet: sets.map(({ addedPlain, addedWorker, control }) => ({ addedPlain, addedWorker, control })),
  };
}

/** One comparison with fresh processes, one per variant and one for the control. */
async function compareOnce(entry: string, name: AdapterName): Promise<SetComparison> {
  const roles: readonly Variant[] = [...VARIANTS, "baseline"];
  const servers = roles.map((variant) => new Server(entry, name, variant));
  await Promise.all(servers.map((server) => server.ready()));
  const samples: Timing[][] = roles.map(() => []);
  const rounds: Timing[][] = roles.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, server] of servers.entries()) {
      const block = await server.block(BLOCK);
      samples[index]?.push(...block);
      rounds[index]?.push(medians(block));
    }
  }
  const warnings = await Promise.all(servers.map((server) => server.finish()));
  const [base, cancellable, plain, worker, control] = rounds as [
    Timing[],
    Timing[],
    Timing[],
    Timing[],
    Timing[],
  ];
  const perTurn = Object.fromEntries(
    VARIANTS.map((variant, index) => [variant, medians(samples[index] ?? [])]),
  ) as Record<Variant, Timing>;
  return {
    perTurn,
    addedPlain: addedAtBestSpeed(base, plain),
    addedWorker: addedAtBestSpeed(cancellable, worker),
    addedPlainMeasured: pairedDifference(base, plain),
    addedWorkerMeasured: pairedDifference(cancellable, worker),
    addedWorkerOverUncancellable: addedAtBestSpeed(base, worker),
    control: addedAtBestSpeed(base, control),
    warnings: warnings.reduce((sum, w) => sum + w.warnings, 0),
    warningKinds: [...new Set(warnings.flatMap((w) => w.kinds))].slice(0, 5),
  };
}
