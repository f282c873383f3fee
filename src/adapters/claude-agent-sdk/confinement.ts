/**
 * What the agent may read, turned into the two layers Claude Code enforces:
 *
 * - the OS sandbox of the Bash tool (bubblewrap): `sandbox.filesystem.denyRead` hides `/` and
 *   `allowRead` brings back the working directory, {@link SYSTEM_READ_PATHS} and `readablePaths`
 *   (the more specific rule wins, so a secret inside an allowed directory stays hidden). It sees
 *   through every spelling: `../x`, absolute paths, links made inside the workspace, scripts;
 * - Claude Code's permission layer, for its own file tools (`Read`, `Glob`, `Grep`), which run in
 *   the CLI process outside the sandbox: `blockReadsOutsideWorkingDirectories` refuses any read
 *   that resolves (links followed) outside the working directory and the exempt paths, and
 *   `Read(...)` deny rules cover the secrets inside them.
 *
 * Both layers get the same allowed and denied paths, so a command and a file tool agree.
 *
 * @example
 * ```ts
 * import { confinement, IsolationConfig } from "weakincentives/adapters/claude-agent-sdk";
 *
 * const rules = confinement({
 *   isolation: IsolationConfig.create(),
 *   cwd: "/srv/work/job-17",
 *   evaluationDir: "/tmp/wink-claude-abc",
 *   hostEnv: { HOME: "/home/app", DB_PASSWORD_FILE: "/run/secrets/db" },
 * });
 * rules.denied.includes("/run/secrets/db"); // true
 * rules.sandboxFilesystem.denyRead.includes("/srv/work"); // true: the other workspaces
 * ```
 */

import { dirname } from "node:path";
import { WinkError } from "../../errors.js";
import { type IsolationConfig, SENSITIVE_READ_PATHS, SYSTEM_READ_PATHS } from "./isolation.js";

/** Inputs of {@link confinement}. */
export interface ConfinementInputs {
  readonly isolation: IsolationConfig;
  /** The evaluation's working directory (absolute). */
  readonly cwd: string;
  /** The per-evaluation directory holding the child's `HOME` and `TMPDIR`. */
  readonly evaluationDir: string;
  /** The host environment: its `HOME` and the targets of its `*_FILE` variables are denied. */
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  /** Absolute paths inside the working directory the agent may read but not change (read-only mounts). */
  readonly readOnlyPaths?: readonly string[];
}

/** The read rules of one evaluation, for both enforcement layers. */
export interface Confinement {
  /** Paths the agent may read besides the working directory. */
  readonly readable: readonly string[];
  /** Paths the agent may never read, even inside a readable one (file-tool deny rules). */
  readonly denied: readonly string[];
  /** `sandbox.filesystem` of the SDK options. */
  readonly sandboxFilesystem: { denyRead: string[]; allowRead: string[]; denyWrite?: string[] };
  /** `permissions` of the SDK's flag settings. */
  readonly permissions: {
    blockReadsOutsideWorkingDirectories: true;
    blockWritesOutsideWorkingDirectories: true;
    blockReadsExemptPaths: string[];
    allow: string[];
    deny: string[];
  };
}

/** True when `path` is `root` or lies below it. */
function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/** `*_FILE` variables that name public files commands need (the CA bundle of TLS clients). */
const PUBLIC_FILE_VARIABLES: ReadonlySet<string> = new Set(["SSL_CERT_FILE"]);

/** Absolute targets of `*_FILE` variables: by convention, mounted secrets (`DB_PASSWORD_FILE`). */
function secretFileTargets(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(
      ([name, value]) =>
        name.endsWith("_FILE") && !PUBLIC_FILE_VARIABLES.has(name) && value?.startsWith("/") === true,
    )
    .map(([, value]) => (value as string).replace(/\/+$/, ""))
    .filter((path) => path !== "");
}

/**
 * Claude Code's `Read(...)` rule for a path: `//` marks an absolute path; the `/**` form covers
 * a directory's contents, the plain one a file.
 */
function readRules(path: string): string[] {
  return [`Read(/${path})`, `Read(/${path}/**)`];
}

/**
 * The read rules of one evaluation.
 *
 * @throws WinkError (`invalid_config`) when a `readablePaths` entry holds the working directory:
 *   it would expose the workspaces beside it.
 */
export function confinement(inputs: ConfinementInputs): Confinement {
  const { isolation, cwd, evaluationDir, hostEnv } = inputs;
  const readOnly = inputs.readOnlyPaths ?? [];
  const broad = isolation.readablePaths.filter((path) => within(cwd, path));
  if (broad.length > 0) {
    throw new WinkError(
      "invalid_config",
      `readablePaths entry ${broad.map((p) => JSON.stringify(p)).join(", ")} holds the working directory ${JSON.stringify(cwd)}, so the agent could read the workspaces beside it. List the directories to share instead, or use them as the working directory.`,
      { details: { readablePaths: broad, cwd } },
    );
  }
  const readable = [...SYSTEM_READ_PATHS, ...isolation.readablePaths];
  const hostHome = hostEnv.HOME;
  const secrets = new Set([
    ...SENSITIVE_READ_PATHS,
    ...secretFileTargets(hostEnv),
    ...isolation.deniedPaths,
    ...(hostHome && hostHome !== "/" ? [hostHome] : []),
  ]);
  // A denied path that holds the workspace or a readable path (the host's home around a checkout)
  // would, as a file-tool deny rule, refuse what was granted. The sandbox keeps it (the more
  // specific allow wins there), and outside the granted paths the read block already refuses it.
  const denied = [...secrets].filter(
    (path) => !within(cwd, path) && !isolation.readablePaths.some((r) => within(r, path)),
  );
  const parent = dirname(cwd);
  const denyRead = [
    "/",
    // Named even though `/` covers them: a parent or temp directory inside a system directory
    // (say /usr/src/workspaces) would otherwise be readable.
    ...(parent === "/" ? [] : [parent]),
    evaluationDir,
    ...secrets,
  ];
  return {
    readable,
    denied,
    sandboxFilesystem: {
      denyRead: [...new Set(denyRead)],
      allowRead: [cwd, ...readable],
      ...(readOnly.length > 0 ? { denyWrite: [...readOnly] } : {}),
    },
    permissions: {
      blockReadsOutsideWorkingDirectories: true,
      blockWritesOutsideWorkingDirectories: true,
      blockReadsExemptPaths: [...readable],
      // Without an allow rule, a command naming a system path (`ls /usr/bin`) is refused.
      allow: readable.map((path) => `Read(/${path}/**)`),
      // `Edit` rules cover every file-changing tool (Edit, Write, NotebookEdit).
      deny: [
        ...denied.flatMap(readRules),
        ...readOnly.flatMap((path) => [`Edit(/${path})`, `Edit(/${path}/**)`]),
      ],
    },
  };
}
