/**
 * The charts of the HTML report, as inline SVG strings: the score distribution per experiment,
 * the pass rate with its 95 % interval, and the cost. No script, no external resource; every
 * bar carries a `<title>` (a tooltip) and `data-*` attributes tests can query.
 */

import { escapeHtml, percent, usd } from "./format.js";

/** One experiment as the charts draw it. */
export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  /** Every trial's score value (0–1). */
  readonly scores: readonly number[];
  readonly passRate: number;
  readonly passRateInterval: readonly [number, number];
  readonly costUsd: number | undefined;
}

/** Bins of the score histogram, each 0.1 wide from 0 to 1. */
export const SCORE_BINS = 10;

interface Plot {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const innerWidth = (plot: Plot): number => plot.width - plot.left - plot.right;
const innerHeight = (plot: Plot): number => plot.height - plot.top - plot.bottom;
const round = (value: number): string => String(Math.round(value * 10) / 10);

/** A y scale from 0 to `max` over the plot's inner height. */
function yScale(plot: Plot, max: number): (value: number) => number {
  return (value) => plot.top + innerHeight(plot) * (1 - (max > 0 ? value / max : 0));
}

/** Ticks from 0 at a round step, covering `max` (whole numbers when `integer`). */
export function ticks(max: number, integer: boolean): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  let step = (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
  if (integer) step = Math.max(1, Math.round(step));
  const count = Math.ceil(max / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** Grid lines, tick labels and the titles of both axes. */
function axes(plot: Plot, yTicks: readonly number[], label: (v: number) => string, titles: [string, string]) {
  const max = yTicks[yTicks.length - 1] ?? 1;
  const y = yScale(plot, max);
  const right = plot.width - plot.right;
  const grid = yTicks
    .map((tick) => {
      const at = round(y(tick));
      return (
        `<line class="grid" x1="${plot.left}" x2="${right}" y1="${at}" y2="${at}"/>` +
        `<text class="tick" x="${plot.left - 6}" y="${at}" text-anchor="end" dominant-baseline="middle">${escapeHtml(label(tick))}</text>`
      );
    })
    .join("");
  const bottom = plot.height - plot.bottom;
  const middle = plot.top + innerHeight(plot) / 2;
  return (
    `<g class="axes">${grid}<line class="axis" x1="${plot.left}" x2="${right}" y1="${bottom}" y2="${bottom}"/>` +
    `<text class="axis-title" x="${plot.left + innerWidth(plot) / 2}" y="${plot.height - 6}" text-anchor="middle">${escapeHtml(titles[0])}</text>` +
    `<text class="axis-title" transform="translate(14 ${round(middle)}) rotate(-90)" text-anchor="middle">${escapeHtml(titles[1])}</text></g>`
  );
}

function svg(id: string, label: string, plot: Plot, body: string): string {
  return `<svg id="${id}-svg" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${plot.width} ${plot.height}" width="${plot.width}" height="${plot.height}">${body}</svg>`;
}

/** An experiment name short enough for an axis label. */
const short = (name: string): string => (name.length > 16 ? `${name.slice(0, 15)}…` : name);

/** Labels under each band of a bar chart: the experiment names. */
function bandLabels(plot: Plot, series: readonly ChartSeries[]): string {
  const band = innerWidth(plot) / series.length;
  return series
    .map(
      (each, i) =>
        `<text class="label" x="${round(plot.left + band * (i + 0.5))}" y="${plot.height - plot.bottom + 16}" text-anchor="middle">${escapeHtml(short(each.name))}<title>${escapeHtml(each.name)}</title></text>`,
    )
    .join("");
}

/** How many of `scores` fall in each 0.1-wide bin (1.0 counts in the last). */
export function histogram(scores: readonly number[]): number[] {
  const counts = new Array<number>(SCORE_BINS).fill(0);
  for (const value of scores) {
    const bin = Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(value * SCORE_BINS + 1e-9)));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}

/** (a) The score distribution: per bin, one bar per experiment. */
export function scoreChart(series: readonly ChartSeries[]): string {
  const plot: Plot = { width: 1000, height: 250, left: 56, right: 16, top: 16, bottom: 48 };
  const counts = series.map((each) => histogram(each.scores));
  const yTicks = ticks(Math.max(0, ...counts.flat()), true);
  const y = yScale(plot, yTicks[yTicks.length - 1] ?? 1);
  const bin = innerWidth(plot) / SCORE_BINS;
  const bar = (bin * 0.8) / Math.max(1, series.length);
  const bars = counts.flatMap((perBin, s) =>
    perBin.map((count, b) => {
      const x = plot.left + bin * b + bin * 0.1 + bar * s;
      const name = series[s]?.name ?? "";
      const range = `${(b / SCORE_BINS).toFixed(1)}–${((b + 1) / SCORE_BINS).toFixed(1)}`;
      return `<rect class="bar" data-series="${escapeHtml(name)}" data-bin="${b}" data-count="${count}" x="${round(x)}" y="${round(y(count))}" width="${round(bar)}" height="${round(y(0) - y(count))}" fill="${series[s]?.color}"><title>${escapeHtml(name)}: ${count} trial${count === 1 ? "" : "s"} scored ${range}</title></rect>`;
    }),
  );
  const xTicks = Array.from({ length: SCORE_BINS + 1 }, (_, b) => {
    const x = round(plot.left + bin * b);
    return `<text class="tick" x="${x}" y="${plot.height - plot.bottom + 16}" text-anchor="middle">${(b / SCORE_BINS).toFixed(1)}</text>`;
  }).join("");
  const body = axes(plot, yTicks, String, ["score", "trials"]) + bars.join("") + xTicks;
  return svg("chart-scores", "Histogram of score values per experiment, in ten bins from 0 to 1", plot, body);
}

/** (b) The pass rate per experiment, with its 95 % interval as a whisker. */
export function passRateChart(series: readonly ChartSeries[]): string {
  const plot: Plot = { width: 490, height: 260, left: 56, right: 16, top: 24, bottom: 48 };
  const y = yScale(plot, 1);
  const band = innerWidth(plot) / Math.max(1, series.length);
  const width = Math.min(72, band * 0.6);
  const bars = series.map((each, i) => {
    const centre = plot.left + band * (i + 0.5);
    const rate = Number.isFinite(each.passRate) ? each.passRate : 0;
    const [low, high] = each.passRateInterval.map(y) as [number, number];
    const cap = (at: number) =>
      `<line x1="${round(centre - 8)}" x2="${round(centre + 8)}" y1="${round(at)}" y2="${round(at)}"/>`;
    return (
      `<g class="experiment" data-series="${escapeHtml(each.name)}">` +
      `<rect class="bar" data-value="${rate}" x="${round(centre - width / 2)}" y="${round(y(rate))}" width="${round(width)}" height="${round(y(0) - y(rate))}" fill="${each.color}"><title>${escapeHtml(each.name)}: ${percent(each.passRate)}</title></rect>` +
      `<g class="whisker" data-low="${each.passRateInterval[0]}" data-high="${each.passRateInterval[1]}"><line x1="${round(centre)}" x2="${round(centre)}" y1="${round(low)}" y2="${round(high)}"/>${cap(low)}${cap(high)}</g>` +
      `<text class="value" x="${round(centre + width / 2 + 4)}" y="${round(y(rate) + 4)}" dominant-baseline="hanging">${percent(each.passRate)}</text></g>`
    );
  });
  const body =
    axes(plot, [0, 0.25, 0.5, 0.75, 1], (v) => `${v * 100} %`, ["experiment", "pass rate"]) +
    bars.join("") +
    bandLabels(plot, series);
  return svg("chart-pass-rate", "Pass rate per experiment with 95 % intervals", plot, body);
}

/** (c) The total cost per experiment; experiments that reported none get no bar. */
export function costChart(series: readonly ChartSeries[]): string {
  const plot: Plot = { width: 490, height: 260, left: 72, right: 16, top: 24, bottom: 48 };
  const yTicks = ticks(Math.max(0, ...series.map((each) => each.costUsd ?? 0)), false);
  const y = yScale(plot, yTicks[yTicks.length - 1] ?? 1);
  const band = innerWidth(plot) / Math.max(1, series.length);
  const width = Math.min(72, band * 0.6);
  const bars = series.map((each, i) => {
    const centre = plot.left + band * (i + 0.5);
    const label = `<text class="value" x="${round(centre)}" y="${round(y(each.costUsd ?? 0) - 6)}" text-anchor="middle">${usd(each.costUsd)}</text>`;
    if (each.costUsd === undefined) return label;
    return `<rect class="bar" data-series="${escapeHtml(each.name)}" data-value="${each.costUsd}" x="${round(centre - width / 2)}" y="${round(y(each.costUsd))}" width="${round(width)}" height="${round(y(0) - y(each.costUsd))}" fill="${each.color}"><title>${escapeHtml(each.name)}: ${usd(each.costUsd)}</title></rect>${label}`;
  });
  const body =
    axes(plot, yTicks, usd, ["experiment", "cost (USD)"]) + bars.join("") + bandLabels(plot, series);
  return svg("chart-cost", "Total cost in US dollars per experiment", plot, body);
}
