/**
 * SQL over debug bundles: one bundle or a directory of them loaded into an in-memory SQLite
 * database (sql.js, SQLite compiled to WebAssembly: no native build, an optional peer), so
 * questions across many runs ("which tool failed most", "p95 model-call latency") are one
 * statement. `wink query` is the command-line face of it.
 *
 * Tables: `bundles`, `model_calls` (from the transcript), `tool_calls` (the sessions'
 * `ToolInvoked`), `logs`, `errors`, `session_slices`, `files`, `metrics`. {@link BUNDLE_SCHEMA}
 * lists their columns.
 *
 * @example
 * ```ts
 * import { BundleDatabase } from "weakincentives/debug";
 *
 * const db = await BundleDatabase.open("/debug/bundles");
 * const worst = db.query(
 *   "SELECT name, COUNT(*) AS failures FROM tool_calls WHERE success = 0 GROUP BY name ORDER BY failures DESC LIMIT 1",
 * );
 * console.log(worst.rows);
 * db.close();
 * ```
 */

import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "sql.js";
import { WinkError } from "../errors.js";
import { type BundleLogRecord, DebugBundle } from "./load.js";
import { listBundles } from "./retention.js";

/** The tables, as `CREATE TABLE` statements (what `wink query --schema` prints). */
export const BUNDLE_SCHEMA = `CREATE TABLE bundles (bundle_id TEXT PRIMARY KEY, request_id TEXT, run_id TEXT, attempt INTEGER, status TEXT, created_at TEXT, session_id TEXT, path TEXT, bytes INTEGER);
CREATE TABLE model_calls (bundle_id TEXT, seq INTEGER, time TEXT, latency_ms REAL, input_tokens INTEGER, output_tokens INTEGER, tool_calls INTEGER, text TEXT);
CREATE TABLE tool_calls (bundle_id TEXT, seq INTEGER, name TEXT, success INTEGER, call_id TEXT, adapter TEXT, params TEXT, message TEXT, created_at TEXT, duration_ms REAL);
CREATE TABLE logs (bundle_id TEXT, seq INTEGER, time TEXT, level TEXT, logger TEXT, event TEXT, message TEXT, context TEXT);
CREATE TABLE errors (bundle_id TEXT, type TEXT, code TEXT, message TEXT, stack TEXT, details TEXT);
CREATE TABLE session_slices (bundle_id TEXT, type TEXT, policy TEXT, items INTEGER, json TEXT);
CREATE TABLE files (bundle_id TEXT, path TEXT, bytes INTEGER, sha256 TEXT);
CREATE TABLE metrics (bundle_id TEXT, name TEXT, value REAL);`;

/** One value of a result row, as SQLite gives it. */
export type SqlCell = string | number | Uint8Array | null;

/** The rows of one query. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlCell[])[];
}

type Row = readonly SqlCell[];

/** Debug bundles as SQLite tables; see the module doc. Close it when done. */
export class BundleDatabase {
  private constructor(
    private readonly db: Database,
    /** How many bundles were loaded. */
    readonly bundles: number,
  ) {}

  /** Load the bundle at `path`, or every bundle directly under it. */
  static async open(path: string): Promise<BundleDatabase> {
    const db = new (await sqlJs()).Database();
    db.run(BUNDLE_SCHEMA);
    const dirs = await bundleDirs(path);
    db.run("BEGIN");
    for (const dir of dirs) insertBundle(db, await readBundle(dir));
    db.run("COMMIT");
    return new BundleDatabase(db, dirs.length);
  }

  /** Run one SQL statement; a bad one throws a `WinkError` with SQLite's message. */
  query(sql: string): QueryResult {
    let results: ReturnType<Database["exec"]>;
    try {
      results = this.db.exec(sql);
    } catch (error) {
      throw new WinkError(
        "invalid_argument",
        `SQL failed: ${error instanceof Error ? error.message : String(error)}. See the tables with --schema.`,
        { details: { sql } },
      );
    }
    const last = results.at(-1);
    return { columns: last?.columns ?? [], rows: last?.values ?? [] };
  }

  close(): void {
    this.db.close();
  }
}

/** sql.js, loaded only when a query runs (an optional peer). */
async function sqlJs(): Promise<Awaited<ReturnType<typeof import("sql.js")["default"]>>> {
  try {
    const module = await import("sql.js");
    return await module.default();
  } catch (error) {
    throw new WinkError(
      "invalid_config",
      "wink query needs the optional peer sql.js (SQLite in WebAssembly). Install it: npm install sql.js",
      { cause: error },
    );
  }
}

async function bundleDirs(path: string): Promise<string[]> {
  try {
    await stat(join(path, "manifest.json"));
    return [path];
  } catch {
    const entries = await listBundles(path);
    if (entries.length === 0) {
      throw new WinkError(
        "invalid_argument",
        `"${path}" is neither a debug bundle nor a directory holding any. Give a bundle directory or DEBUG_BUNDLE_PATH.`,
      );
    }
    return entries.map((entry) => entry.path);
  }
}

/** Everything of one bundle the tables need, already shaped as rows. */
interface BundleRows {
  readonly bundle: Row;
  readonly modelCalls: Row[];
  readonly toolCalls: Row[];
  readonly logs: Row[];
  readonly errors: Row[];
  readonly slices: Row[];
  readonly files: Row[];
  readonly metrics: Row[];
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const num = (value: unknown): number | null => (typeof value === "number" ? value : null);
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** Load the bundle at `dir` and shape what each table needs as rows. */
async function readBundle(dir: string): Promise<BundleRows> {
  const loaded = await DebugBundle.load(dir);
  const { manifest } = loaded;
  const id = manifest.bundleId;
  const bytes = manifest.files.reduce((sum, file) => sum + file.bytes, 0);
  const logLines = await loaded.logRecords();
  const answers = logLines.filter((line) => line.event === "provider.response");
  const modelCalls = modelCallRows(id, answers);
  const slices = loaded.sessionSlices();
  const toolCalls = toolCallRows(id, loaded.sliceItems("ToolInvoked"));
  const error = loaded.error as Record<string, unknown> | undefined;
  return {
    bundle: bundleRow(loaded, bytes),
    modelCalls,
    toolCalls,
    logs: logRows(id, logLines),
    errors: error ? [errorRow(id, error)] : [],
    slices: slices.map(
      (slice): Row => [id, slice.type, json(slice.policy), slice.items.length, JSON.stringify(slice.items)],
    ),
    files: manifest.files.map((file): Row => [id, file.path, file.bytes, file.sha256]),
    metrics: metricRows(id, { modelCalls, toolCalls, answers, bytes }),
  };
}

/** The `bundles` row: the manifest's ids and status, where the bundle is and its size. */
function bundleRow(loaded: DebugBundle, bytes: number): Row {
  const { manifest } = loaded;
  return [
    manifest.bundleId,
    manifest.requestId,
    manifest.runId,
    manifest.attempt,
    manifest.status,
    manifest.createdAt,
    manifest.sessionId ?? null,
    loaded.path,
    bytes,
  ];
}

/** `model_calls` rows, one per `provider.response` record (the model's answers). */
function modelCallRows(id: string, answers: readonly BundleLogRecord[]): Row[] {
  return answers.map((line, seq): Row => {
    const context = line.context;
    const calls = Array.isArray(context.toolCalls) ? context.toolCalls.length : num(context.toolCalls);
    return [
      id,
      seq,
      str(line.time),
      num(context.latencyMs),
      num(context.inputTokens),
      num(context.outputTokens),
      calls,
      str(context.text),
    ];
  });
}

/** `tool_calls` rows, one per `ToolInvoked` item of the session. */
function toolCallRows(id: string, calls: readonly Readonly<Record<string, unknown>>[]): Row[] {
  return calls.map((call, seq): Row => {
    return [
      id,
      seq,
      str(call.name),
      call.success === true ? 1 : 0,
      str(call.callId),
      str(call.adapter),
      json(call.params),
      str(call.message),
      str(call.createdAt),
      num(call.durationMs),
    ];
  });
}

/** `logs` rows, one per log record, its context as JSON. */
function logRows(id: string, logLines: readonly BundleLogRecord[]): Row[] {
  return logLines.map(
    (line, seq): Row => [
      id,
      seq,
      str(line.time),
      str(line.level),
      str(line.logger),
      str(line.event),
      str(line.message),
      json(line.context),
    ],
  );
}

/** The `errors` row of a failed request's `request/error.json`. */
function errorRow(id: string, error: Record<string, unknown>): Row {
  return [id, str(error.type), str(error.code), str(error.message), str(error.stack), json(error.details)];
}

/** What the `metrics` rows are counted from. */
interface MetricSources {
  readonly modelCalls: readonly Row[];
  readonly toolCalls: readonly Row[];
  readonly answers: readonly BundleLogRecord[];
  readonly bytes: number;
}

/** `metrics` rows: counts, tool time and tokens summed over the bundle. */
function metricRows(id: string, { modelCalls, toolCalls, answers, bytes }: MetricSources): Row[] {
  return [
    [id, "model_calls", modelCalls.length],
    [id, "tool_calls", toolCalls.length],
    // Columns 3 and 9 of a tool_calls row: success and duration_ms.
    [id, "tool_failures", toolCalls.filter((row) => row[3] === 0).length],
    [id, "tool_ms", toolCalls.reduce((sum, row) => sum + (typeof row[9] === "number" ? row[9] : 0), 0)],
    [id, "input_tokens", contextSum(answers, "inputTokens")],
    [id, "output_tokens", contextSum(answers, "outputTokens")],
    [id, "bytes", bytes],
  ];
}

/** The sum of a numeric context field over `records` (missing or non-numbers count 0). */
function contextSum(records: readonly BundleLogRecord[], key: string): number {
  return records.reduce((sum, line) => sum + (num(line.context[key]) ?? 0), 0);
}

function insertBundle(db: Database, rows: BundleRows): void {
  const insert = (table: string, values: readonly Row[]): void => {
    const first = values[0];
    if (!first) return;
    const statement = db.prepare(`INSERT INTO ${table} VALUES (${first.map(() => "?").join(", ")})`);
    try {
      for (const row of values) statement.run([...row]);
    } finally {
      statement.free();
    }
  };
  insert("bundles", [rows.bundle]);
  insert("model_calls", rows.modelCalls);
  insert("tool_calls", rows.toolCalls);
  insert("logs", rows.logs);
  insert("errors", rows.errors);
  insert("session_slices", rows.slices);
  insert("files", rows.files);
  insert("metrics", rows.metrics);
}
