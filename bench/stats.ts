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

/**
 * CPU milliseconds a fixed piece of JavaScript takes on this machine right now, the best of three:
 * 10,000 round trips of a small document through `JSON.stringify` and `JSON.parse`, the kind of
 * work an SDK client does on every request (strings, allocation, young-generation GC). A machine
 * shared with other tenants changes speed by a factor of two from hour to hour; a benchmark with a
 * target in µs prints this beside its figures, so that a slow stretch is not read as a regression.
 * {@link REFERENCE_SPEED_MS} is what a machine at full speed takes.
 */
export function machineSpeedMs(): number {
  const document = {
    items: Array.from({ length: 50 }, (_, i) => ({ id: `item-${i}`, count: i, tags: ["a", "b"] })),
  };
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const start = process.cpuUsage();
    let items = 0;
    for (let i = 0; i < 10_000; i++) {
      items += (JSON.parse(JSON.stringify(document)) as typeof document).items.length;
    }
    const used = process.cpuUsage(start);
    // Read the result, so the work cannot be dropped as dead code.
    if (items !== 500_000) throw new Error("bench: the speed probe miscounted");
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return Math.round(best);
}

/**
 * {@link machineSpeedMs} on the two-core machines the µs targets were set on, at full speed
 * (250–262 ms in December 2026, when the soak's hand-written Chat loop ran at 78 µs per turn).
 */
export const REFERENCE_SPEED_MS = 255;
