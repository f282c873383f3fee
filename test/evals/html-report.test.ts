import { describe, expect, it } from "vitest";
import { type ExperimentRun, experimentReport } from "../../src/evals/experiment.js";
import { histogram, ticks } from "../../src/evals/html-report/charts.js";
import { escapeHtml, signedPoints, signedScore, usd } from "../../src/evals/html-report/format.js";
import { renderHtmlReport } from "../../src/evals/html-report.js";
import { type EvalResult, summarize } from "../../src/evals/run.js";
import { BASELINE, type Experiment, experiment } from "../../src/experiment.js";

type Result = EvalResult<unknown>;

/** Twenty samples `s00`…`s19`; the first `passing` pass with score 1, the rest fail with 0. */
function results(
  name: string,
  passing: number,
  extra: (index: number) => Partial<Result> = () => ({}),
): Result[] {
  return Array.from({ length: 20 }, (_, index) => {
    const passed = index < passing;
    const sampleId = `s${String(index).padStart(2, "0")}`;
    const reason = passed ? "Right answer." : `Wrong answer under ${name}.`;
    return {
      sampleId,
      trial: 0,
      score: { value: passed ? 1 : 0, passed, reason },
      latencyMs: 100 + index,
      experiment: name,
      ...extra(index),
    };
  });
}

function run(experimentOf: Experiment, list: readonly Result[]): ExperimentRun<unknown> {
  return { experiment: experimentOf, report: { dataset: "arith", results: list, summary: summarize(list) } };
}

function report(...runs: ExperimentRun<unknown>[]) {
  return experimentReport("arith", 1, runs, "2025-06-12T09:41:07.512Z");
}

const withCost = (index: number): Partial<Result> => ({ costUsd: 0.01 + index * 0.001 });

/** The HTML of the element with `id` up to the closing tag of the same kind (no nesting of it). */
function section(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`no element with id ${id}`);
  const open = html.lastIndexOf("<", start);
  const tag = /^<(\w+)/.exec(html.slice(open))?.[1] as string;
  let depth = 0;
  const pattern = new RegExp(`<(/?)${tag}\\b`, "g");
  pattern.lastIndex = open;
  for (let match = pattern.exec(html); match !== null; match = pattern.exec(html)) {
    depth += match[1] === "/" ? -1 : 1;
    if (depth === 0) return html.slice(open, html.indexOf(">", match.index) + 1);
  }
  throw new Error(`element ${id} is not closed`);
}

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;
const attributes = (text: string, name: string): string[] =>
  [...text.matchAll(new RegExp(`${name}="([^"]*)"`, "g"))].map((m) => m[1] as string);

describe("renderHtmlReport", () => {
  const strict = experiment("strict", { overridesTag: "strict-v2" });
  const loose = experiment("loose");
  const threeWay = report(
    run(BASELINE, results("baseline", 10, withCost)),
    run(strict, results("strict", 13, withCost)),
    run(loose, results("loose", 8, withCost)),
  );

  it("gives a complete page with the header, summary, charts, diffs and failures", () => {
    const html = renderHtmlReport(threeWay);
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    expect(html).toContain("<title>Evaluation of arith</title>");
    const header = section(html, "report-header");
    expect(header).toContain("2025-06-12 09:41 UTC");
    expect(header).toMatch(/data-meta="trials"><dt>trials<\/dt><dd>1</);
    expect(header).toMatch(/data-meta="samples"><dt>samples<\/dt><dd>20</);
    expect(header).toContain("baseline, strict, loose");
    for (const id of [
      "summary",
      "chart-scores",
      "chart-pass-rate",
      "chart-cost",
      "diff-strict",
      "diff-loose",
    ]) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(attributes(section(html, "summary"), "data-experiment")).toEqual(["baseline", "strict", "loose"]);
    expect(section(html, "summary")).toContain("tag strict-v2");
    expect(count(html, /<svg [^>]*role="img" aria-label="[^"]+"/g)).toBe(3);
    expect(count(html, /<figure id="chart-[^"]+"[^>]*><figcaption>/g)).toBe(3);
    expect(renderHtmlReport(threeWay, { title: "Nightly" })).toContain("<title>Nightly</title>");
  });

  it("shows pass rates and mean scores with their intervals, cost and latency", () => {
    const row = section(renderHtmlReport(threeWay), "summary").split('data-experiment="strict"')[1] as string;
    const { summary } = threeWay.runs[1]?.report ?? {};
    expect(row).toContain("65.0 %");
    const [low, high] = summary?.passRateInterval ?? [0, 0];
    expect(row).toContain(`${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)} %`);
    expect(row).toContain("0.650");
    expect(row).toContain(usd(summary?.costUsd));
    expect(row).toContain(`${summary?.latencyMs.p50} ms`);
  });

  it("signs the deltas against the baseline: pp for pass rates, three decimals for scores", () => {
    const summary = section(renderHtmlReport(threeWay), "summary");
    const rows = summary.split("<tr data-experiment=").slice(1);
    expect(rows[0]).toContain("—");
    expect(rows[1]).toContain('<span class="up">+15.0 pp</span>');
    expect(rows[1]).toContain('<span class="up">+0.150</span>');
    expect(rows[2]).toContain('<span class="down">-10.0 pp</span>');
    expect(rows[2]).toContain('<span class="down">-0.100</span>');
    expect([signedPoints(0), signedScore(-0.0001), signedPoints(Number.NaN)]).toEqual([
      "0.0 pp",
      "0.000",
      "—",
    ]);
  });

  it("lists regressions first, then improvements, and folds the unchanged samples", () => {
    const diff = section(renderHtmlReport(threeWay), "diff-loose");
    expect(diff).toContain('2 regressed</span>, <span class="up">0 improved</span>, 18 unchanged');
    const changes = attributes(diff, "data-change");
    expect(changes.slice(0, 2)).toEqual(["regressed", "regressed"]);
    expect(changes.filter((change) => change === "same")).toHaveLength(18);
    expect(diff).toMatch(/<details><summary>18 unchanged samples<\/summary>/);
    expect(diff).toContain("Wrong answer under loose.");
    expect(section(renderHtmlReport(threeWay), "diff-strict")).toContain('<span class="up">+1.000</span>');
  });

  it("draws ten score bins per experiment and one pass-rate and cost bar each", () => {
    const html = renderHtmlReport(threeWay);
    expect(count(section(html, "chart-scores"), /<rect class="bar"/g)).toBe(30);
    expect(count(section(html, "chart-pass-rate"), /<rect class="bar"/g)).toBe(3);
    expect(count(section(html, "chart-cost"), /<rect class="bar"/g)).toBe(3);
    expect(section(html, "chart-scores")).toContain('data-series="strict" data-bin="9" data-count="13"');
    expect(histogram([0, 0.05, 0.1, 0.3, 0.99, 1])).toEqual([2, 1, 0, 1, 0, 0, 0, 0, 0, 2]);
    expect(ticks(13, true)).toEqual([0, 5, 10, 15]);
    expect(ticks(0.48, false)).toEqual([0, 0.2, 0.4, 0.6]);
  });

  it("replaces the cost chart with a note, and costs with —, when no run reported a cost", () => {
    const html = renderHtmlReport(
      report(run(BASELINE, results("baseline", 10)), run(strict, results("strict", 12))),
    );
    expect(html).not.toContain('id="chart-cost"');
    expect(section(html, "chart-cost-none")).toContain("No run reported a cost");
    const summary = section(html, "summary");
    expect(summary).toMatch(/<td class="num">—<\/td>/);
  });

  it("lists each experiment's failed trials with the reason and the error", () => {
    const failing = results("baseline", 18, (index) =>
      index === 19
        ? { score: { value: 0, passed: false, reason: "The agent failed: boom", error: "boom" } }
        : {},
    );
    failing[18] = {
      ...(failing[18] as Result),
      score: { value: 0, passed: false, reason: "The evaluator returned junk.", error: "bad score" },
    };
    const html = renderHtmlReport(report(run(BASELINE, failing)));
    const failures = section(html, "failures-baseline");
    expect(attributes(failures, "data-sample")).toEqual(["s18", "s19"]);
    expect(failures).toContain("2 of 20");
    expect(failures).toContain("The evaluator returned junk.<br><code>bad score</code>");
    expect(failures).not.toContain("<code>boom</code>");
    expect(section(html, "diffs")).toContain("nothing to compare");
    expect(html).not.toContain('id="diff-');
  });

  it("says how many runs a failed trial took when the provider failed transiently", () => {
    const list = results("baseline", 18, (index) => (index === 19 ? { attempts: 3 } : {}));
    const failures = section(renderHtmlReport(report(run(BASELINE, list))), "failures-baseline");
    expect(attributes(failures, "data-attempts")).toEqual(["3"]);
    expect(failures).toContain(
      '0 <span class="muted" title="run 3 times: the provider failed transiently">(3 runs)</span>',
    );
    expect(count(failures, /runs\)/g)).toBe(1);
  });

  it("links failed trials to their debug bundles: file:// for absolute paths, relative ones as given", () => {
    const bundles = (index: number): Partial<Result> =>
      index === 18
        ? { bundlePath: "/var/wink/bundles/run 18.zip" }
        : index === 19
          ? { bundlePath: "b/s19.zip" }
          : {};
    const single = report(run(BASELINE, results("baseline", 17, bundles)));
    const links = attributes(section(renderHtmlReport(single), "failures"), "href");
    expect(links).toEqual(["file:///var/wink/bundles/run%2018.zip", "b/s19.zip"]);
    const custom = renderHtmlReport(single, { bundleHref: (path) => `/debug?bundle=${path}&x="1"` });
    expect(attributes(section(custom, "failures"), "href")).toEqual([
      "/debug?bundle=/var/wink/bundles/run 18.zip&amp;x=&quot;1&quot;",
      "/debug?bundle=b/s19.zip&amp;x=&quot;1&quot;",
    ]);
    expect(count(section(custom, "failures"), /<a class="bundle"/g)).toBe(2);
    expect(count(section(custom, "failures"), /data-sample=/g)).toBe(3);
  });

  it("escapes every value from the report: ids, reasons, names, the dataset and the title", () => {
    const hostile = '<script>alert("x")</script>';
    const list = results("baseline", 19, (index) =>
      index === 19
        ? { sampleId: `<img src=x onerror=alert(1)>`, score: { value: 0, passed: false, reason: hostile } }
        : {},
    );
    const named = { name: '"><script>alert(2)</script>' } as Experiment;
    const runs = [run(BASELINE, list), run(named, list)];
    const html = renderHtmlReport(experimentReport("<b>ds</b>", 1, runs, "<i>now</i>"), {
      title: "<u>t</u>",
    });
    expect(html).not.toMatch(/<script|<img|<b>|<i>|<u>/);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain('id="diff-&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
    expect(html).toContain("&lt;b&gt;ds&lt;/b&gt;");
    expect(escapeHtml(`'&`)).toBe("&#39;&amp;");
  });

  it("loads nothing from elsewhere: no URL, no script, no external style or image", () => {
    const html = renderHtmlReport(threeWay);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(|@import/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it("renders an empty report without NaN", () => {
    const html = renderHtmlReport(report(run(BASELINE, [])));
    expect(html).not.toContain("NaN");
    expect(section(html, "failures-baseline")).toContain("No failed trials.");
    expect(renderHtmlReport(report())).toContain("<dd>none</dd>");
  });
});
