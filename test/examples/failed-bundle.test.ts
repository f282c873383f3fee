/**
 * A failed request of the example worker leaves a complete bundle: every file the format lists,
 * checksums that verify (and catch tampering), and no trace of a planted key in any file, though
 * the key was in the request, in a tool's arguments, in a workspace file and in the provider's
 * error. Runs the example as a user does (a child process on the sources).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DebugBundle } from "../../src/debug/index.js";

const KEY = "sk-proj-PLANTEDplantedPLANTED0123456789abcdef";
let target: string;
let bundlePath: string;

beforeAll(async () => {
  target = await mkdtemp(join(tmpdir(), "wink-failed-bundle-"));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--conditions=wink-source", "--import", "tsx", "test/examples/fixtures/failed-bundle.ts"],
    {
      env: { ...process.env, PLANTED_KEY: KEY, BUNDLE_TARGET: target, WEAKINCENTIVES_LOG_LEVEL: "critical" },
    },
  );
  const reply = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
    success: boolean;
    bundlePath: string;
  };
  expect(reply.success).toBe(false);
  bundlePath = reply.bundlePath;
}, 60_000);
afterAll(() => rm(target, { recursive: true, force: true }));

async function allFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await allFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe("the bundle of a failed request of the example worker", () => {
  it("holds every file, and they verify", async () => {
    const bundle = await DebugBundle.load(bundlePath);
    expect(bundle.manifest.status).toBe("error");
    expect((await allFiles(bundlePath)).filter((f) => f !== "manifest.json")).toEqual(
      [
        "README.md",
        "environment.json",
        "filesystem/notes.md",
        "filesystem/repo/README.md",
        "filesystem/repo/src/http.ts",
        "filesystem/repo/src/retry.ts",
        "logs/records.jsonl",
        "metrics.json",
        "request/error.json",
        "request/input.json",
        "run.json",
        "session/after.jsonl",
        "session/before.jsonl",
        "transcript.jsonl",
      ].sort(),
    );
    await expect(bundle.verifyIntegrity()).resolves.toBe(true);
    // The workspace as the evaluation left it (copied before it was deleted), the key redacted.
    expect(await bundle.readFile("filesystem/notes.md")).toBe("token [REDACTED]");
    const transcript = (await bundle.readFile("transcript.jsonl")) ?? "";
    expect(transcript).toContain('"name":"read_file"');
    const after = (await bundle.readFile("session/after.jsonl")) ?? "";
    expect(after).toContain('"name":"write_file"');
    expect(after).toMatch(/"durationMs":\d/); // the executor times each tool call
    expect(JSON.stringify(bundle.error)).toContain("400");
    const metrics = JSON.parse((await bundle.readFile("metrics.json")) ?? "{}");
    expect(metrics).toMatchObject({
      modelCalls: 2,
      modelErrors: 1,
      toolCalls: 2,
      toolFailures: 0,
      tools: { read_file: { calls: 1, failures: 0 }, write_file: { calls: 1, failures: 0 } },
      phases: { prepareMs: expect.any(Number), evaluateMs: expect.any(Number) },
    });
    expect(metrics.phases.finalizeMs).toBeUndefined(); // the evaluation failed: no finalize
    expect(metrics.budget).toMatchObject({
      limits: { maxTotalTokens: 100_000 },
      consumed: { totalTokens: expect.any(Number) },
    });
    expect(metrics.budget.consumed.totalTokens).toBeGreaterThan(0);
    const run = JSON.parse((await bundle.readFile("run.json")) ?? "{}");
    expect(run).toMatchObject({
      loop: "reviews",
      settings: { adapter: "openai", model: "scripted", concurrency: 1 },
    });
    expect(run.durationMs).toBeTypeOf("number");
  });

  it("holds no trace of the planted key in any file", async () => {
    for (const file of await allFiles(bundlePath)) {
      const text = await readFile(join(bundlePath, file), "utf8");
      expect(text.includes(KEY), `${file} holds the key`).toBe(false);
      expect(text.includes("PLANTEDplanted"), `${file} holds part of the key`).toBe(false);
    }
  });

  it("detects tampering", async () => {
    await writeFile(join(bundlePath, "request", "input.json"), '{"request":"changed"}\n');
    await expect((await DebugBundle.load(bundlePath)).verifyIntegrity()).resolves.toBe(false);
  });
});
