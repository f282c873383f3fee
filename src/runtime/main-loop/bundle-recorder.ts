/**
 * What one attempt's debug bundle collects while the request runs, and its writing: the
 * attempt's own log records (selected by its runId, whatever the threshold), the session as soon
 * as it exists (a failed run's bundle needs it too) and before the evaluation, phase times, the
 * budget's state, and the workspace, copied just before the evaluation deletes it.
 */

import type { BundleConfig } from "../../debug/bundle.js";
import { writeBundle } from "../../debug/bundle.js";
import { WinkError } from "../../errors.js";
import { BundleWritten, wants } from "../../events/index.js";
import { type Filesystem, FilesystemKey, InMemoryFilesystem } from "../../filesystem/index.js";
import { collectLogs, getLogger, type LogCapture, serializeError, toLogValue } from "../../logging/index.js";
import type { ResourceContext } from "../../resources/index.js";
import { redact, redactText } from "../../secrets/index.js";
import type { Session } from "../../session/index.js";
import { WorkspaceKey } from "../../workspace/index.js";
import type { MessageHandling } from "./handle-message.js";
import type { BudgetState, ExecuteOptions } from "./options.js";
import { type Attempt, describeError } from "./settle.js";
import type { MainLoopError, MainLoopRequest } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

/** `request/error.json`: the reply's error with what a post-mortem needs besides. */
type BundleError = MainLoopError & {
  readonly details?: unknown;
  readonly stack?: string;
  readonly cause?: unknown;
};

/** How the attempt ended: its output, or its error. */
type Outcome = { readonly output: unknown; readonly session: Session } | { readonly error: unknown };

/** Collects and writes one attempt's bundle; create it only when the loop writes bundles. */
export class BundleRecorder<Req> {
  private readonly capture: LogCapture;
  private session: Session | undefined;
  private before: string | undefined;
  private files: Filesystem | undefined;
  private budget: BudgetState | undefined;
  /** A failure the request answered with a result anyway (an eval trial's agent error). */
  private failure: { readonly error: unknown } | undefined;
  private readonly phases: Record<string, number> = {};

  constructor(
    private readonly loop: MessageHandling<Req, unknown>,
    private readonly config: BundleConfig,
    private readonly attempt: Attempt & Required<Pick<Attempt, "requestId" | "runContext">>,
    private readonly input: MainLoopRequest<Req>,
  ) {
    this.capture = collectLogs({ field: "runId", value: attempt.runContext.runId, clock: loop.clock });
  }

  /** The `execute` options that feed this recorder. */
  get hooks(): Partial<ExecuteOptions> {
    return {
      onSession: (session) => {
        this.session = session;
        this.before = session.snapshot({ includeLogs: true }).serialize();
      },
      onPhase: (name, ms) => {
        this.phases[`${name}Ms`] = Math.round(ms * 1000) / 1000;
      },
      onBudget: (state) => {
        this.budget = state;
      },
      onFailure: (error) => {
        this.failure = { error };
      },
      ...(this.config.captureFilesystem === false
        ? {}
        : {
            beforeRelease: async (resources: ResourceContext) => {
              const workspace = resources.peek(FilesystemKey) ?? resources.peek(WorkspaceKey)?.filesystem;
              if (workspace) this.files = await copyFilesystem(workspace);
            },
          }),
    };
  }

  /** Stop collecting log records. */
  stop(): void {
    this.capture.stop();
  }

  /** Write the bundle; a failure is logged, never thrown. */
  async write(outcome: Outcome): Promise<string | undefined> {
    const { loop, attempt, input } = this;
    const session = "session" in outcome ? outcome.session : this.session;
    // The evaluation's own workspace (copied before it closed), else a Filesystem instance the
    // loop holds; factories are not opened for this.
    const binding = loop.resources?.binding(FilesystemKey);
    const filesystem = this.files ?? (binding?.kind === "instance" ? binding.value : undefined);
    const started = loop.clock.monotonic();
    try {
      const path = await writeBundle(this.config, {
        requestId: attempt.requestId,
        runId: attempt.runContext.runId,
        attempt: attempt.message.deliveryCount,
        input,
        ...("error" in outcome
          ? { error: bundleError(outcome.error) }
          : { output: outcome.output, ...(this.failure ? { error: bundleError(this.failure.error) } : {}) }),
        ...(session ? { session } : {}),
        ...(this.before ? { sessionBefore: this.before } : {}),
        measures: { phases: this.phases, ...(this.budget ? { budget: this.budget } : {}) },
        run: {
          loop: loop.loop,
          mailbox: loop.mailbox,
          durationMs: Math.round(loop.clock.monotonic() - attempt.startedMs),
          ...(loop.settings ? { settings: loop.settings } : {}),
          messageId: attempt.message.id,
          deliveryCount: attempt.message.deliveryCount,
          runContext: attempt.runContext,
          ...(input.deadline ? { deadline: input.deadline } : {}),
          ...(input.budget ? { budget: input.budget } : {}),
        },
        logs: this.capture.records,
        ...(filesystem ? { filesystem } : {}),
        clock: loop.clock,
      });
      this.measure(started, "ok");
      return path;
    } catch (error) {
      this.measure(started, "error");
      log.error("main_loop.bundle_failed", "Could not write the debug bundle; the request goes on.", {
        messageId: attempt.message.id,
        requestId: attempt.requestId,
        target: this.config.target,
        error,
      });
      return undefined;
    }
  }

  /** Publish how long the write took, for `wink_bundle_write_seconds`. */
  private measure(started: number, outcome: "ok" | "error"): void {
    const { dispatcher, clock, loop } = this.loop;
    if (!dispatcher || !wants(dispatcher, BundleWritten)) return;
    dispatcher.dispatch(
      BundleWritten.create({ loop, durationMs: Math.max(0, clock.monotonic() - started), outcome }),
    );
  }
}

/**
 * The failure as a bundle records it: the reply's fields plus the stack, the cause chain and the
 * error's details (the phase of a `PromptEvaluationError`), all redacted.
 */
function bundleError(error: unknown): BundleError {
  const { stack, cause } = error instanceof Error ? serializeError(error) : {};
  return {
    ...describeError(error),
    ...(error instanceof WinkError && Object.keys(error.details).length > 0
      ? { details: redact(toLogValue(error.details)) }
      : {}),
    ...(stack ? { stack: redactText(stack) } : {}),
    ...(cause ? { cause: redact(cause) } : {}),
  };
}

/** Every file of `filesystem`, in memory (what a bundle copies of a workspace about to close). */
async function copyFilesystem(filesystem: Filesystem): Promise<Filesystem> {
  const files: Record<string, string> = {};
  for (const path of await filesystem.list()) files[path] = await filesystem.read(path);
  return new InMemoryFilesystem(files);
}
