/** Small helpers shared by the benchmarks: percentiles and the closing JSON line. */

/** The q-quantile (0..1) of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Resident set size in MiB. */
export function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
}

/** Print the human summary lines, then one JSON line for machines. */
export function report(name: string, lines: readonly string[], figures: Record<string, unknown>): void {
  console.log(`# ${name}`);
  for (const line of lines) console.log(line);
  console.log(JSON.stringify({ bench: name, ...figures }));
}

/** Counts the process's warnings (such as `MaxListenersExceededWarning`) and keeps a few. */
export function recordWarnings(): { count: () => number; kinds: () => string[] } {
  let count = 0;
  const kinds = new Set<string>();
  process.on("warning", (warning) => {
    count++;
    if (kinds.size < 5) kinds.add(`${warning.name}: ${warning.message}`);
  });
  return { count: () => count, kinds: () => [...kinds] };
}
