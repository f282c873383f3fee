/**
 * Runs every benchmark in bench/ in its own process, one after the other. The soak benchmark
 * (bench/soak.ts) takes several minutes, so it runs only with `--soak`.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dirname;
const soak = process.argv.includes("--soak");
const skipped = [
  "run-all.ts",
  "stats.ts",
  "redis-server.ts",
  "sqs-server.ts",
  "brokers.ts",
  ...(soak ? [] : ["soak.ts"]),
];
const benches = readdirSync(here).filter((f) => f.endsWith(".ts") && !skipped.includes(f));
for (const bench of benches.sort()) {
  execFileSync(process.execPath, ["--conditions=wink-source", "--import", "tsx", join(here, bench)], {
    stdio: "inherit",
  });
}
if (!soak) console.log("# soak: skipped (long); run `npx tsx bench/run-all.ts --soak` to include it");
