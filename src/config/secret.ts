/**
 * A secret value that cannot leak by accident.
 *
 * Every way JavaScript turns an object into text — `String()`, template literals,
 * `JSON.stringify`, `console.log`/`util.inspect`, the structured logger — prints `[REDACTED]`.
 * The only way to the value is an explicit {@link Secret.reveal} at the point of use, which is
 * easy to find in review. Creating a Secret also registers its value with the redaction registry
 * (`weakincentives/secrets`), so the value is redacted even when it reaches a log line some other
 * way, say inside an SDK's error message.
 *
 * @example
 * ```ts
 * import Anthropic from "@anthropic-ai/sdk";
 * import { Secret } from "weakincentives/config";
 *
 * const key = new Secret("sk-ant-api03-example");
 * `${key}`; // "[REDACTED]"
 * JSON.stringify({ key }); // '{"key":"[REDACTED]"}'
 * new Anthropic({ apiKey: key.reveal() });
 * ```
 */

import { inspect } from "node:util";
import { REDACTED, registerSecret } from "../secrets/index.js";

/** A string that prints as `[REDACTED]` everywhere; {@link Secret.reveal} returns the value. */
export class Secret {
  // A private field: invisible to Object.keys, spread, structuredClone and the deep redactor.
  readonly #value: string;

  /** Wrap `value` and register it for redaction in every later log line. */
  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }

  /** The secret itself. Call it only where the value is handed to the API that needs it. */
  reveal(): string {
    return this.#value;
  }

  /** Always `[REDACTED]`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `[REDACTED]`, so `JSON.stringify` never writes the value. */
  toJSON(): string {
    return REDACTED;
  }

  /** Always `[REDACTED]`, for `console.log` and `util.inspect`. */
  [inspect.custom](): string {
    return REDACTED;
  }

  /** True when `value` is a {@link Secret}. */
  static isSecret(value: unknown): value is Secret {
    return value instanceof Secret;
  }
}
