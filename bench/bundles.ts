/**
 * bench/bundles: debug bundles at scale (issue 12). Writes the bundle of a run with 1,000 tool
 * calls (and 2,000 log records), then 1,000 ordinary bundles, and times `BundleDatabase.open`
 * over the 1,000 plus the two troubleshooting queries (which tool failed most, p95 model-call
 * latency).
 *
 * Targets: the 1,000-call bundle written in < 200 ms, its `wink debug` overview and timeline
 * rendered in < 2 s; `wink query` over 1,000 bundles < 3 s.
 * Run: `npx tsx --conditions=wink-source bench/bundles.ts`.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, ToolInvoked } from "weakincentives";
import { BundleDatabase, serveBundles, writeBundle } from "weakincentives/debug";
import type { CapturedRecord } from "weakincentives/runtime";
import { report } from "./stats.js";

const CALLS = 1_000;
const BUNDLES = 1_000;

function run(calls: number, seed: number): { session: Session; logs: CapturedRecord[] } {
  const session = new Session();
  const logs: CapturedRecord[] = [];
  for (let i = 0; i < calls; i++) {
    const success = (i + seed) % 7 !== 0;
    session.dispatch(
      ToolInvoked.create({
        eventId: `e-${seed}-${i}`,
        createdAt: "2026-12-04T00:00:00.000Z",
        adapter: "openai",
        promptName: "bench",
        name: ["search", "fetch", "write"][i % 3] ?? "search",
        params: { query: `q${i}`, limit: 10 },
        result: { hits: i },
        success,
        isError: !success,
        message: success ? "ok" : "failed: timeout",
        renderedOutput: success ? `${i} hits` : "failed: timeout",
        callId: `call_${i}`,
      }),
    );
    for (const event of ["provider.request", "provider.response"]) {
      logs.push({
        time: "2026-12-04T00:00:00.000Z",
        level: "debug",
        logger: "weakincentives.adapters",
        event,
        message: "Provider answered.",
        context: {
          latencyMs: 50 + ((i * 37 + seed) % 400),
          inputTokens: 1200,
          outputTokens: 80,
          toolCalls: [],
        },
      });
    }
  }
  return { session, logs };
}

const dir = await mkdtemp(join(tmpdir(), "wink-bench-bundles-"));
try {
  const big = run(CALLS, 0);
  const started = performance.now();
  await writeBundle(
    { target: join(dir, "big") },
    { requestId: "r", runId: "big", attempt: 1, input: {}, output: {}, ...big },
  );
  const writeMs = performance.now() - started;
  // The viewer's overview and timeline of that bundle, over HTTP, as a browser asks for them.
  const viewer = await serveBundles(join(dir, "big", "big"), { port: 0 });
  const uiStart = performance.now();
  const overview = await (await fetch(new URL("/b/big", viewer.url))).text();
  const timeline = await (await fetch(new URL("/b/big/timeline", viewer.url))).text();
  const uiMs = performance.now() - uiStart;
  await viewer.close();

  const many = join(dir, "many");
  for (let b = 0; b < BUNDLES; b++) {
    const small = run(10, b);
    await writeBundle(
      { target: many },
      { requestId: `r-${b}`, runId: `run-${b}`, attempt: 1, input: {}, output: {}, ...small },
    );
  }
  const queryStart = performance.now();
  const db = await BundleDatabase.open(many);
  const worst = db.query(
    "SELECT name, COUNT(*) AS failures FROM tool_calls WHERE success = 0 GROUP BY name ORDER BY failures DESC LIMIT 1",
  );
  const p95 = db.query(
    "SELECT latency_ms FROM (SELECT latency_ms, ROW_NUMBER() OVER (ORDER BY latency_ms) AS n, COUNT(*) OVER () AS total FROM model_calls) WHERE n = CAST(0.95 * total + 0.999999 AS INTEGER)",
  );
  const queryMs = performance.now() - queryStart;
  db.close();

  report(
    "bundles",
    [
      `  bundle of a run with ${CALLS} tool calls written in ${writeMs.toFixed(1)} ms (target < 200)`,
      `  wink debug overview + timeline of it rendered in ${uiMs.toFixed(0)} ms (target < 2000; ${overview.length + timeline.length} bytes of HTML)`,
      `  wink query over ${BUNDLES} bundles (load + 2 queries) in ${(queryMs / 1000).toFixed(2)} s (target < 3): most failed ${JSON.stringify(worst.rows[0])}, p95 ${JSON.stringify(p95.rows[0])} ms`,
    ],
    {
      writeMs: Math.round(writeMs),
      uiMs: Math.round(uiMs),
      queryMs: Math.round(queryMs),
      pass: writeMs < 200 && uiMs < 2000 && queryMs < 3000,
    },
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
