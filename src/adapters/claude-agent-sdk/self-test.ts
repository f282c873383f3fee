/**
 * Can Claude Code's OS sandbox run here? Claude Code checks only that bubblewrap is installed;
 * where the container refuses namespaces or masks `/proc`, it still starts, every sandboxed
 * command fails with bubblewrap's error, and the model is left to cope. A worker asks once at
 * start instead, by running bubblewrap the way the sandbox does, and refuses to start when it
 * cannot.
 */

import { spawn } from "node:child_process";

/** The namespaces and mounts Claude Code's sandbox asks bubblewrap for. */
const SANDBOX_PROBE_ARGS = [
  "--unshare-all",
  "--new-session",
  "--die-with-parent",
  "--ro-bind",
  "/",
  "/",
  "--dev",
  "/dev",
  "--proc",
  "/proc",
  "--",
  "true",
] as const;

/** What {@link sandboxSelfTest} found. */
export type SandboxSelfTest = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Options of {@link sandboxSelfTest}. */
export interface SandboxSelfTestOptions {
  /** The bubblewrap executable. Default `bwrap` on the PATH. */
  readonly bwrap?: string;
  /** Give up after this long. Default 10,000 ms. */
  readonly timeoutMs?: number;
}

/** Run bubblewrap as Claude Code's sandbox does and report whether it worked, and if not why. */
export function sandboxSelfTest(options: SandboxSelfTestOptions = {}): Promise<SandboxSelfTest> {
  const bwrap = options.bwrap ?? "bwrap";
  return new Promise((resolve) => {
    let stderr = "";
    const child = spawn(bwrap, SANDBOX_PROBE_ARGS, {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: options.timeoutMs ?? 10_000,
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => {
      resolve({ ok: false, reason: `${bwrap} could not be started (${error.message}); install bubblewrap` });
    });
    child.on("close", (code, signal) => {
      if (code === 0) resolve({ ok: true });
      else {
        const said = stderr.trim().split("\n").at(-1) ?? "";
        resolve({
          ok: false,
          reason: `${bwrap} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${said ? `: ${said}` : ""}`,
        });
      }
    });
  });
}
