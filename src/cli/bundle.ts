/**
 * `wink bundle`: look after a directory of debug bundles. `list` shows them newest first, `info`
 * summarizes one, `verify` checks every listed file against its size and sha256 (exit 1 when one
 * does not match), `zip` writes a bundle's single-file form, `prune` applies a retention policy.
 */

import type { Command } from "commander";
import {
  archiveBundle,
  DebugBundle,
  listBundles,
  pruneBundles,
  type RetentionPolicy,
} from "../debug/index.js";
import { WinkError } from "../errors.js";
import type { Output } from "./submit.js";

const stdout: Output = { out: (line) => process.stdout.write(`${line}\n`) };

/** Add the `bundle` command and its subcommands to `program`. */
export function addBundleCommand(program: Command, output: Output = stdout): void {
  const bundle = program.command("bundle").description("List, inspect, verify and prune debug bundles.");
  addListCommand(bundle, output);
  addInfoCommand(bundle, output);
  addVerifyCommand(bundle, output);
  addZipCommand(bundle, output);
  addPruneCommand(bundle, output);
}

/** `wink bundle list <dir>`: one line (or JSON object) per bundle, newest first. */
function addListCommand(bundle: Command, output: Output): void {
  bundle
    .command("list")
    .description("List the bundles in a directory, newest first.")
    .argument("<dir>", "a directory of bundles (DEBUG_BUNDLE_PATH)")
    .option("--json", "one JSON object per line")
    .action(async (dir: string, options: { json?: boolean }) => {
      for (const entry of await listBundles(dir)) {
        if (options.json) output.out(JSON.stringify(entry));
        else {
          output.out(
            `${entry.createdAt}  ${entry.status.padEnd(7)}  ${String(entry.bytes).padStart(9)} B  ${entry.bundleId}  request ${entry.requestId}`,
          );
        }
      }
    });
}

/** `wink bundle info <bundle>`: ids, status, error and files of one bundle. */
function addInfoCommand(bundle: Command, output: Output): void {
  bundle
    .command("info")
    .description("Summarize one bundle: ids, status, error, files.")
    .argument("<bundle>", "a bundle directory")
    .action(async (dir: string) => {
      const loaded = await DebugBundle.load(dir);
      const { manifest } = loaded;
      output.out(`bundle   ${manifest.bundleId}`);
      output.out(`request  ${manifest.requestId} (attempt ${manifest.attempt}, run ${manifest.runId})`);
      output.out(`status   ${manifest.status}`);
      output.out(`created  ${manifest.createdAt}`);
      if (loaded.error !== undefined) output.out(`error    ${JSON.stringify(loaded.error)}`);
      output.out(
        `files    ${manifest.files.length}${manifest.skipped.length > 0 ? `, ${manifest.skipped.length} skipped for size` : ""}`,
      );
      for (const file of manifest.files) output.out(`  ${String(file.bytes).padStart(9)} B  ${file.path}`);
    });
}

/** `wink bundle verify <bundles...>`: check each bundle's files; exit code 1 when one changed. */
function addVerifyCommand(bundle: Command, output: Output): void {
  bundle
    .command("verify")
    .description("Check every file of one or more bundles against its recorded size and sha256.")
    .argument("<bundles...>", "bundle directories")
    .action(async (dirs: string[]) => {
      let failed = 0;
      for (const dir of dirs) {
        const ok = await (await DebugBundle.load(dir)).verifyIntegrity();
        output.out(`${ok ? "ok      " : "CHANGED "} ${dir}`);
        if (!ok) failed++;
      }
      process.exitCode = failed > 0 ? 1 : 0;
    });
}

/** `wink bundle zip <bundle>`: write the bundle's single-file form and print its path. */
function addZipCommand(bundle: Command, output: Output): void {
  bundle
    .command("zip")
    .description(
      "Write a bundle as one zip archive, for shipping (DebugBundle.load and wink bundle verify read it).",
    )
    .argument("<bundle>", "a bundle directory")
    .option("--out <file>", "where to write it (default <bundle>.zip)")
    .action(async (dir: string, options: { out?: string }) => {
      output.out(await archiveBundle(dir, ...(options.out ? [options.out] : [])));
    });
}

/** `wink bundle prune <dir>`: apply the retention policy the flags describe (or show it, `--dry-run`). */
function addPruneCommand(bundle: Command, output: Output): void {
  bundle
    .command("prune")
    .description("Delete the oldest bundles beyond a count, an age or a total size.")
    .argument("<dir>", "a directory of bundles")
    .option("--max-bundles <n>", "keep at most n bundles")
    .option("--max-age <seconds>", "delete bundles older than this")
    .option("--max-bytes <n>", "keep the newest bundles within n bytes in all")
    .option("--dry-run", "say what would be deleted, delete nothing")
    .action(async (dir: string, options: PruneOptions) => {
      const dryRun = options.dryRun === true;
      const { removed, kept } = await pruneBundles(dir, retentionPolicy(options), { dryRun });
      const verb = dryRun ? "would delete" : "deleted";
      for (const entry of removed) output.out(`${verb} ${entry.bundleId}`);
      output.out(`${removed.length} ${dryRun ? "to delete" : "deleted"}, ${kept.length} kept`);
    });
}

interface PruneOptions {
  readonly maxBundles?: string;
  readonly maxAge?: string;
  readonly maxBytes?: string;
  readonly dryRun?: boolean;
}

/** The policy the flags describe; at least one limit, each a positive number. */
function retentionPolicy(options: PruneOptions): RetentionPolicy {
  const number = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) {
      throw new WinkError("invalid_argument", `${flag} must be a positive number, got "${value}".`);
    }
    return parsed;
  };
  const maxBundles = number("--max-bundles", options.maxBundles);
  const maxAgeSeconds = number("--max-age", options.maxAge);
  const maxTotalBytes = number("--max-bytes", options.maxBytes);
  if (maxBundles === undefined && maxAgeSeconds === undefined && maxTotalBytes === undefined) {
    throw new WinkError(
      "invalid_argument",
      "wink bundle prune needs a limit: --max-bundles, --max-age or --max-bytes.",
    );
  }
  return {
    ...(maxBundles === undefined ? {} : { maxBundles }),
    ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
    ...(maxTotalBytes === undefined ? {} : { maxTotalBytes }),
  };
}
