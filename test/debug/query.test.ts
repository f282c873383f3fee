/**
 * SQL over debug bundles: fixture bundles with known tool calls and model-call latencies, and the
 * two questions the troubleshooting guide asks, each in one statement, through the library and
 * through `wink query`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addQueryCommand } from "../../src/cli/query.js";
import { FakeClock } from "../../src/clock.js";
import { BundleDatabase, writeBundle } from "../../src/debug/index.js";
import { ToolInvoked } from "../../src/events/index.js";
import type { CapturedRecord } from "../../src/logging/index.js";
import { Session } from "../../src/session/index.js";

let dir: string;

/** Bundle i: tools called, `search` failing in bundles 0-2, `fetch` failing in bundle 0. */
const TOOLS: readonly (readonly [string, boolean])[][] = [
  [
    ["search", false],
    ["fetch", false],
    ["search", true],
  ],
  [
    ["search", false],
    ["fetch", true],
  ],
  [["search", false]],
  [
    ["fetch", true],
    ["search", true],
  ],
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wink-query-"));
  const clock = new FakeClock();
  for (const [i, tools] of TOOLS.entries()) {
    const session = new Session({ clock });
    for (const [seq, [name, success]] of tools.entries()) {
      session.dispatch(
        ToolInvoked.create({
          eventId: `e-${i}-${seq}`,
          createdAt: clock.now().toISOString(),
          adapter: "openai",
          promptName: "p",
          name,
          params: { q: seq },
          result: null,
          success,
          isError: !success,
          message: success ? "ok" : "boom",
          renderedOutput: success ? "ok" : "boom",
          durationMs: (seq + 1) * 5,
        }),
      );
    }
    // Five model calls per bundle: latencies 10, 20, … 200 ms over the 20 calls.
    const logs: CapturedRecord[] = Array.from({ length: 5 }, (_, k) => ({
      time: clock.now().toISOString(),
      level: "debug",
      logger: "weakincentives.adapters",
      event: "provider.response",
      message: "Provider answered.",
      context: { latencyMs: (i * 5 + k + 1) * 10, inputTokens: 100, outputTokens: 10, toolCalls: [] },
    }));
    await writeBundle(
      { target: dir },
      {
        requestId: `r-${i}`,
        runId: `run-${i}`,
        attempt: 1,
        input: {},
        ...(i === 3 ? { error: { type: "DeadlineExceededError", message: "late" } } : { output: {} }),
        session,
        logs,
        clock,
      },
    );
    clock.advance(1000);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const MOST_FAILED =
  "SELECT name, COUNT(*) AS failures FROM tool_calls WHERE success = 0 GROUP BY name ORDER BY failures DESC LIMIT 1";
const P95 = `SELECT latency_ms AS p95 FROM (
  SELECT latency_ms, ROW_NUMBER() OVER (ORDER BY latency_ms) AS n, COUNT(*) OVER () AS total FROM model_calls
) WHERE n = CAST(0.95 * total + 0.999999 AS INTEGER)`;

describe("BundleDatabase", () => {
  it("answers 'which tool failed most' and 'p95 model-call latency' in one statement each", async () => {
    const db = await BundleDatabase.open(dir);
    try {
      expect(db.bundles).toBe(4);
      expect(db.query(MOST_FAILED).rows).toEqual([["search", 3]]);
      expect(db.query(P95).rows).toEqual([[190]]);
    } finally {
      db.close();
    }
  });

  it("fills every table", async () => {
    const db = await BundleDatabase.open(dir);
    try {
      const count = (table: string): unknown => db.query(`SELECT COUNT(*) FROM ${table}`).rows[0]?.[0];
      expect(count("bundles")).toBe(4);
      expect(count("model_calls")).toBe(20);
      expect(count("tool_calls")).toBe(8);
      expect(db.query("SELECT MAX(duration_ms) FROM tool_calls").rows).toEqual([[15]]);
      expect(count("logs")).toBe(20);
      expect(db.query("SELECT bundle_id, type, message FROM errors").rows).toEqual([
        ["run-3", "DeadlineExceededError", "late"],
      ]);
      expect(count("files")).toBeGreaterThan(20);
      expect(
        db.query("SELECT value FROM metrics WHERE bundle_id = 'run-0' AND name = 'tool_failures'").rows,
      ).toEqual([[2]]);
      expect(
        db.query("SELECT items FROM session_slices WHERE bundle_id = 'run-0' AND type = 'ToolInvoked'").rows,
      ).toEqual([[3]]);
    } finally {
      db.close();
    }
  });

  it("opens a single bundle, and refuses a path holding none", async () => {
    const db = await BundleDatabase.open(join(dir, "run-1"));
    expect(db.query("SELECT bundle_id FROM bundles").rows).toEqual([["run-1"]]);
    db.close();
    await expect(BundleDatabase.open(join(dir, "run-1", "request"))).rejects.toThrow(
      /neither a debug bundle/,
    );
  });

  it("names SQLite's complaint and where to look", async () => {
    const db = await BundleDatabase.open(dir);
    try {
      expect(() => db.query("SELECT nope FROM bundles")).toThrow(
        /SQL failed: no such column: nope\. See the tables with --schema/,
      );
    } finally {
      db.close();
    }
  });
});

describe("wink query", () => {
  async function wink(...args: string[]): Promise<string[]> {
    const lines: string[] = [];
    const program = new Command("wink").exitOverride();
    addQueryCommand(program, { out: (line) => lines.push(line) });
    await program.parseAsync(["node", "wink", "query", ...args]);
    return lines;
  }

  it("prints a table, JSON or CSV", async () => {
    expect(await wink(dir, MOST_FAILED)).toEqual(["name    failures", "------  --------", "search  3"]);
    expect(await wink(dir, MOST_FAILED, "--format", "json")).toEqual(['{"name":"search","failures":3}']);
    expect(await wink(dir, "SELECT 'a,b' AS x, NULL AS y", "--format", "csv")).toEqual(["x,y", '"a,b",']);
  });

  it("prints the schema, and refuses a missing statement or format", async () => {
    expect((await wink(dir, "--schema")).some((l) => l.startsWith("CREATE TABLE tool_calls"))).toBe(true);
    await expect(wink(dir)).rejects.toThrow(/needs SQL/);
    await expect(wink(dir, "SELECT 1", "--format", "xml")).rejects.toThrow(
      /--format must be table, json or csv, got "xml"/,
    );
  });
});
