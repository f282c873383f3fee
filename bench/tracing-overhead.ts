/**
 * bench/tracing-overhead: what OpenTelemetry costs the agent loop when it is installed but no
 * tracer provider is registered (the common case: the peer is in the image, tracing is off).
 *
 * Runs `bench/turn-overhead.ts` (the shared loop on the in-process model, 11 turns per
 * evaluation) in child processes, alternating two variants so machine noise hits both alike:
 * - `no api`: `@opentelemetry/api` hidden (bench/fixtures/no-otel.cjs), as without the peer;
 * - `api, no provider`: the peer installed, nothing registered.
 * Reported: the median per-turn time of each variant (median over rounds) and the difference.
 * Target (issue 13): within 2 µs per turn.
 *
 * Run: `npx tsx --conditions=wink-source bench/tracing-overhead.ts [--rounds 3]`.
 */

import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { quantile, report } from "./stats.js";

const BENCH = fileURLToPath(new URL("./turn-overhead.ts", import.meta.url));
const HIDE_OTEL = fileURLToPath(new URL("./fixtures/no-otel.cjs", import.meta.url));

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);

function medianPerTurn(hideOtel: boolean): number {
  const args = [
    ...(hideOtel ? ["--require", HIDE_OTEL] : []),
    "--conditions=wink-source",
    "--import",
    "tsx",
    BENCH,
  ];
  const out = execFileSync(process.execPath, args, {
    encoding: "utf8",
    env: { ...process.env, BENCH_RUNS: process.env.BENCH_RUNS ?? "3000" },
  });
  const line = out.trim().split("\n").at(-1) ?? "{}";
  return (JSON.parse(line) as { medianUs: number }).medianUs;
}

const without: number[] = [];
const withApi: number[] = [];
for (let round = 0; round < rounds; round++) {
  without.push(medianPerTurn(true));
  withApi.push(medianPerTurn(false));
}
const a = quantile(without, 0.5);
const b = quantile(withApi, 0.5);
const added = b - a;
report(
  "tracing-overhead",
  [
    `per turn, median of ${rounds} rounds: no api ${a.toFixed(2)} µs; api, no provider ${b.toFixed(2)} µs`,
    `added by OpenTelemetry without a provider: ${added.toFixed(2)} µs per turn (target <= 2)`,
    `rounds: no api [${without.join(", ")}], api [${withApi.join(", ")}]`,
  ],
  { noApiUs: a, apiNoProviderUs: b, addedUs: Number(added.toFixed(2)), pass: added <= 2 },
);
