/**
 * Secret hygiene: find and redact secrets before they reach a log line or a debug bundle.
 *
 * Three layers work together: secret-named keys (`apiKey`, `password`, `authorization`…), value
 * patterns for well-known credential formats (OpenAI/Anthropic/GitHub/Slack keys, AWS keys,
 * JWTs, `Bearer` tokens, URL passwords, `key=value` pairs), and an exact-value registry for
 * secrets no pattern can recognize (fill it when loading configuration).
 *
 * @example
 * ```ts
 * import { redact, registerSecret } from "weakincentives/secrets";
 *
 * registerSecret("correct-horse-battery");
 * redact({ dsn: "postgres://app:correct-horse-battery@db/prod", apiKey: "k" });
 * // { dsn: "postgres://app:[REDACTED]@db/prod", apiKey: "[REDACTED]" }
 * ```
 */

export {
  clearRegisteredSecrets,
  isSecretKey,
  MIN_SECRET_LENGTH,
  REDACTED,
  redact,
  redactText,
  registerSecret,
} from "./redact.js";
