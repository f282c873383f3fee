/** Runs every benchmark in bench/ in its own process, one after the other. */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dirname;
const benches = readdirSync(here).filter((f) => f.endsWith(".ts") && !["run-all.ts", "stats.ts"].includes(f));
for (const bench of benches.sort()) {
  execFileSync(process.execPath, ["--conditions=wink-source", "--import", "tsx", join(here, bench)], {
    stdio: "inherit",
  });
}
