/**
 * EvalLoop: evaluations as a queue worker. Each message is one trial of one sample under one
 * experiment; the loop runs the agent on the sample's input exactly as `MainLoop` runs a request
 * (same prepare, budgets, deadlines, checkpoints, debug bundles, lease extension, DLQ), scores the
 * output and replies with an {@link EvalResult}. Because it is a `MainLoop`, it runs under
 * `LoopGroup` with the same probes and shutdown, and scales out over Redis or SQS like any loop;
 * {@link submitDataset} sends a dataset to it and collects the results.
 */

import { z } from "zod";
import type { PromptResponse, ProviderAdapter } from "../adapters/types.js";
import { Deadline } from "../deadline.js";
import { WinkError } from "../errors.js";
import type { Experiment } from "../experiment.js";
import type { BudgetState, ExecuteOptions, FinalizeFn, MainLoopConfig, PrepareFn } from "../runtime/index.js";
import { MainLoop, type MainLoopOptions, type MainLoopResult } from "../runtime/index.js";
import type { Mailbox } from "../runtime/mailbox/types.js";
import { Session } from "../session/index.js";
import type { Sample } from "./dataset.js";
import { type AgentRun, type EvalResult, scoreTrial } from "./run.js";
import type { Evaluator } from "./score.js";
import { type TransientRetry, transientRetry } from "./transient.js";

/** How many of `adapterFor`'s choices an {@link EvalLoop} keeps (the most recent distinct experiments). */
const ADAPTER_CACHE_SIZE = 16;

/** What makes two experiments the same to `adapterFor`: name, overrides tag and flags (in key order). */
function experimentKey(experiment: Experiment): string {
  return stableJson([experiment.name, experiment.overridesTag ?? null, experiment.flags ?? null]);
}

/** JSON with object keys sorted, so equal flags written in another order give the same text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** One trial of one sample, as it travels to an {@link EvalLoop} (the experiment rides in the envelope). */
export interface EvalRequest<Input, Expected> {
  readonly sample: Sample<Input, Expected>;
  /** 0-based trial number. */
  readonly trial: number;
}

/** The schema of {@link EvalRequest} payloads for these input and expected-output schemas. */
export function evalRequestSchema<Input, Expected>(
  input: z.ZodType<Input>,
  expected: z.ZodType<Expected>,
): z.ZodType<EvalRequest<Input, Expected>> {
  return z.object({
    sample: z.object({ id: z.string().min(1), input, expected }),
    trial: z.number().int().nonnegative(),
  }) as unknown as z.ZodType<EvalRequest<Input, Expected>>;
}

/**
 * The agent under evaluation: what a worker serves (`defineLoop(…)` fits as it is). Its
 * `requestSchema` is the samples' input schema.
 */
export interface EvalAgent<Input, Output> {
  readonly requestSchema: z.ZodType<Input>;
  prepare: PrepareFn<Input, Output>;
  finalize?: FinalizeFn<Output>;
}

/** Constructor options of {@link EvalLoop}. */
export interface EvalLoopOptions<Input, Expected, Output>
  extends Pick<MainLoopOptions<Input, Output>, "adapter" | "name" | "workerId" | "clock" | "heartbeat"> {
  /** The queue of eval requests; results go to each message's reply address. */
  readonly requests: Mailbox<unknown, MainLoopResult<EvalResult<Output>>>;
  readonly agent: EvalAgent<Input, Output>;
  /** Schema of the samples' expected outputs. */
  readonly expected: z.ZodType<Expected>;
  readonly evaluator: Evaluator<Output, Expected>;
  /** As `MainLoop`'s: concurrency, budget, deadline, debug bundles, checkpoints, DLQ… */
  readonly config?: MainLoopConfig;
  /**
   * The adapter an experiment runs on, when it is not `adapter` (a variant on another model or
   * provider): return `undefined` for the default. Called once per distinct experiment (its
   * name, overrides tag and flags: a later run may reuse a name with other flags), and the
   * choices of the last 16 are kept, so a worker that serves run after run does not hold an
   * adapter for every experiment it ever saw.
   */
  readonly adapterFor?: (experiment: Experiment) => ProviderAdapter | undefined;
  /**
   * Running a trial again when the provider failed transiently (a `ThrottleError` after the
   * adapter's own retries), within the trial's deadline: default 3 runs, pauses of 30 s then
   * 60 s. The message's lease is kept meanwhile. `{ attempts: 1 }` turns it off.
   */
  readonly transientRetry?: TransientRetry;
}

/**
 * A `MainLoop` whose requests are eval trials and whose replies are scored results. An agent
 * failure (an error, an exhausted budget) is a result — a failing score with `agentError` — not a
 * retry, so every trial gets exactly one answer; the debug bundle (with `config.debugBundle`)
 * covers failures too, and its path comes back with the result.
 *
 * @example
 * ```ts nocheck
 * const evals = new EvalLoop({ adapter, requests, agent: reviews, expected: Expected, evaluator });
 * await new LoopGroup([evals]).run();
 * ```
 */
export class EvalLoop<Input, Expected, Output> extends MainLoop<
  EvalRequest<Input, Expected>,
  EvalResult<Output>
> {
  readonly evaluator: Evaluator<Output, Expected>;
  /** The agent's loop per adapter: the default one, then one per experiment that has its own. */
  readonly #agents = new Map<ProviderAdapter, MainLoop<Input, Output>>();
  /** `adapterFor`'s choices by {@link experimentKey}, oldest first. */
  readonly #adapters = new Map<string, ProviderAdapter>();
  readonly #agentOn: (adapter: ProviderAdapter) => MainLoop<Input, Output>;
  readonly #adapterFor: ((experiment: Experiment) => ProviderAdapter | undefined) | undefined;
  readonly #retry: Required<TransientRetry>;

  constructor(options: EvalLoopOptions<Input, Expected, Output>) {
    const base = {
      adapter: options.adapter,
      name: options.name ?? "evals",
      ...(options.workerId === undefined ? {} : { workerId: options.workerId }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.heartbeat === undefined ? {} : { heartbeat: options.heartbeat }),
      ...(options.config === undefined ? {} : { config: options.config }),
    };
    super({
      ...base,
      requests: options.requests,
      requestSchema: evalRequestSchema(options.agent.requestSchema, options.expected),
    });
    this.evaluator = options.evaluator;
    const agent = options.agent;
    // The agent's own loop is never run: it lends its `execute` (prepare, expansions, budgets,
    // checkpoints, finalize), so a trial runs exactly as a request of the agent's worker would.
    this.#agentOn = (adapter) =>
      new MainLoop<Input, Output>({
        ...base,
        adapter,
        clock: this.clock,
        heartbeat: this.heartbeat,
        requests: options.requests as unknown as Mailbox<unknown, MainLoopResult<Output>>,
        requestSchema: agent.requestSchema,
        prepare: (request, context) => agent.prepare(request, context),
        ...(agent.finalize ? { finalize: (...args) => agent.finalize?.(...args) } : {}),
      });
    this.#adapterFor = options.adapterFor;
    this.#retry = transientRetry(options.transientRetry);
  }

  /** The agent's loop for `experiment`: on its own adapter when `adapterFor` gives one. */
  #agentFor(experiment: Experiment | undefined): MainLoop<Input, Output> {
    const adapter =
      experiment && this.#adapterFor ? this.#adapterOf(experiment, this.#adapterFor) : this.adapter;
    let loop = this.#agents.get(adapter);
    if (loop === undefined) {
      loop = this.#agentOn(adapter);
      this.#agents.set(adapter, loop);
    }
    return loop;
  }

  /** `adapterFor`'s choice for `experiment`, asked once while it is among the last few distinct ones. */
  #adapterOf(
    experiment: Experiment,
    adapterFor: (experiment: Experiment) => ProviderAdapter | undefined,
  ): ProviderAdapter {
    const key = experimentKey(experiment);
    const known = this.#adapters.get(key);
    if (known !== undefined) return known;
    const chosen = adapterFor(experiment) ?? this.adapter;
    this.#adapters.set(key, chosen);
    if (this.#adapters.size > ADAPTER_CACHE_SIZE) {
      const [oldestKey, oldest] = this.#adapters.entries().next().value as [string, ProviderAdapter];
      this.#adapters.delete(oldestKey);
      // Its agent loop goes too, unless another kept experiment (or the default) still runs on it.
      const inUse = oldest === this.adapter || [...this.#adapters.values()].includes(oldest);
      if (!inUse) this.#agents.delete(oldest);
    }
    return chosen;
  }

  /** Not used: {@link EvalLoop.execute} hands each sample to the agent's own `prepare`. */
  override prepare(): never {
    throw new WinkError("invalid_argument", "EvalLoop runs the agent's prepare; call execute() instead.");
  }

  /**
   * The earlier of the run's deadline (the collector's timeout, from the envelope) and the loop's
   * own per-request limit: the run's deadline must not lift a worker's `deadlineSeconds`.
   */
  #trialDeadline(run: Deadline | undefined): { deadline?: Deadline } {
    const seconds = this.config.deadlineSeconds;
    const own = seconds ? Deadline.after(seconds * 1_000, this.clock) : undefined;
    const earliest = own && run ? (own.expiresAtMs < run.expiresAtMs ? own : run) : (own ?? run);
    return earliest ? { deadline: earliest } : {};
  }

  /** Run one trial: the agent on the sample's input, then the evaluator. Never throws for the agent's failures. */
  override async execute(
    request: EvalRequest<Input, Expected>,
    options: ExecuteOptions = {},
  ): Promise<{ response: PromptResponse<EvalResult<Output>>; session: Session }> {
    let session: Session | undefined;
    let spent: BudgetState | undefined;
    let response: PromptResponse<Output> | undefined;
    const trialDeadline = this.#trialDeadline(options.deadline);
    const run = async (): Promise<AgentRun<Output>> => {
      // A run after a transient failure gets what the earlier runs left of the request's budget.
      const earlier = spent;
      const left = earlier === undefined ? undefined : budgetLeft(earlier);
      const done = await this.#agentFor(options.experiment).execute(request.sample.input, {
        ...options,
        ...trialDeadline,
        ...(left === undefined ? {} : { budget: left }),
        onSession: (used) => {
          session = used;
          options.onSession?.(used);
        },
        onBudget: (state) => {
          spent = together(earlier, state);
          options.onBudget?.(spent);
        },
      });
      response = done.response;
      return {
        output: done.response.output,
        usage: done.response.usage,
        ...(done.response.costUsd === undefined ? {} : { costUsd: done.response.costUsd }),
        session: done.session,
      };
    };
    const scored = await scoreTrial(request.sample, request.trial, run, this.evaluator, this.clock, {
      retry: this.#retry,
      deadline: trialDeadline.deadline,
      signal: options.signal,
      stopping: options.stopping,
      heartbeat: options.heartbeat ?? (() => this.heartbeat.beat()),
      mayRunAgain: () => spent === undefined || budgetLeft(spent) !== undefined,
      // Scored as a failing result; the bundle keeps the (last) error itself too.
      ...(options.onFailure ? { onFailure: options.onFailure } : {}),
    });
    // Usage and cost of every run, when there was more than one or the run failed.
    const everyRun = (scored.usage === undefined || scored.attempts !== undefined) && spent;
    const result: EvalResult<Output> = {
      ...scored,
      ...(everyRun ? usedBy(everyRun) : {}),
      ...(options.experiment ? { experiment: options.experiment.name } : {}),
    };
    const answered: PromptResponse<Output> = response ?? {
      promptName: "",
      text: undefined,
      output: undefined as Output,
      usage: { inputTokens: 0, outputTokens: 0 },
    };
    return {
      response: { ...answered, output: result },
      session: session ?? new Session({ clock: this.clock, tags: { loop: this.name } }),
    };
  }
}

/** `latest` after `earlier` runs of the same trial: the first run's limits, what all of them consumed. */
function together(earlier: BudgetState | undefined, latest: BudgetState): BudgetState {
  if (earlier === undefined) return latest;
  const sum = (a: number | undefined, b: number | undefined): { value?: number } =>
    a === undefined && b === undefined ? {} : { value: (a ?? 0) + (b ?? 0) };
  const [was, now] = [earlier.consumed, latest.consumed];
  const consumed: Record<string, number> = { totalTokens: was.totalTokens + now.totalTokens };
  for (const key of ["inputTokens", "outputTokens", "cachedTokens", "cacheWriteTokens"] as const) {
    const { value } = sum(was[key], now[key]);
    if (value !== undefined) consumed[key] = value;
  }
  const usd = sum(earlier.consumedUsd, latest.consumedUsd).value;
  return {
    limits: earlier.limits,
    consumed: consumed as BudgetState["consumed"],
    ...(usd === undefined ? {} : { consumedUsd: usd }),
  };
}

/** What `spent` leaves of the request's budget, for another run; undefined when a limit is used up. */
function budgetLeft(spent: BudgetState): ExecuteOptions["budget"] {
  const { limits, consumed, consumedUsd } = spent;
  const left: Record<string, number> = {};
  const pairs = [
    ["maxTotalTokens", limits.maxTotalTokens, consumed.totalTokens],
    ["maxInputTokens", limits.maxInputTokens, consumed.inputTokens],
    ["maxOutputTokens", limits.maxOutputTokens, consumed.outputTokens],
    ["maxUsd", limits.maxUsd, consumedUsd],
  ] as const;
  for (const [key, limit, used] of pairs) {
    if (limit === undefined) continue;
    const rest = limit - (used ?? 0);
    if (!(rest > 0)) return undefined;
    left[key] = rest;
  }
  return left;
}

/** What a failed trial had spent, from its budget. */
function usedBy(spent: BudgetState): Pick<EvalResult<unknown>, "usage" | "costUsd"> {
  const { totalTokens: _total, ...usage } = spent.consumed;
  return spent.consumedUsd === undefined ? { usage } : { usage, costUsd: spent.consumedUsd };
}
