/**
 * What a bundle says about where it was written: `environment.json` (package, Node, OS, the git
 * commit of the working directory when it is a checkout) and the bundle's own `README.md`. No
 * environment variable is recorded: their values are where deployments keep secrets.
 */

import { readFileSync } from "node:fs";
import { arch, platform, release } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };

/** The facts of `environment.json`. */
export interface EnvironmentFacts {
  readonly package: { readonly name: string; readonly version: string };
  readonly node: string;
  readonly os: { readonly platform: string; readonly arch: string; readonly release: string };
  /** The commit checked out in the working directory, when it is a git checkout. */
  readonly gitCommit?: string;
}

/** The commit `HEAD` points at in `dir`, or undefined when it is not a readable git checkout. */
function gitCommit(dir: string): string | undefined {
  try {
    const head = readFileSync(join(dir, ".git", "HEAD"), "utf8").trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (refs\/[\w./-]+)$/.exec(head)?.[1];
    if (ref === undefined) return undefined;
    const commit = readFileSync(join(dir, ".git", ref), "utf8").trim();
    return /^[0-9a-f]{40}$/.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

let cached: EnvironmentFacts | undefined;

/** The environment facts of this process (computed once). */
export function environmentFacts(): EnvironmentFacts {
  if (cached) return cached;
  const commit = gitCommit(process.cwd());
  cached = {
    package: { name: pkg.name, version: pkg.version },
    node: process.version,
    os: { platform: platform(), arch: arch(), release: release() },
    ...(commit ? { gitCommit: commit } : {}),
  };
  return cached;
}

/** `README.md` of every bundle: what each file is. */
export const BUNDLE_README = `# Debug bundle

One request's post-mortem, written by weakincentives. Every text in it passed through redaction.

| File | What it holds |
| --- | --- |
| \`manifest.json\` | Format version, ids (bundle, request, run, session), attempt, status, creation time, and every file with its size and sha256 (\`wink bundle verify\` checks them). |
| \`environment.json\` | Package version, Node, OS, and the git commit of the working directory when there is one. No environment variables. |
| \`run.json\` | How the request ran: loop, mailbox, message id and delivery count, the attempt's duration, the loop's effective settings, run context (run, request, worker, trace ids), the envelope's deadline and budget. |
| \`request/input.json\` | The request envelope as received. |
| \`request/output.json\` | The typed output, when the request succeeded. |
| \`request/error.json\` | The error (type, code, message), when it failed. |
| \`metrics.json\` | The attempt's figures: phase times (prepare, evaluate, finalize), the budget's limits and consumption, model calls (count, time, errors, tokens), tool calls (count, failures, time) in all and per tool. |
| \`logs/records.jsonl\` | This attempt's log records (DEBUG and up, whatever the worker's level), one JSON object per line: time, level, logger, event, message, context. |
| \`transcript.jsonl\` | The model turns, from the same records: each call (\`provider.request\`) and its answer (\`provider.response\`: latency, text, tool calls with arguments, tokens) or error. The prompt is in the session's \`PromptRendered\`, tool results in its \`ToolInvoked\`. |
| \`session/before.jsonl\` | The session as \`prepare\` left it, before the evaluation. |
| \`session/after.jsonl\` | The session after the run, its event history included: rendered prompts, tool calls (\`ToolInvoked\`), results. |
| \`filesystem/…\` | The workspace files bound as a resource, when captured. |

Files the manifest lists under \`skipped\` were left out for size.
`;
