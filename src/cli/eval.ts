/**
 * `wink eval DATASET --agent MODULE`: run a dataset through an agent's loop under one or more
 * experiments, print pass rates and their change against the baseline, write a self-contained
 * HTML report and the JSON results, and exit 1 when an experiment passes less than `--min-pass`
 * (so it gates CI). In this process by default; with `--mailbox`, through `EvalLoop` workers.
 *
 * Exit codes: 0 all experiments at or above `--min-pass`; 1 below it; 2 bad arguments, module or
 * dataset.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { AgentConfig } from "../config/agent.js";
import { openMailbox } from "../contrib/mailbox/index.js";
import { describeThrown, WinkError } from "../errors.js";
import { Dataset } from "../evals/dataset.js";
import {
  type EvaluationDefinition,
  type EvaluationModel,
  evaluatedLoop,
  evaluationOf,
} from "../evals/definition.js";
import type { ExperimentReport } from "../evals/experiment.js";
import { renderHtmlReport } from "../evals/html-report.js";
import type { EvalResult } from "../evals/run.js";
import { runExperiments } from "../evals/run-experiments.js";
import { submitDataset } from "../evals/submit.js";
import { type Experiment, experiment } from "../experiment.js";
import { configureLogging } from "../logging/index.js";
import { type AgentModule, agentLoopsOf } from "../worker/agent.js";
import { adapterFromConfig } from "../worker/model.js";
import { type EvalOutput, processOutput, progressLine, summaryLines } from "./eval-output.js";
import { importAgent } from "./worker.js";

/** A local run's wait for its results when `--timeout` is not given: 30 days, i.e. none. */
const LOCAL_TIMEOUT_SECONDS = 30 * 24 * 3_600;

/** Options of `wink eval`, as commander parses them. */
export interface EvalCommandOptions {
  readonly agent: string;
  readonly experiment?: readonly string[];
  readonly trials: string;
  readonly concurrency: string;
  readonly minPass?: string;
  readonly out: string;
  readonly bundles: boolean;
  readonly mailbox?: string;
  readonly replyTo?: string;
  readonly timeout?: string;
}

/** Add the `eval` command to `program`. */
export function addEvalCommand(program: Command, output: EvalOutput = processOutput()): void {
  program
    .command("eval")
    .description(
      "Run a dataset through an agent under experiments; print pass rates, write report.html and results.json.",
    )
    .argument("<dataset>", "a JSONL file: one {id, input, expected} per line")
    .requiredOption(
      "--agent <module>",
      "the agent module: its loop (defineLoop) and `evaluation` (defineEvaluation)",
    )
    .option(
      "--experiment <name>",
      "an experiment of the module's evaluation, or NAME=TAG for an overrides tag; repeat for more (the first is the baseline)",
      (value: string, list: string[] = []) => [...list, value],
    )
    .option("--trials <n>", "runs per sample and experiment", "1")
    .option("--concurrency <n>", "trials in flight at once (in this process)", "4")
    .option("--min-pass <rate>", "exit 1 when an experiment's pass rate is below this (0–1)")
    .option("--out <dir>", "where report.html, results.json and bundles/ go", "wink-eval")
    .option(
      "--no-bundles",
      "write no debug bundles (by default every trial gets one; failures link to theirs)",
    )
    .option(
      "--mailbox <url>",
      "send the trials to EvalLoop workers on this queue instead of running them here",
    )
    .option("--reply-to <url>", "with --mailbox: a queue for the results only this run reads")
    .option(
      "--timeout <seconds>",
      "how long to wait for all results (default: 3600 with --mailbox, none here)",
    )
    .action(async (dataset: string, options: EvalCommandOptions) => {
      process.exitCode = await runEval(dataset, options, output);
    });
}

/** Run `wink eval`; resolves with the exit code. */
export async function runEval(
  datasetPath: string,
  options: EvalCommandOptions,
  output: EvalOutput,
): Promise<number> {
  // The table is the output; a line per trial would bury it (WEAKINCENTIVES_LOG_LEVEL raises it).
  configureLogging({ defaultLevel: "warning" });
  let model: EvaluationModel | undefined;
  try {
    const settings = checkNumbers(options);
    const module = (await importAgent(options.agent)) as AgentModule & { readonly evaluation?: unknown };
    const definition = evaluationOf(module, options.agent);
    const loop = evaluatedLoop(agentLoopsOf(module, options.agent), definition, options.agent);
    const dataset = await Dataset.load(datasetPath, {
      input: loop.requestSchema,
      expected: definition.expected,
    });
    const experiments = chooseExperiments(definition, options.experiment ?? []);
    const out = resolve(options.out);
    mkdirSync(out, { recursive: true });
    let failed = 0;
    const onResult = (result: EvalResult<unknown>, done: number, total: number): void => {
      if (!result.score.passed) failed++;
      output.progress?.(progressLine(done, total, failed));
    };
    const common = { experiments, trials: settings.trials, onResult };
    let report: ExperimentReport;
    if (options.mailbox) {
      report = await remote(dataset, options, settings.timeoutSeconds, common);
    } else {
      model = definition.model ? await definition.model() : await configuredModel();
      output.err(`Model: ${model.description ?? model.adapter.name}`);
      report = await runExperiments(dataset, {
        ...common,
        adapter: model.adapter,
        agent: loop,
        expected: definition.expected,
        evaluator: definition.evaluator,
        ...(definition.adapterFor ? { adapterFor: (each) => definition.adapterFor?.(each) } : {}),
        concurrency: settings.concurrency,
        timeoutSeconds: settings.timeoutSeconds,
        config: options.bundles
          ? { ...loop.config, debugBundle: { target: join(out, "bundles") } }
          : { ...loop.config },
      });
    }
    if (output.progress) output.err("");
    publish(report, out, output);
    return gate(report, settings.minPass, output);
  } catch (error) {
    output.err(`wink eval: ${error instanceof WinkError ? error.message : describeThrown(error)}`);
    return 2;
  } finally {
    await model?.close?.();
  }
}

/** Print the summary; write `results.json` and `report.html` (bundle links relative to `out`). */
function publish(report: ExperimentReport, out: string, output: EvalOutput): void {
  for (const line of summaryLines(report)) output.out(line);
  writeFileSync(join(out, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  const html = renderHtmlReport(report, {
    bundleHref: (path) => (isAbsolute(path) ? relative(out, path) : path),
  });
  writeFileSync(join(out, "report.html"), html);
  output.out("");
  output.out(`Report: ${join(out, "report.html")}  Results: ${join(out, "results.json")}`);
}

/** 1 when an experiment passes less than `minPass`, naming it; else 0. */
function gate(report: ExperimentReport, minPass: number | undefined, output: EvalOutput): number {
  if (minPass === undefined) return 0;
  const below = report.runs.filter((run) => !(run.report.summary.passRate >= minPass));
  for (const run of below) {
    output.err(
      `${run.experiment.name}: pass rate ${(run.report.summary.passRate * 100).toFixed(1)} % is below --min-pass ${minPass}.`,
    );
  }
  return below.length > 0 ? 1 : 0;
}

async function configuredModel(): Promise<EvaluationModel> {
  const config = AgentConfig.fromEnv(undefined, { calibration: "warn" });
  return adapterFromConfig(config);
}

async function remote(
  dataset: Dataset<unknown, unknown>,
  options: EvalCommandOptions,
  timeoutSeconds: number,
  common: Pick<Parameters<typeof submitDataset>[1], "experiments" | "trials" | "onResult">,
): Promise<ExperimentReport> {
  if (!options.replyTo) {
    throw new WinkError(
      "invalid_argument",
      "--mailbox needs --reply-to: a queue on the same server for the results.",
    );
  }
  const requests = await openMailbox(options.mailbox as string);
  let replies: Awaited<ReturnType<typeof openMailbox>> | undefined;
  try {
    replies = await openMailbox(options.replyTo);
    return await submitDataset(dataset, { ...common, requests, replies, timeoutSeconds });
  } finally {
    await Promise.allSettled([requests.close(), replies?.close()]);
  }
}

/** The experiments to run: the named ones (or NAME=TAG), else all the definition has, else the baseline. */
export function chooseExperiments(
  definition: EvaluationDefinition,
  named: readonly string[],
): readonly Experiment[] {
  const known = definition.experiments ?? [];
  if (named.length === 0) return known;
  return named.map((name) => {
    const found = known.find((each) => each.name === name);
    if (found) return found;
    const [plain, tag] = name.split("=", 2);
    if (tag !== undefined && plain) return experiment(plain, { overridesTag: tag });
    if (name === "baseline") return { name };
    throw new WinkError(
      "invalid_argument",
      `--experiment ${name} is not an experiment of the module (${known.map((each) => each.name).join(", ") || "none"}). ` +
        "Name one of those, or give NAME=TAG to run the prompts' overrides tag TAG.",
    );
  });
}

function checkNumbers(options: EvalCommandOptions) {
  const whole = (flag: string, text: string, max: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new WinkError(
        "invalid_argument",
        `${flag} must be a whole number from 1 to ${max}, got "${text}".`,
      );
    }
    return value;
  };
  const minPass = options.minPass === undefined ? undefined : Number(options.minPass);
  if (minPass !== undefined && !(minPass >= 0 && minPass <= 1)) {
    throw new WinkError(
      "invalid_argument",
      `--min-pass must be a rate from 0 to 1 (0.9 = 90 %), got "${options.minPass}".`,
    );
  }
  // In this process the run ends when its trials do; a fleet gets an hour unless told otherwise.
  const timeoutSeconds = Number(options.timeout ?? (options.mailbox ? 3_600 : LOCAL_TIMEOUT_SECONDS));
  if (!(timeoutSeconds > 0 && Number.isFinite(timeoutSeconds))) {
    throw new WinkError(
      "invalid_argument",
      `--timeout must be a number of seconds > 0, got "${options.timeout}".`,
    );
  }
  return {
    trials: whole("--trials", options.trials, 1_000),
    concurrency: whole("--concurrency", options.concurrency, 64),
    minPass,
    timeoutSeconds,
  };
}
