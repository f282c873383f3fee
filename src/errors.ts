/**
 * The error family of WINK.
 *
 * Every error thrown on purpose by this package is a {@link WinkError}. It carries a `code` from a
 * closed union, so callers branch on `err.code` instead of `instanceof` chains, and a `details`
 * object with the offending value, so logs and tests can read it without parsing the message.
 * Messages always say what was wrong *and* what to do about it.
 *
 * @example
 * ```ts
 * import { WinkError, isWinkError } from "weakincentives";
 *
 * try {
 *   throw new WinkError("invalid_argument", "maxTotalTokens must be > 0, got -1. Pass a positive integer.");
 * } catch (err) {
 *   if (isWinkError(err, "invalid_argument")) console.log(err.message);
 * }
 * ```
 */

/** Every error code WINK raises. Closed: adding one is a deliberate API change. */
export type WinkErrorCode =
  | "invalid_argument"
  | "invalid_config"
  | "schema_validation"
  | "deadline_exceeded"
  | "budget_exceeded"
  | "tool_validation"
  | "prompt_validation"
  | "prompt_render"
  | "output_parse"
  | "visibility_expansion_required"
  | "snapshot_serialization"
  | "snapshot_restore"
  | "transaction"
  | "prompt_evaluation"
  | "throttled"
  | "mailbox_invalid_parameter"
  | "mailbox_receipt_expired"
  | "mailbox_finalized"
  | "mailbox_reply_unavailable"
  | "mailbox_full"
  | "mailbox_connection"
  | "mailbox_serialization"
  | "mailbox_resolution"
  | "mailbox_closed"
  | "resource_unbound"
  | "resource_cycle"
  | "resource_duplicate"
  | "resource_provider"
  | "resource_closed"
  | "dataset_invalid"
  | "evaluation_invalid"
  | "interrupted"
  | "internal";

/** Options shared by every WINK error. */
export interface WinkErrorOptions {
  /** The underlying error, kept for stack traces and debugging. */
  cause?: unknown;
  /** Structured facts about the failure (the offending value, a limit, a path). */
  details?: Readonly<Record<string, unknown>>;
}

/** Root of every error WINK throws on purpose. Branch on {@link WinkError.code}. */
export class WinkError extends Error {
  /** Stable discriminant; see {@link WinkErrorCode}. */
  readonly code: WinkErrorCode;
  /** Structured facts about the failure; never contains secret values. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: WinkErrorCode, message: string, options: WinkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
    this.name = new.target.name;
  }

  /**
   * Wrap any thrown value as a WinkError, keeping it as `cause`. A WinkError passes through
   * unchanged, so wrapping at every boundary never nests.
   */
  static wrap(error: unknown, code: WinkErrorCode = "internal", context?: string): WinkError {
    if (error instanceof WinkError) return error;
    const text = describeThrown(error);
    return new WinkError(code, context ? `${context}: ${text}` : text, { cause: error });
  }
}

/** True when `error` is a {@link WinkError}, optionally with the given code. */
export function isWinkError(error: unknown, code?: WinkErrorCode): error is WinkError {
  return error instanceof WinkError && (code === undefined || error.code === code);
}

/** A readable one-line description of any thrown value. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** A stable name for a thrown value's type, used in dead letters and metrics. */
export function errorTypeName(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name || "Error";
  if (error === null) return "null";
  return typeof error;
}

/** A wall-clock or monotonic deadline has passed. */
export class DeadlineExceededError extends WinkError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("deadline_exceeded", message, options);
  }
}

/** Which limit of a budget was crossed. */
export type BudgetDimension = "deadline" | "total_tokens" | "input_tokens" | "output_tokens" | "usd";

/** Token usage or dollar cost crossed a budget limit, or the budget's deadline passed. */
export class BudgetExceededError extends WinkError {
  readonly dimension: BudgetDimension;
  constructor(dimension: BudgetDimension, message: string, options: WinkErrorOptions = {}) {
    super("budget_exceeded", message, {
      ...options,
      details: { dimension, ...(options.details ?? {}) },
    });
    this.dimension = dimension;
  }
}

/** A model sent tool arguments that do not match the tool's parameter schema. */
export class ToolValidationError extends WinkError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("tool_validation", message, options);
  }
}

/**
 * A path tried to leave the workspace: `..` past the root, an absolute path, a symbolic link
 * out of the root, a hard link, a device file, or a host mount outside the allowed roots. It is a
 * {@link ToolValidationError}, so a model that sent the path reads the refusal and can fix the call;
 * `details.path` names the path and `details.reason` what was wrong with it.
 */
export class WorkspaceSecurityError extends ToolValidationError {
  /** The path as it was given. */
  readonly path: string;

  constructor(path: string, message: string, options: WinkErrorOptions = {}) {
    super(message, { ...options, details: { path, ...(options.details ?? {}) } });
    this.path = path;
  }
}

/** Base of the prompt errors: a template, render or output problem. */
export class PromptError extends WinkError {}

/** A prompt template is malformed (unknown placeholder, duplicate tool, bad key...). */
export class PromptValidationError extends PromptError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("prompt_validation", message, options);
  }
}

/** Rendering a bound prompt failed (missing params, a section that threw). */
export class PromptRenderError extends PromptError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("prompt_render", message, options);
  }
}

/** The model's final answer could not be parsed against the prompt's output schema. */
export class OutputParseError extends PromptError {
  /** The raw text the model returned. */
  readonly rawText: string;
  /** The validation issues, each with a path and a message. */
  readonly issues: readonly { path: string; message: string }[];
  constructor(
    message: string,
    rawText: string,
    issues: readonly { path: string; message: string }[],
    options: WinkErrorOptions = {},
  ) {
    super("output_parse", message, options);
    this.rawText = rawText;
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * The model asked to open sections rendered as summaries. Not a failure: the runtime re-renders
 * the prompt with those sections expanded and tries again.
 */
export class VisibilityExpansionRequired extends PromptError {
  /** Section keys (path segments joined with `/`) the model asked to expand. */
  readonly sectionKeys: readonly string[];
  constructor(sectionKeys: readonly string[], reason = "", options: WinkErrorOptions = {}) {
    super(
      "visibility_expansion_required",
      `The model asked to expand sections ${sectionKeys.map((k) => `"${k}"`).join(", ")}${
        reason ? ` (${reason})` : ""
      }; re-render the prompt with them open and evaluate again.`,
      { ...options, details: { sectionKeys, reason } },
    );
    this.sectionKeys = Object.freeze([...sectionKeys]);
  }
}

/** A snapshot could not be turned into (or read from) its serialized form. */
export class SnapshotSerializationError extends WinkError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("snapshot_serialization", message, options);
  }
}

/** A snapshot could not be restored into a session (unknown slice, invalid item). */
export class SnapshotRestoreError extends WinkError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("snapshot_restore", message, options);
  }
}

/** A transactional operation could not take or roll back its snapshot. */
export class TransactionError extends WinkError {
  constructor(message: string, options: WinkErrorOptions = {}) {
    super("transaction", message, options);
  }
}
