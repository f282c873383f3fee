/**
 * bench/worker-start: a worker built from dist/ (as it runs in a container), measured from
 * process spawn to the first `/health/ready` 200, and its resident memory once idle.
 * Targets (issue 5): cold start < 300 ms, idle RSS < 80 MB. Builds dist/ first when missing.
 * Run: `npx tsx bench/worker-start.ts`.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { quantile, report } from "./stats.js";

const root = join(import.meta.dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
if (!existsSync(join(root, "dist", "runtime", "index.js"))) {
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function once(): Promise<{ startMs: number; rss: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(import.meta.dirname, "fixtures", "cold-worker.mjs")], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"port":(\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.on("exit", (code) => reject(new Error(`worker exited early with ${code}`)));
    });
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
      if (res?.status === 200) break;
    }
    const startMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 1_000));
    return { startMs, rss: rssMiB(child.pid as number) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.on("exit", r));
  }
}

const starts: number[] = [];
const rss: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const { startMs, rss: r } = await once();
  starts.push(startMs);
  rss.push(r);
}
const start = quantile(starts, 0.5);
const idle = quantile(rss, 0.5);
report(
  "worker-start",
  [
    `runs: ${RUNS} (node ${process.version}, worker from dist/)`,
    `spawn → /health/ready 200: median ${start.toFixed(0)} ms (min ${Math.min(...starts).toFixed(0)}, max ${Math.max(...starts).toFixed(0)}) (target < 300 ms)`,
    `idle RSS after 1 s: median ${idle} MiB = ${((idle * 1_048_576) / 1e6).toFixed(1)} MB (target < 80 MB)`,
  ],
  {
    coldStartMs: Math.round(start),
    idleRssMiB: idle,
    idleRssMB: Number(((idle * 1_048_576) / 1e6).toFixed(1)),
    targetColdStartMs: 300,
    targetIdleRssMB: 80,
    runs: RUNS,
  },
);
