/**
 * `wink eval` as a real process on the code-review example: 20 reviews offline (the scripted
 * model server over HTTP, answering with the example's deterministic reviewer) under the baseline
 * and the `strict` overrides tag — exact pass rates, their delta, the regressions, the JSON and
 * HTML written, bundles linked, the `--min-pass` gate — and clear errors for bad input.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { ExperimentReport } from "../../src/evals/index.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "src", "cli", "bin.ts");
const DATASET = join(ROOT, "examples", "code-review", "evals", "dataset.jsonl");
const AGENT = join(ROOT, "examples", "code-review", "eval.ts");

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function wink(...args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--conditions=wink-source", "--import", "tsx", BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, timeout: 90_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wink-eval-cli-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Each experiment's samples in order, "+" passed and "-" failed. */
function outcomes(report: ExperimentReport): Record<string, string> {
  return Object.fromEntries(
    report.runs.map((each) => [
      each.experiment.name,
      each.report.results.map((result) => (result.score.passed ? "+" : "-")).join(""),
    ]),
  );
}

describe("wink eval on the code-review example", () => {
  it("prints exact pass rates for the baseline and the strict tag, and writes results, report and bundles", async () => {
    const out = tempDir();
    const ran = await wink("eval", DATASET, "--agent", AGENT, "--out", out, "--concurrency", "4");
    expect(ran.stderr).toContain("Model: the scripted model server");
    expect(ran.stderr).not.toContain("[#"); // no progress bar without a terminal
    expect(ran.code).toBe(0);
    const lines = ran.stdout.split("\n");
    expect(lines[0]).toBe(`Dataset ${DATASET}: 20 samples × 1 trial`);
    expect(lines.find((line) => line.startsWith("baseline"))).toMatch(
      /^baseline\s+15\/20\s+75\.0 %\s+53\.1–88\.8 %\s+0\.765\s+—\s+\d+ ms\s+0\s+0$/,
    );
    expect(lines.find((line) => line.startsWith("strict "))).toMatch(
      /^strict\s+17\/20\s+85\.0 %\s+64\.0–94\.8 %\s+0\.895\s+—\s+\d+ ms\s+0\s+0$/,
    );
    expect(ran.stdout).toContain(
      "strict vs baseline: pass rate +10.0 pp, mean score +0.130; 2 regressed, 4 improved\n" +
        "  regressed s10: Expected approval, got rejection.\n" +
        "  regressed s20: Expected approval, got rejection.",
    );
    const report = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as ExperimentReport;
    // s01…s20, "+" passed: the strict rule catches four network changes and wrongly rejects two.
    expect(outcomes(report)).toEqual({
      baseline: "++-++--++++-++-+++++",
      strict: "++++++-++-+++++++++-",
    });
    const comparison = report.comparisons[0];
    expect(
      comparison?.samples
        .filter((s) => s.change === "improved")
        .map((s) => s.sampleId)
        .sort(),
    ).toEqual(["s03", "s06", "s12", "s15"]);
    const failed = report.runs[0]?.report.results.find((result) => !result.score.passed);
    expect(failed?.bundlePath && existsSync(join(failed.bundlePath, "manifest.json"))).toBe(true);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("strict");
    expect(html).toMatch(/href="bundles\/[0-9a-f-]{36}"/);
  }, 120_000);

  it("gates on --min-pass, and NAME=TAG runs an overrides tag the module does not list", async () => {
    const out = tempDir();
    const ran = await wink(
      "eval",
      DATASET,
      "--agent",
      AGENT,
      "--out",
      out,
      "--experiment",
      "baseline",
      "--experiment",
      "tight=strict",
      "--min-pass",
      "0.8",
      "--no-bundles",
    );
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("baseline: pass rate 75.0 % is below --min-pass 0.8.");
    expect(ran.stderr).not.toContain("tight: pass rate");
    expect(ran.stdout).toMatch(/^tight\s+17\/20\s+85\.0 %/m);
    expect(existsSync(join(out, "bundles"))).toBe(false);
  }, 120_000);

  it("refuses bad input with exit 2 and a message naming the fix", async () => {
    const out = tempDir();
    const badDataset = join(out, "bad.jsonl");
    writeFileSync(
      badDataset,
      '{"id": "a", "input": {"change": "x", "files": []}, "expected": {"approve": true}}\n',
    );
    const cases: [string[], RegExp][] = [
      [
        [DATASET, "--experiment", "nope"],
        /--experiment nope is not an experiment of the module \(baseline, strict\)/,
      ],
      [[badDataset], /line 1/],
      [[DATASET, "--trials", "0"], /--trials must be a whole number from 1 to 1000, got "0"/],
      [[DATASET, "--min-pass", "90"], /--min-pass must be a rate from 0 to 1/],
      [[DATASET, "--mailbox", "redis://127.0.0.1:6379/0?queue=x"], /--mailbox needs --reply-to/],
    ];
    for (const [args, message] of cases) {
      const ran = await wink("eval", ...args, "--agent", AGENT, "--out", out, "--no-bundles");
      expect(ran.code, args.join(" ")).toBe(2);
      expect(ran.stderr).toMatch(message);
    }
    const noEvaluation = await wink(
      "eval",
      DATASET,
      "--agent",
      join(ROOT, "examples", "code-review", "agent.ts"),
    );
    expect(noEvaluation.code).toBe(2);
    expect(noEvaluation.stderr).toContain("exports no `evaluation`");
  }, 120_000);

  it("draws a progress bar on a terminal", async (context) => {
    const hasScript = await run("script", ["--version"]).then(
      () => true,
      () => false,
    );
    if (!hasScript) {
      if (process.env.CI === "true")
        throw new Error("`script` (util-linux) is missing: apt-get install bsdutils.");
      context.skip("`script` (util-linux) is not installed: apt-get install bsdutils to run this test.");
      return;
    }
    const out = tempDir();
    const command = [process.execPath, ...["--conditions=wink-source", "--import", "tsx", BIN]]
      .concat(["eval", DATASET, "--agent", AGENT, "--out", out, "--no-bundles", "--experiment", "baseline"])
      .map((arg) => `'${arg}'`)
      .join(" ");
    // `script` runs the command on a pseudo-terminal, as a person at a shell would.
    const { stdout } = await run("script", ["-qec", command, "/dev/null"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
      timeout: 90_000,
    });
    const frames = stdout.split("\r").filter((frame) => frame.startsWith("[#") || frame.startsWith("[."));
    expect(frames.length).toBeGreaterThanOrEqual(20);
    expect(frames.at(-1)).toContain(`[${"#".repeat(30)}] 20/20 100 % · 5 failed`);
  }, 120_000);
});
