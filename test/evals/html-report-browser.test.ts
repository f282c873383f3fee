/**
 * The HTML report of an evaluation in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): opened from disk, it fetches nothing but itself, logs no error, draws its
 * three charts with the expected bars, and links failed trials to their debug bundles.
 *
 * With `WINK_SCREENSHOT=<path>` set, it also saves a full-page PNG of the report there; the docs
 * screenshot is made so:
 * `WINK_SCREENSHOT=docs/images/eval-report.png npx vitest run test/evals/html-report-browser`.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { experimentReport } from "../../src/evals/experiment.js";
import { renderHtmlReport } from "../../src/evals/html-report.js";
import { type EvalResult, summarize } from "../../src/evals/run.js";
import { BASELINE, experiment } from "../../src/experiment.js";
import { launchChromium } from "../support/chromium.js";
import { describeRequiring, systemPackages } from "../support/system-package.js";

const BUNDLES = "/var/lib/wink/bundles";

/** id, baseline score and reason, strict-review score and reason: a code-review agent's dataset. */
const SAMPLES: readonly [string, number, string, number, string][] = [
  ["pr-1042-null-check", 1, "Flagged the unchecked null return.", 1, "Flagged the unchecked null return."],
  [
    "pr-1043-sql-injection",
    0.5,
    "Noticed the string-built query but missed the injection.",
    1,
    "Named the SQL injection and the fix (bind parameters).",
  ],
  [
    "pr-1051-race-condition",
    0.25,
    "Missed the unsynchronized counter.",
    0.75,
    "Found the race on the shared counter; no fix suggested.",
  ],
  [
    "pr-1057-typo-only",
    1,
    "Approved a typo fix without noise.",
    0.5,
    "Raised 4 style nits on a one-word typo fix.",
  ],
  [
    "pr-1060-timeout",
    1,
    "Asked for a timeout on the HTTP call.",
    1,
    "Asked for a timeout and a retry budget on the HTTP call.",
  ],
  ["pr-1066-unused-import", 1, "Noted the unused import.", 1, "Noted the unused import."],
  [
    "pr-1071-off-by-one",
    0,
    "Did not see the off-by-one in the pagination loop.",
    1,
    "Found the off-by-one in the pagination loop.",
  ],
  ["pr-1074-docs", 1, "Approved a docs-only change.", 0.25, "Blocked a docs-only change over heading style."],
  [
    "pr-1080-secret-in-log",
    1,
    "Caught the API key written to the log.",
    1,
    "Caught the API key written to the log.",
  ],
  [
    "pr-1083-n-plus-one",
    0.75,
    "Mentioned slowness, not the N+1 query.",
    0.75,
    "Named the N+1 query; suggested a join.",
  ],
  ["pr-1089-error-swallowed", 1, "Found the swallowed exception.", 1, "Found the swallowed exception."],
  [
    "pr-1092-big-refactor",
    0.75,
    "Summarized the refactor; one real issue found.",
    0.75,
    "Summarized the refactor; one real issue found.",
  ],
  [
    "pr-1095-date-parsing",
    1,
    "Flagged the local-time date parsing.",
    1,
    "Flagged the local-time date parsing.",
  ],
  [
    "pr-1101-config-default",
    0.75,
    "Questioned the new default.",
    0.5,
    "Questioned the default but misread the config schema.",
  ],
  [
    "pr-1104-retry-loop",
    1,
    "Spotted the retry loop without backoff.",
    1,
    "Spotted the retry loop without backoff.",
  ],
  ["pr-1107-huge-diff", 0, "", 0, ""],
  [
    "pr-1110-test-flake",
    1,
    "Linked the flake to the shared temp dir.",
    1,
    "Linked the flake to the shared temp dir.",
  ],
  ["pr-1113-permissions", 0.5, "Missed the world-writable file mode.", 1, "Flagged the 0777 file mode."],
  ["pr-1118-rename", 1, "Approved a mechanical rename.", 1, "Approved a mechanical rename."],
  [
    "pr-1121-memory-leak",
    0.75,
    "Found the listener never removed.",
    0.75,
    "Found the listener never removed.",
  ],
];

function results(name: string, side: 0 | 1): EvalResult<unknown>[] {
  return SAMPLES.map((row, index) => {
    const value = row[1 + side * 2] as number;
    const reason = row[2 + side * 2] as string;
    const base = {
      sampleId: row[0],
      trial: 0,
      experiment: name,
      latencyMs: 4_200 + side * 1_150 + ((index * 1_337) % 9_000),
    };
    const bundlePath = `${BUNDLES}/${row[0]}-${name}.zip`;
    if (reason === "") {
      const error = "openai request failed with status 504 (gateway timeout) after 3 attempts";
      const score = { value: 0, passed: false, reason: `The agent failed: ${error}`, error };
      return { ...base, score, agentError: error, bundlePath };
    }
    const passed = value >= 0.75;
    const costUsd = (side === 0 ? 0.012 : 0.019) + (index % 5) * 0.003;
    return { ...base, score: { value, passed, reason }, costUsd, ...(passed ? {} : { bundlePath }) };
  });
}

/** The code-review dataset under the baseline and `strict-review` (overrides tag `strict`). */
function codeReviewReport() {
  const strict = experiment("strict-review", { overridesTag: "strict" });
  const runs = [BASELINE, strict].map((each, side) => {
    const list = results(each.name, side as 0 | 1);
    return { experiment: each, report: { dataset: "code-review", results: list, summary: summarize(list) } };
  });
  return experimentReport("code-review", 1, runs, "2025-06-12T09:41:07.512Z");
}

describeRequiring([systemPackages({ chromium: "chromium" })], "the eval report in a browser", () => {
  let dir: string;
  let file: string;
  let browser: Browser;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wink-eval-report-"));
    file = join(dir, "report.html");
    await writeFile(file, renderHtmlReport(codeReviewReport(), { title: "Code review: strict prompts" }));
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("loads from disk alone, without errors, and draws every chart with its bars", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("request", (request) => requests.push(request.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url);

    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    // The inline style sheet applies (the Content-Security-Policy allows it).
    expect(
      await page
        .locator("main")
        .evaluate((main) => main.ownerDocument.defaultView?.getComputedStyle(main).maxWidth),
    ).toBe("1060px");

    const bars = { "#chart-scores": 20, "#chart-pass-rate": 2, "#chart-cost": 2 };
    for (const [chart, count] of Object.entries(bars)) {
      const box = await page.locator(`${chart} svg[role="img"]`).boundingBox();
      expect(box?.width, chart).toBeGreaterThan(300);
      expect(box?.height, chart).toBeGreaterThan(100);
      expect(await page.locator(`${chart} rect.bar`).count(), chart).toBe(count);
    }
    const heights = await page
      .locator("#chart-pass-rate rect.bar")
      .evaluateAll((rects) => rects.map((rect) => rect.getBoundingClientRect().height));
    expect(heights.every((height) => height > 0)).toBe(true);

    const screenshot = process.env.WINK_SCREENSHOT;
    if (screenshot) {
      await mkdir(dirname(resolve(screenshot)), { recursive: true });
      await page.screenshot({ path: resolve(screenshot), fullPage: true });
    }
    await page.close();
  }, 30_000);

  it("lists one summary row per experiment and links failed trials to their bundles", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(pathToFileURL(file).href);
    const rows = await page
      .locator("#summary tbody tr")
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-experiment")));
    expect(rows).toEqual(["baseline", "strict-review"]);
    expect(await page.locator('#summary tr[data-experiment="strict-review"]').textContent()).toContain("pp");

    const link = page.locator('#failures-baseline tr[data-sample="pr-1107-huge-diff"] a.bundle');
    expect(await link.getAttribute("href")).toBe(
      pathToFileURL(`${BUNDLES}/pr-1107-huge-diff-baseline.zip`).href,
    );
    const changes = await page
      .locator("#diff-strict-review > table tbody tr")
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-change")));
    expect(changes[0]).toBe("regressed");
    expect(changes).toContain("improved");
    await page.close();
  }, 30_000);
});
