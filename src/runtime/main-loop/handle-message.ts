/**
 * Handling one queue message end to end: read the envelope, run the request, write the debug
 * bundle, then settle (see `settle.ts`). Takes everything it needs as explicit inputs, so it
 * holds no reference back to the loop that calls it.
 */

import type { z } from "zod";
import type { PromptResponse } from "../../adapters/types.js";
import { Deadline } from "../../deadline.js";
import { type BundleConfig, writeBundle } from "../../debug/bundle.js";
import { DeadlineExceededError, WinkError } from "../../errors.js";
import { type Filesystem, FilesystemKey, InMemoryFilesystem } from "../../filesystem/index.js";
import { collectLogs, getLogger, serializeError, toLogValue } from "../../logging/index.js";
import type { ResourceContext, ResourceRegistry } from "../../resources/index.js";
import { createRunContext } from "../../run-context.js";
import { formatIssues, schemaIssues } from "../../schema.js";
import { redact, redactText } from "../../secrets/index.js";
import type { Session } from "../../session/index.js";
import { WorkspaceKey } from "../../workspace/index.js";
import { MailboxSerializationError } from "../mailbox/errors.js";
import type { Message } from "../mailbox/types.js";
import type { MessageLease } from "./lease-extender.js";
import type { BudgetState, ExecuteOptions } from "./options.js";
import {
  type Attempt,
  describeError,
  replyAndAcknowledge,
  type SettleTarget,
  settleFailure,
} from "./settle.js";
import type { MainLoopError, MainLoopRequest, MainLoopResult } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

/** What {@link handleMessage} needs from the loop. */
export interface MessageHandling<Req, Out> extends SettleTarget {
  /** Schema of the whole envelope; a body that fails it is dead-lettered at once. */
  readonly envelopeSchema: z.ZodType<MainLoopRequest<Req>>;
  readonly workerId: string;
  /** The loop's heartbeat: every step of a request also counts as the loop being alive. */
  readonly beat: () => void;
  /** Runs one request (prepare, evaluate, finalize). */
  readonly execute: (
    request: Req,
    options: ExecuteOptions,
  ) => Promise<{ readonly response: PromptResponse<Out>; readonly session: Session }>;
  readonly debugBundle?: BundleConfig | undefined;
  /** The loop's resources: a bound `Filesystem` instance is captured in bundles. */
  readonly resources?: ResourceRegistry | undefined;
  /** The loop's effective settings, recorded in bundles. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/**
 * Process one message to a settled state. Never throws. `lease` is extended by this request's
 * own progress only, so a hung request is not kept alive by the others.
 */
export async function handleMessage<Req, Out>(
  loop: MessageHandling<Req, Out>,
  message: Message<unknown, MainLoopResult<Out>>,
  lease: MessageLease,
): Promise<void> {
  const startedMs = loop.clock.monotonic();
  const parsed = loop.envelopeSchema.safeParse(message.body);
  // A body the mailbox could not read (not JSON) can never succeed: dead-letter it with that reason.
  if (message.bodyError !== undefined || !parsed.success) {
    const error = message.bodyError ?? invalidEnvelope(message.id, loop.mailbox, parsed.error);
    await settleFailure(loop, { message, startedMs }, error, true);
    lease.release();
    return;
  }
  const envelope: MainLoopRequest<Req> = parsed.data;
  const requestId = envelope.requestId ?? message.id;
  const runContext = createRunContext({
    requestId,
    attempt: message.deliveryCount,
    workerId: loop.workerId,
    ...(envelope.runContext?.traceId ? { traceId: envelope.runContext.traceId } : {}),
    ...(envelope.runContext?.spanId ? { spanId: envelope.runContext.spanId } : {}),
  });
  // The bundle gets this attempt's own log records (selected by its runId), whatever the threshold.
  const capture = loop.debugBundle
    ? collectLogs({ field: "runId", value: runContext.runId, clock: loop.clock })
    : undefined;
  const attempt: Attempt = { message, startedMs, requestId, runContext, logs: capture?.records };
  // DEBUG: at INFO a worker logs one line per request already (adapter.evaluate.complete), plus
  // every retry, dead letter and failure.
  if (log.isEnabled("debug")) {
    log.debug("main_loop.message_received", "Processing a request.", {
      loop: loop.loop,
      messageId: message.id,
      requestId,
      attempt: message.deliveryCount,
    });
  }
  // This request's progress extends its own lease and also counts as the loop's heartbeat.
  const progress = (): void => {
    lease.beat();
    loop.beat();
  };
  // With bundles on, keep the session as soon as it exists (a failed run's bundle needs it too),
  // and its state before the evaluation.
  const seen: {
    session?: Session;
    before?: string;
    files?: Filesystem;
    phases: Record<string, number>;
    budget?: BudgetState;
  } = { phases: {} };
  const onSession = loop.debugBundle
    ? (session: Session): void => {
        seen.session = session;
        seen.before = session.snapshot({ includeLogs: true }).serialize();
      }
    : undefined;
  try {
    const deadline = deadlineOf(envelope, requestId, loop.clock);
    const { response, session } = await loop.execute(envelope.request, {
      requestId,
      runContext,
      ...(deadline ? { deadline } : {}),
      ...(envelope.budget ? { budget: envelope.budget } : {}),
      heartbeat: progress,
      ...(onSession
        ? {
            onSession,
            onPhase: (name: string, ms: number) => {
              seen.phases[`${name}Ms`] = Math.round(ms * 1000) / 1000;
            },
            onBudget: (state: BudgetState) => {
              seen.budget = state;
            },
          }
        : {}),
      ...(loop.debugBundle && loop.debugBundle.captureFilesystem !== false
        ? {
            // The evaluation's workspace is deleted when it ends: copy it for the bundle first.
            beforeRelease: async (resources: ResourceContext) => {
              const workspace = resources.peek(FilesystemKey) ?? resources.peek(WorkspaceKey)?.filesystem;
              if (workspace) seen.files = await copyFilesystem(workspace);
            },
          }
        : {}),
    });
    const bundlePath = await bundle(loop, attempt, envelope, {
      output: response.output,
      session,
      ...(seen.before ? { sessionBefore: seen.before } : {}),
      ...(seen.files ? { files: seen.files } : {}),
      measures: { phases: seen.phases, ...(seen.budget ? { budget: seen.budget } : {}) },
    });
    await replyAndAcknowledge(loop, attempt, {
      requestId,
      success: true,
      output: response.output,
      sessionId: session.sessionId,
      runId: runContext.runId,
      attempt: message.deliveryCount,
      completedAt: loop.clock.now().toISOString(),
      ...(bundlePath ? { bundlePath } : {}),
    });
  } catch (error) {
    const bundlePath = await bundle(loop, attempt, envelope, {
      error: bundleError(error),
      ...(seen.session ? { session: seen.session } : {}),
      ...(seen.before ? { sessionBefore: seen.before } : {}),
      ...(seen.files ? { files: seen.files } : {}),
      measures: { phases: seen.phases, ...(seen.budget ? { budget: seen.budget } : {}) },
    });
    // A request whose own deadline passed before it started can never succeed: no retries.
    const expired = error instanceof DeadlineExceededError && error.details.expiredOnArrival === true;
    await settleFailure(loop, { ...attempt, bundlePath }, error, expired);
  } finally {
    capture?.stop();
    lease.release();
  }
}

/** `request/error.json`: the reply's error with what a post-mortem needs besides. */
type BundleError = MainLoopError & {
  readonly details?: unknown;
  readonly stack?: string;
  readonly cause?: unknown;
};

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

function withoutFiles<T extends { files?: unknown; measures?: unknown }>(
  parts: T,
): Omit<T, "files" | "measures"> {
  const { files: _files, measures: _measures, ...rest } = parts;
  return rest;
}

/** Write this attempt's debug bundle when enabled; a failure is logged, never thrown. */
async function bundle<Req, Out>(
  loop: MessageHandling<Req, Out>,
  attempt: Attempt,
  input: MainLoopRequest<Req>,
  parts: {
    output?: unknown;
    error?: BundleError;
    session?: Session;
    sessionBefore?: string;
    files?: Filesystem;
    measures?: { phases: Record<string, number>; budget?: BudgetState };
  },
): Promise<string | undefined> {
  const config = loop.debugBundle;
  if (!config || !attempt.requestId || !attempt.runContext) return undefined;
  // The evaluation's own workspace (copied before it closed), else a Filesystem instance the loop
  // holds; factories are not opened for this.
  const binding = loop.resources?.binding(FilesystemKey);
  const filesystem = parts.files ?? (binding?.kind === "instance" ? binding.value : undefined);
  try {
    return await writeBundle(config, {
      requestId: attempt.requestId,
      runId: attempt.runContext.runId,
      attempt: attempt.message.deliveryCount,
      input,
      ...withoutFiles(parts),
      ...(parts.measures ? { measures: parts.measures } : {}),
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
      ...(attempt.logs ? { logs: attempt.logs } : {}),
      ...(filesystem ? { filesystem } : {}),
      clock: loop.clock,
    });
  } catch (error) {
    log.error("main_loop.bundle_failed", "Could not write the debug bundle; the request goes on.", {
      messageId: attempt.message.id,
      requestId: attempt.requestId,
      target: config.target,
      error,
    });
    return undefined;
  }
}

function deadlineOf<Req>(
  envelope: MainLoopRequest<Req>,
  requestId: string,
  clock: MessageHandling<Req, unknown>["clock"],
): Deadline | undefined {
  if (!envelope.deadline) return undefined;
  const at = Date.parse(envelope.deadline);
  if (at <= clock.epochMs()) throw expiredRequestError(requestId, envelope.deadline);
  return new Deadline(at, clock);
}

/** The error of a message whose body is JSON but not a request envelope of this loop. */
function invalidEnvelope(
  messageId: string,
  mailbox: string,
  error: z.ZodError | undefined,
): MailboxSerializationError {
  const issues = error === undefined ? "" : `:\n${formatIssues(schemaIssues(error))}`;
  return new MailboxSerializationError(
    `Message ${messageId} in "${mailbox}" is not a valid request envelope${issues}\n` +
      `Send { request, requestId? } with a request that matches the loop's schema.`,
    { details: { mailbox, messageId } },
  );
}

/** Raised when a request's own deadline has already passed when it is picked up. */
export function expiredRequestError(requestId: string, deadline: string): DeadlineExceededError {
  return new DeadlineExceededError(
    `Request ${requestId} has deadline ${deadline}, which passed before a worker picked it up. Send it with a later deadline.`,
    { details: { requestId, deadline, expiredOnArrival: true } },
  );
}
