/**
 * The one error the overrides store throws. It is a {@link PromptError} with code
 * `"prompt_validation"`, plus a `reason` so callers can tell a missing root from a stale write
 * without reading the message. Messages name the file, section path or tool and say what to do.
 *
 * @example
 * ```ts
 * import type { Prompt } from "weakincentives";
 * import { type LocalPromptOverridesStore, type PromptOverride, PromptOverridesError } from "weakincentives/prompt";
 *
 * declare const store: LocalPromptOverridesStore;
 * declare const prompt: Prompt;
 * declare const override: PromptOverride; // edited by hand, possibly against older text
 * try {
 *   store.upsert(prompt, override);
 * } catch (err) {
 *   if (err instanceof PromptOverridesError && err.reason === "hash_mismatch") {
 *     console.log(err.details.section); // "reference/api"
 *   }
 * }
 * ```
 */

import { PromptError, type WinkErrorOptions } from "../../errors.js";

/** Why an overrides operation failed. Closed: branch on it instead of parsing messages. */
export type PromptOverridesErrorReason =
  /** No `rootPath` was given and no git repository encloses the working directory. */
  | "root_not_found"
  /** A namespace segment, prompt key or tag is not a valid identifier. */
  | "invalid_identifier"
  /** The file exists but could not be read. */
  | "unreadable_file"
  /** The file could not be written (or its directory created). */
  | "write_failed"
  /** The file is not JSON, or its JSON does not have the override file shape. */
  | "invalid_file"
  /** The file declares a format version this library does not read. */
  | "unsupported_version"
  /** The override's ns, prompt key or tag is not the one it was read or written for. */
  | "identity_mismatch"
  /** A write names a section the prompt does not have, or one that does not accept overrides. */
  | "unknown_section"
  /** A write names a tool the prompt does not have, or one that does not accept overrides. */
  | "unknown_tool"
  /** A write's expected hash is not the section's (or tool's) current hash. */
  | "hash_mismatch"
  /** A section override's text or visibility does not fit the section. */
  | "invalid_section_override"
  /** A tool override's description or parameter names do not fit the tool. */
  | "invalid_tool_override";

/** Raised by prompt overrides stores; see {@link PromptOverridesErrorReason}. */
export class PromptOverridesError extends PromptError {
  /** What went wrong, as a stable discriminant (also in `details.reason`). */
  readonly reason: PromptOverridesErrorReason;

  constructor(reason: PromptOverridesErrorReason, message: string, options: WinkErrorOptions = {}) {
    super("prompt_validation", message, { ...options, details: { reason, ...(options.details ?? {}) } });
    this.reason = reason;
  }
}
