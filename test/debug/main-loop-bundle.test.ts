import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DebugBundle } from "../../src/debug/index.js";
import { BudgetExceededError, WinkError } from "../../src/errors.js";
import { FilesystemKey, InMemoryFilesystem } from "../../src/filesystem/index.js";
import { resetLogging } from "../../src/logging/index.js";
import { Binding, ResourceRegistry } from "../../src/resources/index.js";
import { captureLogs } from "../logging/capture.js";
import { envelope, failing, scripted, setup } from "../runtime/main-loop/fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wink-loop-bundle-"));
});
afterEach(async () => {
  resetLogging();
  await rm(dir, { recursive: true, force: true });
});

describe("MainLoop with debugBundle", () => {
  it("replies with a bundlePath that loads (scenario 15)", async () => {
    const { adapter } = scripted([{ text: '{"answer": "42"}' }]);
    const filesystem = new InMemoryFilesystem({ ".env": "DEBUG=1\n" });
    const resources = ResourceRegistry.of(Binding.instance(FilesystemKey, filesystem));
    const { loop, requests, results } = setup(adapter, { debugBundle: { target: dir }, resources });
    await requests.send(envelope("meaning of life", "req-1"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({ success: true, output: { answer: "42" } });
    const bundlePath = reply?.body.bundlePath;
    expect(bundlePath).toBeTypeOf("string");
    const bundle = await DebugBundle.load(bundlePath ?? "");
    expect(bundle.manifest).toMatchObject({
      requestId: "req-1",
      runId: reply?.body.runId,
      attempt: 1,
      status: "success",
      sessionId: reply?.body.sessionId,
    });
    expect(bundle.input).toMatchObject({ request: { question: "meaning of life" }, requestId: "req-1" });
    expect(bundle.output).toEqual({ answer: "42" });
    expect(bundle.sessionLines).toHaveLength(1);
    expect(await bundle.readFile("filesystem/.env")).toBe("DEBUG=1\n");
    await expect(bundle.verifyIntegrity()).resolves.toBe(true);
  });

  it("writes each attempt's own log records, DEBUG included, whatever the threshold", async () => {
    const { adapter } = scripted([{ text: '{"answer": "1"}' }, { text: '{"answer": "2"}' }]);
    const { loop, requests, results } = setup(adapter, { debugBundle: { target: dir }, concurrency: 2 });
    await requests.send(envelope("first", "req-a"), { replyTo: results });
    await requests.send(envelope("second", "req-b"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const replies = await results.receive({ maxMessages: 2 });
    expect(replies).toHaveLength(2);
    for (const reply of replies) {
      const bundle = await DebugBundle.load(reply.body.bundlePath ?? "");
      const records = ((await bundle.readFile("logs/records.jsonl")) ?? "")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { level: string; event: string; context: { requestId?: string } });
      const events = records.map((r) => r.event);
      expect(events).toContain("adapter.evaluate.start"); // a DEBUG record, with the threshold at CRITICAL
      expect(events).toContain("adapter.evaluate.complete");
      expect(new Set(records.map((r) => r.context.requestId))).toEqual(new Set([reply.body.requestId]));
      // The transcript: the model's answer with its latency, from the same records.
      const transcript = ((await bundle.readFile("transcript.jsonl")) ?? "")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { event: string; context: { latencyMs?: number; text?: string } });
      expect(transcript.map((t) => t.event)).toEqual(["provider.request", "provider.response"]);
      expect(transcript[1]?.context.latencyMs).toBeTypeOf("number");
      expect(transcript[1]?.context.text).toMatch(/^\{"answer": "[12]"\}$/);
      await expect(bundle.verifyIntegrity()).resolves.toBe(true);
    }
  });

  it("writes a bundle with error.json for a failing request", async () => {
    const { loop, requests, results } = setup(
      failing(() => new BudgetExceededError("total_tokens", "Budget exceeded: 600 > 500")),
      { debugBundle: { target: dir } },
    );
    await requests.send(envelope("q"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body.success).toBe(false);
    const bundle = await DebugBundle.load(reply?.body.bundlePath ?? "");
    expect(bundle.manifest.status).toBe("error");
    expect(bundle.error).toMatchObject({
      type: "BudgetExceededError",
      code: "budget_exceeded",
      details: { dimension: "total_tokens" },
      stack: expect.stringContaining("BudgetExceededError: Budget exceeded: 600 > 500"),
    });
    expect(bundle.output).toBeUndefined();
    // A failed run keeps its session (before and after) and how it ran.
    const paths = bundle.manifest.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "run.json",
        "session/before.jsonl",
        "session/after.jsonl",
        "logs/records.jsonl",
      ]),
    );
    expect(bundle.sessionLines).toHaveLength(1);
    const run = JSON.parse((await bundle.readFile("run.json")) ?? "{}");
    expect(run).toMatchObject({
      loop: "qa",
      deliveryCount: 1,
      runContext: { requestId: reply?.body.requestId },
    });
    await expect(bundle.verifyIntegrity()).resolves.toBe(true);
  });

  it("still succeeds and logs main_loop.bundle_failed when the bundle cannot be written", async () => {
    const logs = captureLogs({ level: "info" });
    const target = join(dir, "a-file");
    await writeFile(target, "x");
    const { adapter } = scripted([{ text: '{"answer": "ok"}' }]);
    const { loop, requests, results } = setup(adapter, { debugBundle: { target } });
    await requests.send(envelope("q", "req-f"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({ success: true, output: { answer: "ok" } });
    expect(reply?.body.bundlePath).toBeUndefined();
    const failed = logs.records().find((r) => r.event === "main_loop.bundle_failed");
    expect(failed?.context).toMatchObject({ requestId: "req-f" });
    expect(await requests.approximateCount()).toBe(0);
  });

  it("rejects an invalid debugBundle config at construction", () => {
    const { adapter } = scripted([]);
    expect(() => setup(adapter, { debugBundle: { target: "" } })).toThrow(WinkError);
  });

  it("writes no bundle and no bundlePath when debugBundle is off", async () => {
    const { adapter } = scripted([{ text: '{"answer": "x"}' }]);
    const { loop, requests, results } = setup(adapter);
    await requests.send(envelope("q"), { replyTo: results });
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body.bundlePath).toBeUndefined();
  });
});
