/**
 * What `wink eval` prints: a progress bar on a terminal, then a table of each experiment's figures
 * and each variant's change against the baseline.
 */

import type { ExperimentReport } from "../evals/experiment.js";
import type { EvalSummary } from "../evals/run.js";

/** Where `wink eval` writes (injectable for tests). */
export interface EvalOutput {
  /** A line of results (standard output). */
  out(line: string): void;
  /** Progress and notes (standard error). */
  err(line: string): void;
  /** Redraws the progress line in place, when standard error is a terminal. */
  progress?: (text: string) => void;
}

/** The process's streams; the progress bar only when standard error is a TTY. */
export function processOutput(): EvalOutput {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    ...(process.stderr.isTTY ? { progress: (text: string) => process.stderr.write(`\r${text}\x1b[K`) } : {}),
  };
}

const BAR_WIDTH = 30;

/** `[#########.........]  12/40  30 %  · 2 failed` */
export function progressLine(done: number, total: number, failed: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  const bar = `${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}`;
  const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `[${bar}] ${done}/${total} ${pct} %${failed > 0 ? ` · ${failed} failed` : ""}`;
}

const percent = (value: number): string => (Number.isNaN(value) ? "—" : `${(value * 100).toFixed(1)} %`);
const signedPoints = (value: number): string => `${value >= 0 ? "+" : ""}${(value * 100).toFixed(1)} pp`;
const signed = (value: number): string => `${value >= 0 ? "+" : ""}${value.toFixed(3)}`;
const dollars = (value: number | undefined): string => (value === undefined ? "—" : `$${value.toFixed(4)}`);

function row(name: string, summary: EvalSummary): readonly string[] {
  const [low, high] = summary.passRateInterval;
  return [
    name,
    `${summary.passed}/${summary.results}`,
    percent(summary.passRate),
    `${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)} %`,
    summary.meanScore.toFixed(3),
    dollars(summary.costUsd),
    `${Math.round(summary.latencyMs.p50)} ms`,
    String(summary.errors),
    String(summary.retried),
  ];
}

/** Columns padded to their widest cell. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? "").length))) ?? [];
  return rows.map((cells) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

/** The summary `wink eval` prints: one row per experiment, then each variant against the baseline. */
export function summaryLines(report: ExperimentReport): string[] {
  const samples = report.runs[0]?.report.results.length ?? 0;
  const lines = [
    `Dataset ${report.dataset}: ${samples / report.trials} samples × ${report.trials} trial${report.trials === 1 ? "" : "s"}`,
    "",
    ...table([
      [
        "experiment",
        "passed",
        "pass rate",
        "95 % interval",
        "mean score",
        "cost",
        "p50",
        "errors",
        "retried",
      ],
      ...report.runs.map((run) => row(run.experiment.name, run.report.summary)),
    ]),
  ];
  for (const comparison of report.comparisons) {
    lines.push(
      "",
      `${comparison.variantName} vs ${comparison.baselineName}: pass rate ${signedPoints(comparison.passRateDelta)}, ` +
        `mean score ${signed(comparison.meanScoreDelta)}; ${comparison.regressions} regressed, ` +
        `${comparison.improvements} improved`,
    );
    for (const sample of comparison.samples.filter((s) => s.change === "regressed").slice(0, 10)) {
      lines.push(`  regressed ${sample.sampleId}: ${sample.variantReason}`);
    }
  }
  return lines;
}
