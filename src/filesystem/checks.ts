/**
 * Checks shared by the host filesystem, the workspace copy and the skills loader (internal, not
 * part of the public entry): path containment, "a regular file of its own", and reading a file
 * through one descriptor so what was checked is what is read.
 */

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from "node:fs";
import { sep } from "node:path";

/**
 * Whether the absolute `path` is `root` or below it. Both must be normalized (real paths); a
 * root ending in a separator (`/`) counts as the separator itself.
 */
export function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Why a file is refused; `reason` is the `details.reason` of the refusal. */
export interface FileProblem {
  readonly reason: "symlink" | "directory" | "device" | "hardlink" | "too_large";
  /** What it is, for messages: "a symbolic link", "a FIFO", "a hard link", "2000000 bytes"… */
  readonly kind: string;
  /** Its names (hard links) and its size in bytes, as far as they are known. */
  readonly nlink: number;
  readonly size: number;
}

/**
 * Why `stats` is not a plain regular file with a single name, or undefined when it is. A hard
 * link is refused because its other names may be anywhere, outside any root we check.
 */
export function fileProblem(stats: Stats): FileProblem | undefined {
  const known = { nlink: stats.nlink, size: stats.size };
  if (stats.isSymbolicLink()) return { reason: "symlink", kind: "a symbolic link", ...known };
  if (stats.isDirectory()) return { reason: "directory", kind: "a directory", ...known };
  if (!stats.isFile()) return { reason: "device", kind: specialKind(stats), ...known };
  if (stats.nlink > 1) return { reason: "hardlink", kind: "a hard link", ...known };
  return undefined;
}

function specialKind(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return "a device file";
  return "not a regular file";
}

/** A file read by {@link readChecked}, or why it was refused. */
export type CheckedRead =
  | { readonly ok: true; readonly bytes: Buffer; readonly stats: Stats }
  | { readonly ok: false; readonly problem: FileProblem };

/**
 * Read the regular file at `path` (at most `maxBytes`) through one descriptor: checked by lstat
 * first (so a device is never opened), opened without following a final link (`O_NOFOLLOW`, so
 * a link swapped in after the check fails to open) and checked again by `fstat` on what was
 * opened (so a file swapped for a FIFO or a hard link is refused). A file over `maxBytes`, before
 * or while it is read, is refused as `too_large`. A missing file throws its ENOENT error.
 */
export function readChecked(path: string, maxBytes = Number.POSITIVE_INFINITY): CheckedRead {
  const before = fileProblem(lstatSync(path));
  if (before) return { ok: false, problem: before };
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in after lstat must not block the open; fstat then refuses it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOOP") throw error;
    return { ok: false, problem: { reason: "symlink", kind: "a symbolic link", nlink: 1, size: 0 } };
  }
  try {
    const stats = fstatSync(fd);
    const problem = fileProblem(stats) ?? tooLarge(stats.size, stats.nlink, maxBytes);
    if (problem) return { ok: false, problem };
    const bytes = readUpTo(fd, stats.size, maxBytes);
    const grown = tooLarge(bytes.byteLength, stats.nlink, maxBytes);
    return grown ? { ok: false, problem: grown } : { ok: true, bytes, stats };
  } finally {
    closeSync(fd);
  }
}

function tooLarge(size: number, nlink: number, maxBytes: number): FileProblem | undefined {
  return size > maxBytes ? { reason: "too_large", kind: `${size} bytes`, nlink, size } : undefined;
}

/** Read to the end, or to one byte past `limit` (enough to tell the file is over it). */
function readUpTo(fd: number, sizeHint: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let want = Math.min(sizeHint, limit) + 1; // one byte more than expected: has it grown?
  while (total <= limit) {
    const chunk = Buffer.allocUnsafe(want);
    const read = readSync(fd, chunk, 0, want, null);
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
    want = Math.min(64 * 1024, limit - total + 1);
  }
  return Buffer.concat(chunks, total);
}
