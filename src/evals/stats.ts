/**
 * Summaries of evaluation results: pass rate with a Wilson interval, mean score with a normal
 * interval, cost and latency. 95 % intervals: with few samples they are wide, and a report that
 * shows them keeps people from reading noise as a change.
 */

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/** The 95 % Wilson score interval of `passed` out of `total` (0–1); [0, 1] when total is 0. */
export function wilsonInterval(passed: number, total: number): readonly [number, number] {
  if (total === 0) return [0, 1];
  const p = passed / total;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * total)) / (1 + z2 / total);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / (1 + z2 / total);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Mean and its 95 % normal-approximation interval (clamped to 0–1 for scores). */
export function meanInterval(values: readonly number[]): {
  mean: number;
  interval: readonly [number, number];
} {
  if (values.length === 0) return { mean: Number.NaN, interval: [0, 1] };
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  if (values.length === 1) return { mean, interval: [0, 1] };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  const half = Z95 * Math.sqrt(variance / values.length);
  return { mean, interval: [Math.max(0, mean - half), Math.min(1, mean + half)] };
}

/** The q-quantile (0–1) of `values` by nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
