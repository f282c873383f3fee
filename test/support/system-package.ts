/**
 * Tests that need something outside `node_modules` (a Debian package's command, an optional
 * native binary) declare it with {@link describeRequiring}. When it is missing, the block is
 * skipped with one line on stderr (once per test file) naming what to install, so `npm test` stays green on a fresh
 * machine and says why some tests did not run. Under `CI=true` a missing requirement is a failing
 * test instead: CI installs everything (`.ci/run`), so a skip there would hide a broken setup.
 *
 * @example
 * ```ts
 * const sandbox = systemPackages({ bubblewrap: "bwrap", socat: "socat" });
 * describeRequiring([sandbox], "the sandboxed Bash tool", () => {
 *   it("runs echo", async () => {  });
 * });
 * ```
 */

import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, it } from "vitest";

/** Something a block of tests needs, and whether this machine has it. */
export interface Requirement {
  /** What is needed, for humans: "the Debian packages bubblewrap, socat". */
  readonly what: string;
  /** The parts that are missing here; empty when the requirement holds. */
  readonly missing: readonly string[];
  /** The command that installs the missing parts. */
  readonly install: string;
}

/** True when `command` is an executable file on `PATH`. */
export function hasCommand(command: string, path = process.env.PATH ?? ""): boolean {
  return path
    .split(delimiter)
    .filter((dir) => dir !== "")
    .some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/**
 * Debian packages, each named with the command that proves it is installed
 * (`{ bubblewrap: "bwrap" }`).
 */
export function systemPackages(packages: Readonly<Record<string, string>>): Requirement {
  const names = Object.keys(packages);
  const missing = names.filter((name) => !hasCommand(packages[name] ?? name));
  return {
    what: `the Debian package${names.length === 1 ? "" : "s"} ${names.join(", ")}`,
    missing,
    // Install every package of the requirement: they are used together and apt skips the rest.
    install: `apt-get install -y ${names.join(" ")}`,
  };
}

/** A requirement checked by the caller (an optional npm binary, a service). */
export function requirement(what: string, present: boolean, install: string): Requirement {
  return { what, missing: present ? [] : [what], install };
}

const announced = new Set<string>();

/**
 * One line saying what is skipped and how to stop skipping it, written once per test file however
 * many blocks share the requirement.
 */
function announceSkip(unmet: readonly Requirement[]): void {
  const line =
    `SKIPPED tests that need ${unmet.map((r) => `${r.what} (missing: ${r.missing.join(", ")})`).join(" and ")}; ` +
    `install with: ${unmet.map((r) => r.install).join(" && ")}`;
  if (announced.has(line)) return;
  announced.add(line);
  // Straight to stderr rather than console.warn: vitest frames console output with a header
  // line per call, and this must stay one line a reader can grep.
  process.stderr.write(`${line}\n`);
}

/**
 * `describe(name, body)` when every requirement holds. Otherwise: under `CI=true`, one failing
 * test that names the missing parts; elsewhere, the block skipped with one line on stderr.
 */
export function describeRequiring(
  requirements: readonly Requirement[],
  name: string,
  body: () => void,
): void {
  const unmet = requirements.filter((r) => r.missing.length > 0);
  if (unmet.length === 0) {
    describe(name, body);
    return;
  }
  const needs = unmet.map((r) => `${r.what} (install with: ${r.install})`).join(" and ");
  if (process.env.CI === "true") {
    describe(name, () => {
      it("has what it needs (CI=true forbids skipping)", () => {
        throw new Error(`"${name}" needs ${needs}; missing: ${unmet.flatMap((r) => r.missing).join(", ")}.`);
      });
    });
    return;
  }
  announceSkip(unmet);
  describe.skip(name, body);
}
