/** The bundle format shared by the writer, the reader and retention: the manifest and file paths. */

import { createHash } from "node:crypto";
import { isAbsolute, resolve, sep } from "node:path";
import { z } from "zod";
import { WinkError } from "../errors.js";

/** One file listed in the manifest. */
export interface BundleFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** A workspace file that was left out. */
export interface SkippedFile {
  readonly path: string;
  readonly bytes: number;
  readonly reason: "max_file_size" | "max_total_size";
}

/** Schema of `manifest.json` (used by the reader too). */
export const ManifestSchema = z.object({
  formatVersion: z.literal("1"),
  bundleId: z.string(),
  requestId: z.string(),
  runId: z.string(),
  attempt: z.number(),
  status: z.enum(["success", "error"]),
  createdAt: z.string(),
  sessionId: z.string().optional(),
  files: z.array(z.object({ path: z.string(), bytes: z.number(), sha256: z.string() })),
  skipped: z.array(
    z.object({ path: z.string(), bytes: z.number(), reason: z.enum(["max_file_size", "max_total_size"]) }),
  ),
});

/** `manifest.json`. */
export type BundleManifest = z.infer<typeof ManifestSchema>;

/** The manifest's file name. */
export const MANIFEST = "manifest.json";

/** Hex sha256 of `data`. */
export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Resolve `relative` inside `root`, refusing anything that escapes it. */
export function inside(root: string, relative: string): string {
  const full = resolve(root, relative);
  if (isAbsolute(relative) || (full !== root && !full.startsWith(root + sep))) {
    throw new WinkError("invalid_argument", `Bundle path "${relative}" escapes the bundle directory.`);
  }
  return full;
}
