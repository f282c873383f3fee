/**
 * Debug bundles: one self-contained directory per request for post-mortem analysis.
 *
 * A bundle is a plain **directory**, so it can be inspected with `ls`, `cat` and `jq`;
 * `archiveBundle` makes its single-file form (a zip) for shipping, and `DebugBundle.load` reads
 * both. Layout:
 *
 * ```text
 * <target>/<bundleId>/
 *   manifest.json          bundleId, requestId, runId, attempt, status, createdAt, files[{path, bytes, sha256}], skipped[]
 *   request/input.json     the request envelope
 *   request/output.json    the typed output (success; an eval trial's scored result even when it failed)
 *   request/error.json     {type, code?, message} (failure)
 *   session/after.jsonl    the session snapshot, logs included (when the session is known)
 *   filesystem/<path>      each workspace file, dotfiles (`.env`) kept under their own name
 * ```
 *
 * Every text written passes through {@link redact} / {@link redactText}: nothing is skipped by
 * name; secrets inside content are replaced with `[REDACTED]`. Workspace files over
 * `maxFileSize` are skipped; once the bundle reaches `maxTotalSize`, the remaining workspace files
 * are skipped too (request and session files are always written). Both are listed under
 * `skipped` in the manifest. The bundle is built in a temporary directory beside the target and
 * renamed into place, so a reader never sees a half-written bundle.
 *
 * @example
 * ```ts nocheck
 * const path = await writeBundle({ target: "/debug/bundles" }, { requestId, runId, attempt: 1, input, output, session });
 * const bundle = await DebugBundle.load(path);
 * await bundle.verifyIntegrity(); // true
 * ```
 */

import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { type Clock, SYSTEM_CLOCK } from "../clock.js";
import { describeThrown, WinkError } from "../errors.js";
import type { Filesystem } from "../filesystem/index.js";
import { normalizeWorkspacePath } from "../filesystem/index.js";
import { type CapturedRecord, getLogger } from "../logging/index.js";
import { formatIssues, schemaIssues } from "../schema.js";
import { redact, redactText } from "../secrets/index.js";
import type { Session } from "../session/index.js";
import { BUNDLE_README, environmentFacts } from "./environment.js";
import {
  type BundleFile,
  type BundleManifest,
  inside,
  MANIFEST,
  type SkippedFile,
  sha256,
} from "./manifest.js";
import { bundleMetrics } from "./metrics.js";
import { pruneBundles, type RetentionPolicy, RetentionPolicySchema } from "./retention.js";

export type { BundleFile, BundleManifest, SkippedFile } from "./manifest.js";

const log = getLogger("weakincentives.debug");

/** Where and how bundles are written. */
export interface BundleConfig {
  /** Directory that receives one sub-directory per bundle; created when missing. */
  readonly target: string;
  /** Copy the bound workspace {@link Filesystem} into `filesystem/` (default `true`). */
  readonly captureFilesystem?: boolean;
  /** Workspace files larger than this many bytes are skipped (default 10,000,000). */
  readonly maxFileSize?: number;
  /** Stop adding workspace files once the bundle holds this many bytes (default 50 MiB). */
  readonly maxTotalSize?: number;
  /** Applied to `target` after every write, oldest bundles first (default: keep everything). */
  readonly retention?: RetentionPolicy;
  /**
   * Called once a bundle is complete (after retention): ship it elsewhere (S3, GCS). A failure is
   * logged (`debug.bundle.upload_failed`) and never fails the request.
   */
  readonly onWritten?: (path: string, manifest: BundleManifest) => void | Promise<void>;
}

/** Schema of {@link BundleConfig}. */
export const BundleConfigSchema = z
  .object({
    target: z.string().trim().min(1, "target must be a non-empty directory path"),
    captureFilesystem: z.boolean().optional(),
    maxFileSize: z.number().int().positive().optional(),
    maxTotalSize: z.number().int().positive().optional(),
    retention: RetentionPolicySchema.optional(),
    onWritten: z.custom<BundleConfig["onWritten"]>((value) => typeof value === "function").optional(),
  })
  .strict();

/** A {@link BundleConfig} with every default filled in. */
export type ResolvedBundleConfig = Required<Omit<BundleConfig, "retention" | "onWritten">> &
  Pick<BundleConfig, "retention" | "onWritten">;

/** Validate `config` and apply defaults; throws a `WinkError` (`invalid_config`) naming each problem. */
export function resolveBundleConfig(config: BundleConfig): ResolvedBundleConfig {
  const parsed = BundleConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new WinkError(
      "invalid_config",
      `Invalid BundleConfig:\n${formatIssues(schemaIssues(parsed.error))}\nExample: { target: "/debug/bundles", maxFileSize: 10_000_000 }.`,
    );
  }
  return {
    target: parsed.data.target,
    captureFilesystem: parsed.data.captureFilesystem ?? true,
    maxFileSize: parsed.data.maxFileSize ?? 10_000_000,
    maxTotalSize: parsed.data.maxTotalSize ?? 50 * 1024 * 1024,
    ...(config.retention ? { retention: config.retention } : {}),
    ...(config.onWritten ? { onWritten: config.onWritten } : {}),
  };
}

/** What goes into one bundle. */
export interface BundleContents {
  readonly requestId: string;
  readonly runId: string;
  readonly attempt: number;
  /** The request (envelope or payload); written redacted to `request/input.json`. */
  readonly input: unknown;
  /**
   * The output; written to `request/output.json` on success, and beside `error` when a failed
   * request still answered with a result (an eval trial that scored its agent's failure).
   */
  readonly output?: unknown;
  /** The failure; written to `request/error.json` (and the status becomes `error`). */
  readonly error?: unknown;
  /** Its snapshot (logs included) goes to `session/after.jsonl`. */
  readonly session?: Session;
  /** The session before the evaluation (a serialized snapshot), for `session/before.jsonl`. */
  readonly sessionBefore?: string;
  /** How the request ran (loop, mailbox, message, run context, limits), for `run.json`. */
  readonly run?: unknown;
  /** Phase timings and the budget's state, added to `metrics.json`. */
  readonly measures?: { readonly phases?: Readonly<Record<string, number>>; readonly budget?: unknown };
  /** This request's own log records, written to `logs/records.jsonl`. */
  readonly logs?: readonly CapturedRecord[];
  /** Copied into `filesystem/` when `captureFilesystem`. */
  readonly filesystem?: Filesystem;
  /** Directory name under the target (default `runId`). */
  readonly bundleId?: string;
  /** Source of `createdAt` (default the system clock). */
  readonly clock?: Clock;
}

/** The log records that make the model-turn transcript: each call's answer, latency and usage. */
const TRANSCRIPT_EVENTS: ReadonlySet<string> = new Set([
  "provider.request",
  "provider.response",
  "provider.error",
]);

/** A serialized session snapshot, redacted, as one JSONL line. */
function snapshotLine(line: string): string {
  return `${JSON.stringify(redact(JSON.parse(line) as unknown))}\n`;
}

function jsonLines(records: readonly unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join("");
}

function json(value: unknown): string {
  return `${JSON.stringify(redact(value) ?? null, null, 2)}\n`;
}

/**
 * Write one bundle under `config.target` and return its directory. Throws when the target cannot
 * be written (MainLoop logs that and carries on).
 */
export async function writeBundle(config: BundleConfig, contents: BundleContents): Promise<string> {
  const resolved = resolveBundleConfig(config);
  const clock = contents.clock ?? SYSTEM_CLOCK;
  const bundleId = contents.bundleId ?? contents.runId;
  checkBundleId(bundleId);
  const target = resolve(resolved.target);
  await mkdir(target, { recursive: true });
  const final = join(target, bundleId);
  const temp = join(target, `.tmp-${bundleId}-${randomUUID()}`);
  await mkdir(temp);
  const writer = new BundleWriter(temp);
  try {
    await writeFiles(writer, resolved, contents);
    const manifest = bundleManifest(bundleId, contents, clock, writer);
    await writeFile(join(temp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(temp, final);
    await afterWrite(resolved, final, manifest, clock);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return final;
}

/** Throw unless `bundleId` is a safe directory name: no separators, not hidden. */
function checkBundleId(bundleId: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(bundleId) || bundleId.startsWith(".")) {
    throw new WinkError(
      "invalid_argument",
      `Bundle id "${bundleId}" must be letters, digits, ".", "_" or "-" and not start with ".".`,
    );
  }
}

/** Writes the files of one bundle into its temporary directory and keeps the manifest's lists. */
class BundleWriter {
  readonly files: BundleFile[] = [];
  readonly skipped: SkippedFile[] = [];
  /** Bytes of content written so far, what `maxTotalSize` limits. */
  private total = 0;

  constructor(private readonly dir: string) {}

  /**
   * Write `text` at `path` and list it. `counted: false` for the fixed files (README,
   * environment): the size limits are about content.
   */
  async put(path: string, text: string, counted = true): Promise<void> {
    const data = Buffer.from(text, "utf8");
    const full = inside(this.dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, data);
    this.files.push({ path, bytes: data.length, sha256: sha256(data) });
    if (counted) this.total += data.length;
  }

  /** Write `text` at `path` unless it breaks a size limit; then list it under `skipped` instead. */
  async putWithinLimits(
    path: string,
    text: string,
    limits: Pick<ResolvedBundleConfig, "maxFileSize" | "maxTotalSize">,
  ): Promise<void> {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > limits.maxFileSize) this.skipped.push({ path, bytes, reason: "max_file_size" });
    else if (this.total + bytes > limits.maxTotalSize)
      this.skipped.push({ path, bytes, reason: "max_total_size" });
    else await this.put(path, text);
  }
}

/** Every file of the bundle, in manifest order: fixed files, request, session, logs, workspace. */
async function writeFiles(
  writer: BundleWriter,
  config: ResolvedBundleConfig,
  contents: BundleContents,
): Promise<void> {
  await writer.put("README.md", BUNDLE_README, false);
  await writer.put("environment.json", json(environmentFacts()), false);
  await writeRequest(writer, contents);
  await writeSession(writer, contents);
  if (contents.logs) await writeLogs(writer, contents.logs, contents);
  if (config.captureFilesystem && contents.filesystem) {
    await writeWorkspace(writer, contents.filesystem, config);
  }
}

/** `request/` (input, then error and/or output) and `run.json`, each redacted. */
async function writeRequest(writer: BundleWriter, contents: BundleContents): Promise<void> {
  await writer.put("request/input.json", json(contents.input));
  if (contents.error !== undefined) await writer.put("request/error.json", json(contents.error));
  // A failed request still has an output when it answered with one (a scored eval trial).
  if (contents.error === undefined || contents.output !== undefined) {
    await writer.put("request/output.json", json(contents.output));
  }
  if (contents.run !== undefined) await writer.put("run.json", json(contents.run));
}

/** `session/before.jsonl` and `session/after.jsonl` (logs included), each redacted. */
async function writeSession(writer: BundleWriter, contents: BundleContents): Promise<void> {
  if (contents.sessionBefore !== undefined) {
    await writer.put("session/before.jsonl", snapshotLine(contents.sessionBefore));
  }
  if (contents.session) {
    await writer.put(
      "session/after.jsonl",
      snapshotLine(contents.session.snapshot({ includeLogs: true }).serialize()),
    );
  }
}

/** `metrics.json`, `logs/records.jsonl` and `transcript.jsonl`; captured records are already redacted. */
async function writeLogs(
  writer: BundleWriter,
  logs: readonly CapturedRecord[],
  contents: BundleContents,
): Promise<void> {
  await writer.put("metrics.json", json({ ...bundleMetrics(logs, contents.session), ...contents.measures }));
  await writer.put("logs/records.jsonl", jsonLines(logs));
  await writer.put("transcript.jsonl", jsonLines(logs.filter((r) => TRANSCRIPT_EVENTS.has(r.event))));
}

/** Each workspace file under `filesystem/`, redacted, within the size limits. */
async function writeWorkspace(
  writer: BundleWriter,
  filesystem: Filesystem,
  config: ResolvedBundleConfig,
): Promise<void> {
  for (const path of await filesystem.list()) {
    const normalized = normalizeWorkspacePath(path);
    const text = redactText(await filesystem.read(path));
    await writer.putWithinLimits(`filesystem/${normalized}`, text, config);
  }
}

/** The manifest of the files written (stamped now, after the last of them). */
function bundleManifest(
  bundleId: string,
  contents: BundleContents,
  clock: Clock,
  writer: BundleWriter,
): BundleManifest {
  return {
    formatVersion: "1",
    bundleId,
    requestId: contents.requestId,
    runId: contents.runId,
    attempt: contents.attempt,
    status: contents.error === undefined ? "success" : "error",
    createdAt: clock.now().toISOString(),
    ...(contents.session ? { sessionId: contents.session.sessionId } : {}),
    files: writer.files,
    skipped: writer.skipped,
  };
}

/** Retention, then the storage hook; a failure of either is logged, never thrown. */
async function afterWrite(
  config: ResolvedBundleConfig,
  path: string,
  manifest: BundleManifest,
  clock: Clock,
): Promise<void> {
  if (config.retention) {
    try {
      const { removed } = await pruneBundles(config.target, config.retention, { clock, keep: path });
      if (removed.length > 0) {
        log.info("debug.bundle.pruned", "Deleted old debug bundles.", {
          removed: removed.length,
          target: config.target,
        });
      }
    } catch (error) {
      log.error("debug.bundle.prune_failed", "Could not apply the bundle retention.", {
        target: config.target,
        error: describeThrown(error),
      });
    }
  }
  if (config.onWritten) {
    try {
      await config.onWritten(path, manifest);
    } catch (error) {
      log.error("debug.bundle.upload_failed", "The bundle storage hook failed; the bundle stays on disk.", {
        path,
        error: describeThrown(error),
      });
    }
  }
}
