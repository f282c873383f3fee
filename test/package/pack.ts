/**
 * Build the package the way `npm publish` would and install it into a throwaway app, so tests see
 * what a user gets from the registry instead of `src/`.
 *
 * The pack runs in a staging copy of the package (its published inputs, with this checkout's
 * node_modules linked in), so it never rewrites the checkout's own `dist/` under a parallel test
 * or benchmark, and two runs cannot collide.
 *
 * @example
 * ```ts nocheck
 * const app = await installPackedPackage();
 * try {
 *   run(app.node, ["consumer.mjs"], app.dir);
 * } finally {
 *   app.remove();
 * }
 * ```
 */
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The checkout this test runs in. */
export const REPO = join(import.meta.dirname, "..", "..");

/** What the package's build reads; `files` in package.json says what it publishes. */
const BUILD_INPUTS = ["package.json", "tsconfig.json", "tsup.config.ts", "README.md", "src", "docs"];

/**
 * Peers the subpaths import at load time (plus `@types/node` for the type check). They are optional
 * peers, so `npm install` leaves them out; a user installs the ones they use. Linked from this
 * checkout instead of downloaded (the Claude Agent SDK alone is hundreds of MB), at the versions
 * the checkout tests against.
 */
const PEERS = [
  "openai",
  "@anthropic-ai/sdk",
  "@anthropic-ai/claude-agent-sdk",
  "@modelcontextprotocol/sdk",
  "ioredis",
  "@aws-sdk/client-sqs",
  "@types/node",
];

/** A temporary app with the packed package installed. */
export interface PackedApp {
  /** The app directory (its node_modules holds `weakincentives` from the tarball). */
  readonly dir: string;
  /** The tarball `npm pack` produced. */
  readonly tarball: string;
  /** Environment for child processes: this one without npm's per-script variables. */
  readonly env: NodeJS.ProcessEnv;
  /** Milliseconds spent in `npm pack` (the build) and in `npm install`. */
  readonly timings: { readonly packMs: number; readonly installMs: number };
  /** Delete everything this made. */
  remove(): void;
}

/**
 * When tests run under `npm test`, npm exports `npm_config_*`/`npm_package_*` variables (the
 * local prefix among them) that would point a nested `npm pack` back at this checkout.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === "INIT_CWD" || key === "NODE_V8_COVERAGE") continue;
    env[key] = value;
  }
  return { ...env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };
}

async function npm(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run("npm", [...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(" ")} failed in ${cwd}:\n${stderr ?? ""}\n${stdout ?? ""}`, {
      cause: error,
    });
  }
}

/** Pack this checkout (prepack runs the build) and install the tarball into a new app directory. */
export async function installPackedPackage(): Promise<PackedApp> {
  const base = mkdtempSync(join(tmpdir(), "wink-packed-"));
  const remove = () => rmSync(base, { recursive: true, force: true });
  try {
    const env = cleanEnv();
    const staging = join(base, "staging");
    mkdirSync(staging);
    for (const input of BUILD_INPUTS) {
      if (existsSync(join(REPO, input))) cpSync(join(REPO, input), join(staging, input), { recursive: true });
    }
    symlinkSync(join(REPO, "node_modules"), join(staging, "node_modules"), "dir");

    const packStarted = performance.now();
    await npm(["pack", "--pack-destination", base, "--silent"], staging, env);
    const packMs = performance.now() - packStarted;
    const tarball = readdirSync(base).find((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error(`npm pack left no .tgz in ${base}`);

    const dir = join(base, "app");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "wink-packed-app", version: "0.0.0", private: true, type: "module" }),
    );
    const zod = (
      JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> }
    ).dependencies.zod;
    const installStarted = performance.now();
    // The package's runtime dependencies come from the registry as for a user; the npm cache
    // that `npm ci` filled makes this an offline install in CI and on a developer's machine.
    await npm(
      [
        "install",
        join(base, tarball),
        `zod@${zod}`,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--no-package-lock",
      ],
      dir,
      env,
    );
    const installMs = performance.now() - installStarted;
    for (const peer of PEERS) {
      const target = join(dir, "node_modules", peer);
      if (existsSync(target)) continue;
      mkdirSync(join(target, ".."), { recursive: true });
      symlinkSync(join(REPO, "node_modules", peer), target, "dir");
    }
    return { dir, tarball: join(base, tarball), env, timings: { packMs, installMs }, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
