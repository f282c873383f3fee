/**
 * The directories of one Claude Code evaluation. One temporary directory holds the child's `HOME`,
 * its `TMPDIR` (Claude Code writes a tree per session under `$TMPDIR/claude-<uid>/`) and, by
 * default, its working directory, so removing it leaves nothing behind however often a worker
 * evaluates.
 *
 * @example
 * ```ts nocheck
 * const dirs = await createEvaluationDirs(undefined);
 * try {
 *   // run Claude Code with cwd: dirs.cwd, HOME: dirs.home, TMPDIR: dirs.tmp
 * } finally {
 *   await dirs.remove();
 * }
 * ```
 */

import { mkdir, mkdtemp, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The directories of one evaluation (all real paths). */
export interface EvaluationDirs {
  /** The per-evaluation directory holding the others (the default `cwd` included). */
  readonly root: string;
  /** The child's `HOME` (and `CLAUDE_CONFIG_DIR` below it). */
  readonly home: string;
  /** The child's `TMPDIR`. */
  readonly tmp: string;
  /** The working directory: the caller's, or `root/work`. */
  readonly cwd: string;
  /** Absolute paths inside `cwd` the agent may read but not change (a workspace's read-only mounts). */
  readonly readOnly: readonly string[];
  /** Delete `root`, and the `.claude/` folder Claude Code made in a caller's `cwd`. */
  remove(): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Create the directories of one evaluation; `cwd` is the caller's working directory, if any, and
 * `readOnly` the paths in it (relative) that stay read-only.
 */
export async function createEvaluationDirs(
  cwd: string | undefined,
  readOnly: readonly string[] = [],
): Promise<EvaluationDirs> {
  // Real paths: Claude Code's read rules compare paths as written, links unresolved.
  const root = await realpath(await mkdtemp(join(tmpdir(), "wink-claude-")));
  const home = join(root, "home");
  const tmp = join(root, "tmp");
  await Promise.all([mkdir(home), mkdir(tmp)]);
  let workdir = join(root, "work");
  let madeClaudeDir: string | undefined;
  if (cwd === undefined) {
    await mkdir(workdir);
  } else {
    await mkdir(resolve(cwd), { recursive: true });
    workdir = await realpath(cwd);
    // The sandbox creates `.claude/` in the working directory; a caller's workspace gets it
    // removed afterwards unless it was there before.
    const claudeDir = join(workdir, ".claude");
    if (!(await exists(claudeDir))) madeClaudeDir = claudeDir;
  }
  return {
    root,
    home,
    tmp,
    cwd: workdir,
    readOnly: readOnly.map((path) => join(workdir, path)),
    remove: async () => {
      await rm(root, { recursive: true, force: true });
      if (madeClaudeDir) await rm(madeClaudeDir, { recursive: true, force: true });
    },
  };
}
