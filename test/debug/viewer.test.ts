/** The bundle viewer's HTTP surface: pages, deep links, filters, escaping and refusals. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BundleViewer, serveBundles } from "../../src/debug/index.js";
import { writeFailedRun } from "./fixtures/failed-run.js";

let dir: string;
let viewer: BundleViewer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wink-viewer-"));
  await writeFailedRun(dir);
  viewer = await serveBundles(dir, { port: 0 });
});
afterAll(async () => {
  await viewer.close();
  await rm(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await fetch(new URL(path, viewer.url), { redirect: "manual" });
  return { status: response.status, headers: response.headers, html: await response.text() };
};

describe("wink debug pages", () => {
  it("lists the bundles newest first, marking the failed one", async () => {
    const { status, html, headers } = await get("/");
    expect(status).toBe(200);
    expect(headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(html.indexOf("run-ok")).toBeLessThan(html.indexOf("run-failed"));
    expect(html).toMatch(/<td class="fail">error<\/td><td><a href="\/b\/run-failed">/);
  });

  it("shows the error, counts and tokens on the overview", async () => {
    const { html } = await get("/b/run-failed");
    expect(html).toContain("PromptEvaluationError: openai request failed with status 500");
    expect(html).toContain('2 answered, <span class="fail">1 failed</span> (1452 ms in all)');
    expect(html).toContain("2 (1 failed; 57 ms in all)");
    expect(html).toContain("2500 in, 70 out");
  });

  it("orders the timeline and marks the failed tool call, escaping what the bundle holds", async () => {
    const { html } = await get("/b/run-failed/timeline");
    const order = [
      "asks for read_file",
      ">read_file<",
      "asks for fetch_page",
      ">fetch_page<",
      "provider error",
    ];
    const positions = order.map((text) => html.indexOf(text));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html).toMatch(/<tr class="error" data-kind="tool">.*fetch_page/);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("filters logs by level and text through the URL", async () => {
    const errors = (await get("/b/run-failed/logs?level=error")).html;
    expect(errors).toContain("1 of 4");
    expect(errors).toContain("provider.error");
    expect(errors).not.toContain("tool.executed");
    expect((await get("/b/run-failed/logs?q=fetch_page")).html).toContain("2 of 4");
  });

  it("shows the transcript, session, request and files", async () => {
    expect((await get("/b/run-failed/transcript")).html).toContain("Turn 2 · 640 ms");
    expect((await get("/b/run-failed/session")).html).toContain("ToolInvoked (2)");
    expect((await get("/b/run-failed/request")).html).toContain("Add an HTTP helper");
    const files = (await get("/b/run-failed/files")).html;
    expect(files).toContain('href="/b/run-failed/files/filesystem/review.md"');
    expect((await get("/b/run-failed/files/filesystem/review.md")).html).toContain("get() has no timeout.");
  });

  it("refuses unknown pages, bundles, files and paths out of the directory", async () => {
    expect((await get("/b/nope")).status).toBe(404);
    expect((await get("/b/run-failed/nope")).status).toBe(404);
    expect((await get("/b/run-failed/files/manifest.json.bak")).status).toBe(404);
    expect((await get("/b/..%2F..%2Fetc/files/passwd")).status).toBe(404);
    expect((await get("/b/run-failed/files/..%2F..%2Fsecret.txt")).status).toBe(404);
    expect((await get("/elsewhere")).status).toBe(404);
  });

  it("serves a single bundle, redirecting the root to it", async () => {
    const one = await serveBundles(join(dir, "run-ok"), { port: 0 });
    try {
      const response = await fetch(one.url, { redirect: "manual" });
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe("/b/run-ok");
      expect((await fetch(new URL("/b/run-failed", one.url))).status).toBe(404);
    } finally {
      await one.close();
    }
  });
});
