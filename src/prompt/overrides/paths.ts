/**
 * Where override files live. One file per prompt and tag:
 * `{root}/{ns segments}/{promptKey}/{tag}.json`, every segment a checked identifier so a
 * namespace can never climb out of the root. The root is either given, or
 * `<git top-level>/.weakincentives/prompts/overrides`.
 *
 * @example
 * ```ts
 * import { LocalPromptOverridesStore } from "weakincentives/prompt";
 *
 * new LocalPromptOverridesStore({ rootPath: "/config/overrides" }).filePath("examples/code-review", "review", "stable");
 * // "/config/overrides/examples/code-review/review/stable.json"
 * ```
 */

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PromptOverridesError } from "./errors.js";

/** The tag used when none (or an empty one) is given. */
export const DEFAULT_OVERRIDES_TAG = "latest";

/** Where overrides live inside a git repository when no `rootPath` is given. */
export const DEFAULT_OVERRIDES_DIR = ".weakincentives/prompts/overrides";

const IDENTIFIER = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** `tag`, or {@link DEFAULT_OVERRIDES_TAG} when it is undefined or empty. */
export function normalizeTag(tag?: string): string {
  return tag === undefined || tag === "" ? DEFAULT_OVERRIDES_TAG : tag;
}

/**
 * Throw a {@link PromptOverridesError} unless `value` matches `^[a-z0-9][a-z0-9._-]{0,63}$`.
 * `what` names the value in the message (`"tag"`, `"prompt key"`, …).
 */
export function checkIdentifier(value: string, what: string): void {
  if (typeof value !== "string" || !IDENTIFIER.test(value)) {
    throw new PromptOverridesError(
      "invalid_identifier",
      `Override ${what} ${JSON.stringify(value)} is invalid: use 1-64 characters from a-z, 0-9, ".", "_" and "-", starting with a letter or digit.`,
      { details: { [what]: value } },
    );
  }
}

/** The path of the override file for one prompt and tag under `root`. Checks every identifier. */
export function overrideFilePath(root: string, ns: string, promptKey: string, tag?: string): string {
  const segments = typeof ns === "string" ? ns.split("/") : [ns];
  for (const segment of segments) checkIdentifier(segment, "namespace segment");
  checkIdentifier(promptKey, "prompt key");
  const resolvedTag = normalizeTag(tag);
  checkIdentifier(resolvedTag, "tag");
  return join(root, ...segments, promptKey, `${resolvedTag}.json`);
}

/**
 * The nearest directory at or above `start` that holds a `.git` entry (a directory, or the file
 * git writes for worktrees and submodules), or undefined when there is none.
 */
export function findGitRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, ".git"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Options that decide the overrides root; see {@link resolveOverridesRoot}. */
export interface OverridesRootOptions {
  /** The overrides directory itself. Relative paths are taken from `cwd`. */
  rootPath?: string | undefined;
  /** Where to start looking for the git repository (default `process.cwd()`). */
  cwd?: string | undefined;
}

/**
 * The absolute overrides directory: `rootPath` when given, else
 * `<git top-level>/.weakincentives/prompts/overrides`. Throws when neither exists, since a
 * container image usually has no `.git`.
 */
export function resolveOverridesRoot(options: OverridesRootOptions = {}): string {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (options.rootPath !== undefined) {
    if (typeof options.rootPath !== "string" || options.rootPath.trim() === "") {
      throw new PromptOverridesError(
        "root_not_found",
        `LocalPromptOverridesStore rootPath must be a non-empty directory path, got ${JSON.stringify(options.rootPath)}. ` +
          'Pass the overrides directory, e.g. { rootPath: "/config/overrides" }, or omit it inside a git repository.',
        { details: { rootPath: options.rootPath } },
      );
    }
    return resolve(cwd, options.rootPath);
  }
  const gitRoot = findGitRoot(cwd);
  if (gitRoot === undefined) {
    throw new PromptOverridesError(
      "root_not_found",
      `LocalPromptOverridesStore found no git repository at or above ${cwd}, so it cannot place ${DEFAULT_OVERRIDES_DIR}. ` +
        'Pass the overrides directory explicitly: new LocalPromptOverridesStore({ rootPath: "/config/overrides" }) ' +
        "(containers have no .git).",
      { details: { cwd } },
    );
  }
  return join(gitRoot, DEFAULT_OVERRIDES_DIR);
}
