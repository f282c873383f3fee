/**
 * Resume instead of restart: the shared loop saves its progress after every model turn and every
 * tool call ({@link Checkpointer}), and an evaluation given an earlier attempt's checkpoint goes on
 * from it ({@link resumePoint}): the conversation restored by its driver, the session put back,
 * the tool calls that already ran not run again, and the model told it was interrupted.
 */

import type { TokenUsage } from "../budget.js";
import { type DataType, erase } from "../data-type.js";
import { SnapshotRestoreError } from "../errors.js";
import { PromptExecuted, PromptRendered, ToolInvoked } from "../events/index.js";
import { getLogger } from "../logging/index.js";
import type { RenderedPrompt, ToolCall } from "../prompt/index.js";
import { Feedback, PolicyRecord, VisibilityOverride } from "../prompt/index.js";
import { type Session, Snapshot } from "../session/index.js";
import type {
  EvaluateOptions,
  EvaluationCheckpoint,
  EvaluationCheckpoints,
  ProviderConversation,
  ProviderDriver,
  ToolOutcome,
} from "./types.js";

const log = getLogger("weakincentives.adapters.checkpoint");

/** What the model is told when its evaluation goes on in a new attempt. */
export const INTERRUPTED_NOTE =
  "Your work on this task was interrupted and has been resumed. Everything above, tool results included, " +
  "already happened; do not repeat it. Continue from where you left off.";

/** Where a resumed evaluation starts: its restored conversation and what it had done. */
export interface ResumePoint {
  readonly conversation: ProviderConversation;
  readonly turn: number;
  readonly pending: readonly ToolCall[];
  readonly done: readonly ToolOutcome[];
  readonly usage: TokenUsage;
  readonly costUsd: number | undefined;
}

/**
 * The point to resume from: the checkpoint in `options`, when it belongs to this prompt, adapter
 * and model and the driver can restore it. The session is put back as it was at the checkpoint.
 * Anything else starts over (and says why at INFO).
 */
export function resumePoint(
  options: EvaluateOptions,
  driver: ProviderDriver,
  rendered: RenderedPrompt<unknown>,
): ResumePoint | undefined {
  const saved = options.checkpoints?.resumeFrom;
  if (!saved) return undefined;
  const why = mismatch(saved, driver, rendered.name);
  if (why !== undefined || !driver.restore) {
    log.info("adapter.resume.skipped", "A checkpoint was found but the evaluation starts over.", {
      prompt: rendered.name,
      reason: why ?? `the ${driver.name} driver cannot restore a conversation`,
    });
    return undefined;
  }
  const conversation = driver.restore(rendered, saved.conversation);
  restoreSession(options.session, saved.session);
  log.info("adapter.resume", "Resuming an interrupted evaluation from its checkpoint.", {
    prompt: rendered.name,
    turn: saved.turn,
    pendingToolCalls: saved.pending.length - saved.done.length,
  });
  return {
    conversation,
    turn: saved.turn,
    pending: saved.pending,
    done: saved.done,
    usage: saved.usage,
    costUsd: saved.costUsd,
  };
}

function mismatch(saved: EvaluationCheckpoint, driver: ProviderDriver, prompt: string): string | undefined {
  if (saved.version !== 1) return `checkpoint version ${String(saved.version)} is not 1`;
  if (saved.promptName !== prompt) return `it belongs to prompt "${saved.promptName}"`;
  if (saved.adapter !== driver.name || saved.model !== driver.model) {
    return `it was made by ${saved.adapter} ${saved.model}, not ${driver.name} ${driver.model}`;
  }
  return undefined;
}

/** The types the library itself records in sessions, known to every process. */
const LIBRARY_TYPES: readonly DataType[] = [
  erase(PromptRendered),
  erase(PromptExecuted),
  erase(ToolInvoked),
  erase(VisibilityOverride),
  erase(Feedback),
  erase(PolicyRecord),
];

/**
 * Put the session back as the checkpoint saw it. Through the JSON line, so values are validated
 * by their types as any parsed snapshot is. A slice of a type this process does not know yet (a
 * typed tool result no reducer here installed) is left out, with a warning, rather than failing.
 */
function restoreSession(session: Session, saved: unknown): void {
  let snapshot = Snapshot.parse(JSON.stringify(saved));
  const dropped: string[] = [];
  for (;;) {
    try {
      session.restore(snapshot, { preserveLogs: false, types: LIBRARY_TYPES });
      break;
    } catch (error) {
      const type = (error as { details?: { type?: unknown } }).details?.type;
      const unknownType =
        error instanceof SnapshotRestoreError && typeof type === "string" && !dropped.includes(type);
      if (!unknownType) throw error;
      dropped.push(type);
      snapshot = withoutSlice(snapshot, type);
    }
  }
  if (dropped.length > 0) {
    log.warning("adapter.resume.slices_dropped", "Session slices of unknown types were not restored.", {
      types: dropped.join(","),
    });
  }
}

function withoutSlice(snapshot: Snapshot, type: string): Snapshot {
  return new Snapshot({
    createdAt: snapshot.createdAt,
    sessionId: snapshot.sessionId,
    parentId: snapshot.parentId,
    childrenIds: snapshot.childrenIds,
    tags: snapshot.tags,
    policies: snapshot.policies,
    slices: snapshot.slices.filter((slice) => slice.type !== type),
  });
}

/** Saves an evaluation's progress through {@link EvaluationCheckpoints.save}. */
export class Checkpointer {
  constructor(
    private readonly target: EvaluationCheckpoints,
    private readonly fixed: {
      readonly driver: ProviderDriver;
      readonly promptName: string;
      readonly session: Session;
    },
  ) {}

  /** A checkpointer for `options`, when it asks for checkpoints; undefined otherwise. */
  static of(options: EvaluateOptions, driver: ProviderDriver, promptName: string): Checkpointer | undefined {
    return options.checkpoints
      ? new Checkpointer(options.checkpoints, { driver, promptName, session: options.session })
      : undefined;
  }

  /** Save the state after `turn` model turns; `pending`/`done`: the tool calls of the last one. */
  async save(
    conversation: ProviderConversation,
    progress: {
      readonly turn: number;
      readonly pending: readonly ToolCall[];
      readonly done: readonly ToolOutcome[];
      readonly usage: TokenUsage;
      readonly costUsd: number | undefined;
    },
  ): Promise<void> {
    if (!conversation.save) return;
    const { driver, promptName, session } = this.fixed;
    await this.target.save({
      version: 1,
      promptName,
      adapter: driver.name,
      model: driver.model,
      turn: progress.turn,
      conversation: conversation.save(),
      pending: progress.pending,
      done: progress.done,
      session: session.snapshot({ includeLogs: true }).toJSON(),
      usage: progress.usage,
      ...(progress.costUsd === undefined ? {} : { costUsd: progress.costUsd }),
    });
  }
}
