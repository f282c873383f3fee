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

/** `value` rounded to two decimals. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Heap in use after full collections, in MiB. Needs `--expose-gc`. */
export async function settledHeapMiB(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("bench: run with --expose-gc to read the settled heap");
  // Several rounds with turns of the event loop between them, so weak references and
  // finalizers are processed before the heap is read.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed / (1024 * 1024);
}
