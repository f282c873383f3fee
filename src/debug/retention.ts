/**
 * Bundle retention: keep the newest bundles of a directory within a count, an age and a total
 * size, deleting the oldest first. `writeBundle` applies its config's policy after every write;
 * `wink bundle prune` applies one on demand. Half-written bundles (`.tmp-…` directories a crash
 * left behind) older than an hour are removed too.
 *
 * @example
 * ```ts
 * import { pruneBundles } from "weakincentives/debug";
 *
 * const { removed, kept } = await pruneBundles("/debug/bundles", { maxBundles: 500, maxAgeSeconds: 7 * 86_400 });
 * console.log(`removed ${removed.length}, kept ${kept.length}`);
 * ```
 */

import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { type Clock, SYSTEM_CLOCK } from "../clock.js";
import { ManifestSchema } from "./manifest.js";

/** How many bundles a directory keeps. Every limit is optional; none keeps everything. */
export interface RetentionPolicy {
  /** Keep at most this many bundles (the newest). */
  readonly maxBundles?: number;
  /** Delete bundles created more than this many seconds ago. */
  readonly maxAgeSeconds?: number;
  /** Keep the newest bundles whose sizes add up to at most this many bytes. */
  readonly maxTotalBytes?: number;
}

/** Schema of {@link RetentionPolicy}. */
export const RetentionPolicySchema = z
  .object({
    maxBundles: z.number().int().positive().optional(),
    maxAgeSeconds: z.number().positive().optional(),
    maxTotalBytes: z.number().int().positive().optional(),
  })
  .strict();

/** One bundle found in a directory. */
export interface BundleEntry {
  /** The bundle directory. */
  readonly path: string;
  readonly bundleId: string;
  /** `createdAt` of its manifest (ISO 8601). */
  readonly createdAt: string;
  /** The same, as epoch milliseconds. */
  readonly createdAtMs: number;
  /** Sum of the files its manifest lists, plus the manifest. */
  readonly bytes: number;
  readonly status: string;
  readonly requestId: string;
}

/** What {@link pruneBundles} did. */
export interface PruneResult {
  readonly removed: readonly BundleEntry[];
  readonly kept: readonly BundleEntry[];
}

/** How old a `.tmp-` directory must be before it counts as abandoned. */
const ABANDONED_MS = 60 * 60 * 1000;

/** Every bundle directly under `dir`, newest first; directories without a valid manifest are skipped. */
export async function listBundles(dir: string): Promise<BundleEntry[]> {
  const root = resolve(dir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const entries: BundleEntry[] = [];
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const path = join(root, name);
    let text: string;
    try {
      text = await readFile(join(path, "manifest.json"), "utf8");
    } catch {
      continue; // not a bundle
    }
    const parsed = ManifestSchema.safeParse(safeJson(text));
    if (!parsed.success) continue;
    const manifest = parsed.data;
    const files = manifest.files.reduce((sum, file) => sum + file.bytes, 0);
    entries.push({
      path,
      bundleId: manifest.bundleId,
      createdAt: manifest.createdAt,
      createdAtMs: Date.parse(manifest.createdAt),
      bytes: files + Buffer.byteLength(text),
      status: manifest.status,
      requestId: manifest.requestId,
    });
  }
  // Newest first; ties broken by id so the order is stable.
  return entries.sort((a, b) => b.createdAtMs - a.createdAtMs || a.bundleId.localeCompare(b.bundleId));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Apply `policy` to the bundles under `dir`: keep the newest within every limit, delete the rest
 * (oldest first), and remove abandoned `.tmp-` directories. `keep` names a bundle never deleted
 * (the one just written); `dryRun` reports what would go and deletes nothing.
 */
export async function pruneBundles(
  dir: string,
  policy: RetentionPolicy,
  options: { readonly clock?: Clock; readonly keep?: string; readonly dryRun?: boolean } = {},
): Promise<PruneResult> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const now = clock.epochMs();
  const kept: BundleEntry[] = [];
  const removed: BundleEntry[] = [];
  let bytes = 0;
  for (const entry of await listBundles(dir)) {
    const pinned = options.keep !== undefined && resolve(options.keep) === entry.path;
    const tooMany = policy.maxBundles !== undefined && kept.length >= policy.maxBundles;
    const tooOld =
      policy.maxAgeSeconds !== undefined && now - entry.createdAtMs > policy.maxAgeSeconds * 1000;
    const tooBig = policy.maxTotalBytes !== undefined && bytes + entry.bytes > policy.maxTotalBytes;
    if (!pinned && (tooMany || tooOld || tooBig)) {
      removed.push(entry);
      continue;
    }
    kept.push(entry);
    bytes += entry.bytes;
  }
  if (options.dryRun) return { removed, kept };
  for (const entry of [...removed].reverse()) await rm(entry.path, { recursive: true, force: true });
  await removeAbandoned(resolve(dir), now);
  return { removed, kept };
}

/** Delete `.tmp-` directories older than an hour: writes a crash interrupted. */
async function removeAbandoned(root: string, now: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  for (const name of names.filter((n) => n.startsWith(".tmp-"))) {
    const path = join(root, name);
    try {
      if (now - (await stat(path)).mtimeMs > ABANDONED_MS) await rm(path, { recursive: true, force: true });
    } catch {
      // Gone already, or another writer's: leave it.
    }
  }
}
