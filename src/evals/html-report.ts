/**
 * The HTML report of an evaluation: one self-contained page (inline CSS, inline SVG charts, no
 * script, nothing fetched) that a person opens from disk or a CI artefact to see how the variants
 * did against the baseline — the summary with 95 % intervals, the score distribution, pass rate
 * and cost charts, the per-sample changes with regressions first, and the failed trials with
 * links to their debug bundles.
 */

import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { ExperimentReport } from "./experiment.js";
import { type ChartSeries, costChart, passRateChart, scoreChart } from "./html-report/charts.js";
import { escapeHtml } from "./html-report/format.js";
import { CSS, colorOf } from "./html-report/style.js";
import { type BundleHref, diffSection, failureSection, summaryTable } from "./html-report/tables.js";

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** The page's title and heading; default `Evaluation of <dataset>`. */
  readonly title?: string;
  /**
   * The href of a failed trial's debug bundle link. Default: an absolute path as a `file://` URL,
   * a relative one as given (each segment percent-encoded).
   */
  readonly bundleHref?: (bundlePath: string) => string;
}

/** The default href of a debug bundle: `file://` for an absolute path, else the path itself. */
function defaultBundleHref(bundlePath: string): string {
  if (isAbsolute(bundlePath)) return pathToFileURL(bundlePath).href;
  return bundlePath.split("/").map(encodeURIComponent).join("/");
}

/** `2025-01-02T03:04:05.678Z` → `2025-01-02 03:04 UTC`; anything else as given. */
function readableTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

function header(report: ExperimentReport<unknown>, title: string): string {
  const samples = new Set(report.runs[0]?.report.results.map((result) => result.sampleId)).size;
  const names = report.runs.map((run) => escapeHtml(run.experiment.name)).join(", ");
  const items: [string, string][] = [
    ["dataset", escapeHtml(report.dataset)],
    [
      "run",
      `<time datetime="${escapeHtml(report.createdAt)}">${escapeHtml(readableTime(report.createdAt))}</time>`,
    ],
    ["samples", String(samples)],
    ["trials", String(report.trials)],
    ["experiments", names || "none"],
  ];
  const meta = items.map(
    ([term, value]) => `<div data-meta="${term}"><dt>${term}</dt><dd>${value}</dd></div>`,
  );
  return `<header id="report-header"><h1>${escapeHtml(title)}</h1><dl class="meta">${meta.join("")}</dl></header>`;
}

function seriesOf(report: ExperimentReport<unknown>): ChartSeries[] {
  return report.runs.map((run, index) => ({
    name: run.experiment.name,
    color: colorOf(index),
    scores: run.report.results.map((result) => result.score.value),
    passRate: run.report.summary.passRate,
    passRateInterval: run.report.summary.passRateInterval,
    costUsd: run.report.summary.costUsd,
  }));
}

function figure(id: string, caption: string, content: string, wide = false): string {
  return `<figure id="${id}"${wide ? ' class="wide"' : ""}><figcaption>${caption}</figcaption>${content}</figure>`;
}

function charts(report: ExperimentReport<unknown>): string {
  const series = seriesOf(report);
  const legend = `<ul class="legend">${series
    .map(
      (each) =>
        `<li><span class="swatch" style="background:${each.color}"></span>${escapeHtml(each.name)}</li>`,
    )
    .join("")}</ul>`;
  const cost = series.some((each) => each.costUsd !== undefined)
    ? figure("chart-cost", "Total cost per experiment", costChart(series))
    : figure(
        "chart-cost-none",
        "Total cost per experiment",
        '<p class="note">No run reported a cost, so there is no cost chart.</p>',
      );
  return (
    `<section id="charts"><h2>Charts</h2><div class="charts">` +
    figure("chart-scores", "Score distribution (trials per 0.1 bin)", scoreChart(series) + legend, true) +
    figure("chart-pass-rate", "Pass rate with 95 % interval", passRateChart(series)) +
    `${cost}</div></section>`
  );
}

function diffs(report: ExperimentReport<unknown>): string {
  const body =
    report.comparisons.length === 0
      ? '<p class="note">One experiment only: nothing to compare.</p>'
      : report.comparisons.map(diffSection).join("");
  return `<section id="diffs"><h2>Changes per sample</h2>${body}</section>`;
}

function failures(report: ExperimentReport<unknown>, bundleHref: BundleHref): string {
  const body = report.runs.map((run, index) => failureSection(run, index, bundleHref)).join("");
  return `<section id="failures"><h2>Failed trials</h2>${body}</section>`;
}

/**
 * Render `report` as one self-contained HTML page: inline style and SVG charts, no script and no
 * external resource (its Content-Security-Policy forbids fetching anything), so it can be opened
 * from disk, attached to a CI run or mailed. Every value from the report is HTML-escaped.
 *
 * Elements tests and tools can rely on: `#report-header`, `#summary` (a row
 * `tr[data-experiment]` per experiment), `#chart-scores`, `#chart-pass-rate`, `#chart-cost` (or
 * `#chart-cost-none` when no run reported a cost; bars are `rect.bar`), `#diffs` with a
 * `#diff-<variant>` per comparison (rows `tr[data-change]`), and `#failures` with a
 * `#failures-<experiment>` per experiment (rows `tr[data-sample]`, links `a.bundle`).
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { renderHtmlReport } from "weakincentives/evals";
 * import type { ExperimentReport } from "weakincentives/evals";
 *
 * declare const report: ExperimentReport;
 * await writeFile("eval-report.html", renderHtmlReport(report, { title: "Code review, strict prompts" }));
 * ```
 */
export function renderHtmlReport(report: ExperimentReport<unknown>, options: HtmlReportOptions = {}): string {
  const title = options.title ?? `Evaluation of ${report.dataset}`;
  const bundleHref = options.bundleHref ?? defaultBundleHref;
  const note =
    '<p class="note">Intervals are 95 % (Wilson for pass rates, normal for mean scores). ' +
    "Δ columns are variant minus baseline; pp = percentage points.</p>";
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><main>` +
    header(report, title) +
    `<section id="summary"><h2>Summary</h2>${summaryTable(report)}${note}</section>` +
    charts(report) +
    diffs(report) +
    failures(report, bundleHref) +
    "</main></body></html>"
  );
}
