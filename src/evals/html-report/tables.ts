/**
 * The tables of the HTML report: the summary per experiment (with its change against the
 * baseline), the per-sample changes of each comparison, and the failed trials with links to their
 * debug bundles. Every value from the report is escaped.
 */

import type { SampleDiff } from "../compare.js";
import type { ExperimentComparison, ExperimentReport, ExperimentRun } from "../experiment.js";
import type { EvalResult } from "../run.js";
import {
  escapeHtml,
  milliseconds,
  NONE,
  percent,
  percentInterval,
  scoreInterval,
  scoreText,
  signedPoints,
  signedScore,
  trend,
  usd,
} from "./format.js";
import { colorOf } from "./style.js";

/** Turns a result's `bundlePath` into the href of its link. */
export type BundleHref = (bundlePath: string) => string;

const cell = (text: string, className = "num"): string => `<td class="${className}">${text}</td>`;
const delta = (text: string, value: number | undefined): string =>
  `<td class="num"><span class="${trend(value)}">${escapeHtml(text)}</span></td>`;

/** The name of an experiment with its colour, overrides tag and a badge on the baseline. */
function experimentName(run: ExperimentRun<unknown>, index: number): string {
  const { name, overridesTag } = run.experiment;
  const tag = overridesTag === undefined ? "" : `<span class="tag">tag ${escapeHtml(overridesTag)}</span>`;
  const badge = index === 0 ? '<span class="badge">baseline</span>' : "";
  return `<span class="swatch" style="background:${colorOf(index)}"></span>${escapeHtml(name)}${badge}${tag}`;
}

function summaryRow(run: ExperimentRun<unknown>, index: number, comparison?: ExperimentComparison): string {
  const s = run.report.summary;
  const noDelta = `<td class="num"><span class="flat">${NONE}</span></td>`;
  return (
    `<tr data-experiment="${escapeHtml(run.experiment.name)}"><td class="name">${experimentName(run, index)}</td>` +
    cell(String(s.results)) +
    cell(`${percent(s.passRate)}<span class="interval">${percentInterval(s.passRateInterval)}</span>`) +
    (comparison ? delta(signedPoints(comparison.passRateDelta), comparison.passRateDelta) : noDelta) +
    cell(`${scoreText(s.meanScore)}<span class="interval">${scoreInterval(s.meanScoreInterval)}</span>`) +
    (comparison ? delta(signedScore(comparison.meanScoreDelta), comparison.meanScoreDelta) : noDelta) +
    cell(usd(s.costUsd)) +
    cell(milliseconds(s.latencyMs.p50)) +
    cell(milliseconds(s.latencyMs.p95)) +
    cell(String(s.errors)) +
    cell(String(s.retried)) +
    "</tr>"
  );
}

/** The summary table: one row per experiment, the baseline first. */
export function summaryTable(report: ExperimentReport<unknown>): string {
  const heads = [
    "results",
    "pass rate",
    "Δ pass rate",
    "mean score",
    "Δ mean score",
    "cost",
    "latency p50",
    "latency p95",
  ];
  const header = `<tr><th>experiment</th>${heads.map((h) => `<th class="num">${h}</th>`).join("")}<th class="num">errors</th><th class="num">retried</th></tr>`;
  const rows = report.runs
    .map((run, index) =>
      summaryRow(
        run,
        index,
        report.comparisons.find((c) => index > 0 && c.variantName === run.experiment.name),
      ),
    )
    .join("");
  return `<table><thead>${header}</thead><tbody>${rows}</tbody></table>`;
}

function diffRow(sample: SampleDiff): string {
  const change = sample.variantScore - sample.baselineScore;
  const arrow = (before: string, after: string) => `${before} <span class="muted">→</span> ${after}`;
  return (
    `<tr data-change="${sample.change}" data-sample="${escapeHtml(sample.sampleId)}">` +
    `<td class="id"><code>${escapeHtml(sample.sampleId)}</code></td>` +
    `<td class="name"><span class="${trend(change)}">${sample.change}</span></td>` +
    cell(arrow(percent(sample.baselinePassRate), percent(sample.variantPassRate))) +
    cell(arrow(scoreText(sample.baselineScore), scoreText(sample.variantScore))) +
    delta(signedScore(change), change) +
    `<td class="reason">${escapeHtml(sample.variantReason)}</td></tr>`
  );
}

function diffTable(samples: readonly SampleDiff[]): string {
  const heads = ["pass rate (baseline → variant)", "score (baseline → variant)", "Δ score"];
  const header = `<tr><th>sample</th><th>change</th>${heads.map((h) => `<th class="num">${h}</th>`).join("")}<th>variant reason</th></tr>`;
  return `<table><thead>${header}</thead><tbody>${samples.map(diffRow).join("")}</tbody></table>`;
}

/** One comparison: the samples that changed (regressions first), then the unchanged ones folded. */
export function diffSection(comparison: ExperimentComparison): string {
  const changed = comparison.samples.filter((sample) => sample.change !== "same");
  const same = comparison.samples.filter((sample) => sample.change === "same");
  const name = escapeHtml(comparison.variantName);
  const counts =
    `<span class="down">${comparison.regressions} regressed</span>, ` +
    `<span class="up">${comparison.improvements} improved</span>, ${same.length} unchanged`;
  const unchanged =
    same.length === 0
      ? ""
      : `<details><summary>${same.length} unchanged sample${same.length === 1 ? "" : "s"}</summary>${diffTable(same)}</details>`;
  return (
    `<section id="diff-${name}" class="diff" data-variant="${name}" data-baseline="${escapeHtml(comparison.baselineName)}">` +
    `<h3>${name} vs ${escapeHtml(comparison.baselineName)}</h3><p class="note">${counts}.</p>` +
    (changed.length === 0 ? '<p class="note">No sample changed score.</p>' : diffTable(changed)) +
    `${unchanged}</section>`
  );
}

function failureRow(result: EvalResult<unknown>, bundleHref: BundleHref): string {
  const error = result.agentError ?? result.score.error;
  const shown = error !== undefined && !result.score.reason.includes(error);
  const link =
    result.bundlePath === undefined
      ? `<span class="muted">${NONE}</span>`
      : `<a class="bundle" href="${escapeHtml(bundleHref(result.bundlePath))}">debug bundle</a>`;
  return (
    `<tr data-sample="${escapeHtml(result.sampleId)}" data-trial="${result.trial}"${error === undefined ? "" : ' data-error="true"'}${result.attempts === undefined ? "" : ` data-attempts="${escapeHtml(String(result.attempts))}"`}>` +
    `<td class="id"><code>${escapeHtml(result.sampleId)}</code></td>` +
    cell(trialText(result)) +
    cell(scoreText(result.score.value)) +
    `<td class="reason">${escapeHtml(result.score.reason)}${shown ? `<br><code>${escapeHtml(error)}</code>` : ""}</td>` +
    `<td>${link}</td></tr>`
  );
}

/** The trial number, and how many times it ran when the provider failed transiently. */
function trialText(result: EvalResult<unknown>): string {
  const trial = escapeHtml(String(result.trial));
  if (result.attempts === undefined) return trial;
  const runs = escapeHtml(String(result.attempts));
  return `${trial} <span class="muted" title="run ${runs} times: the provider failed transiently">(${runs} runs)</span>`;
}

/** The failed trials of one experiment (with how many runs each took), linked to their debug bundles. */
export function failureSection(run: ExperimentRun<unknown>, index: number, bundleHref: BundleHref): string {
  const failed = run.report.results.filter((result) => !result.score.passed);
  const name = escapeHtml(run.experiment.name);
  const body =
    failed.length === 0
      ? '<p class="note">No failed trials.</p>'
      : `<table><thead><tr><th>sample</th><th class="num">trial</th><th class="num">score</th><th>reason / error</th><th>bundle</th></tr></thead>` +
        `<tbody>${failed.map((result) => failureRow(result, bundleHref)).join("")}</tbody></table>`;
  const count = `${failed.length} of ${run.report.results.length}`;
  return `<section id="failures-${name}" class="failures" data-experiment="${name}"><h3>${experimentName(run, index)} <span class="muted">${count}</span></h3>${body}</section>`;
}
