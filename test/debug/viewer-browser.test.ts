/**
 * `wink debug` in real headless Chromium (Debian's `chromium`, driven by playwright-core): open
 * the bundle of a failed run, see the error on the overview, find the failing tool call in the
 * timeline, filter the logs to ERROR with the form, open a workspace file. Saves a screenshot of
 * the timeline as a test artefact (.tmp/artifacts/wink-debug-timeline.png; docs/images holds a
 * copy).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BundleViewer, serveBundles } from "../../src/debug/index.js";
import { launchChromium } from "../support/chromium.js";
import { describeRequiring, systemPackages } from "../support/system-package.js";
import { writeFailedRun } from "./fixtures/failed-run.js";

const SCREENSHOT = join(import.meta.dirname, "..", "..", ".tmp", "artifacts", "wink-debug-timeline.png");

describeRequiring([systemPackages({ chromium: "chromium" })], "wink debug in a browser", () => {
  let dir: string;
  let viewer: BundleViewer;
  let browser: Browser;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wink-viewer-browser-"));
    await writeFailedRun(dir);
    viewer = await serveBundles(dir, { port: 0 });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await viewer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("leads from the list to the error, the failing tool call, the ERROR logs and a workspace file", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
    await page.goto(viewer.url);
    await page.getByRole("link", { name: "run-failed" }).click();
    await expect
      .poll(() => page.locator("#error").textContent())
      .toContain("openai request failed with status 500");

    await page.getByRole("link", { name: "timeline" }).click();
    const failing = page.locator('tr.error[data-kind="tool"]');
    await expect.poll(() => failing.count()).toBe(1);
    expect(await failing.textContent()).toContain("fetch_page");
    await failing.locator("summary").click();
    expect(await failing.locator("pre").textContent()).toContain(
      "connection refused <script>alert(1)</script>",
    );
    await mkdir(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByRole("link", { name: "logs" }).click();
    await page.locator('select[name="level"]').selectOption("error");
    await page.getByRole("button", { name: "filter" }).click();
    await expect.poll(() => page.url()).toContain("level=error");
    const levels = await page
      .locator("tr[data-level]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-level")));
    expect(levels).toEqual(["error"]);

    await page.getByRole("link", { name: "files" }).click();
    await page.getByRole("link", { name: "filesystem/review.md" }).click();
    expect(await page.locator("#file").textContent()).toContain("get() has no timeout.");
    await page.close();
  }, 30_000);
});
