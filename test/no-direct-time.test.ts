/**
 * Runtime code must read time only through the Clock, so every timing rule can run on a
 * FakeClock. This scans `src/` for direct uses of the global timers and time sources.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "src");
const ALLOWED = new Set(["clock.ts"]);
const FORBIDDEN = [
  /\bDate\.now\s*\(/,
  /\bnew Date\s*\(\s*\)/,
  /(?<![.\w])setTimeout\s*\(/,
  /(?<![.\w])setInterval\s*\(/,
  /\bperformance\.now\s*\(/,
  /\bprocess\.hrtime\b/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Drop comments so documentation may mention the banned calls. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

describe("time is read only through the Clock", () => {
  it("no file in src/ outside clock.ts calls Date.now, new Date(), setTimeout, setInterval or performance.now", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(ROOT)) {
      const rel = relative(ROOT, file);
      if (ALLOWED.has(rel)) continue;
      const lines = stripComments(readFileSync(file, "utf8")).split("\n");
      lines.forEach((line, i) => {
        for (const pattern of FORBIDDEN) {
          if (pattern.test(line)) offenders.push(`src/${rel}:${i + 1}: ${line.trim()}`);
        }
      });
    }
    expect(offenders, "use the injected Clock (src/clock.ts) instead").toEqual([]);
  });

  it("the scan catches a forbidden call (self-check)", () => {
    const sample = stripComments("const t = Date.now();\n// Date.now() in a comment is fine");
    expect(FORBIDDEN.some((p) => p.test(sample))).toBe(true);
    expect(FORBIDDEN.some((p) => p.test(stripComments("// setTimeout(x)")))).toBe(false);
  });
});
