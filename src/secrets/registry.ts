/**
 * A process-wide registry of exact secret values.
 *
 * Patterns cannot recognize every secret (a database password is just a string), so the code
 * that loads one — from an environment variable or a `*_FILE` mount — registers it here, and
 * every later redaction replaces each occurrence of it.
 *
 * @example
 * ```ts
 * import { registerSecret, redactText } from "weakincentives/secrets";
 *
 * registerSecret(process.env.DB_PASSWORD ?? "");
 * redactText(`connecting with ${process.env.DB_PASSWORD}`); // "connecting with [REDACTED]"
 * ```
 */

/** The text every redacted secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** Values shorter than this are never registered: they would blank out ordinary words. */
export const MIN_SECRET_LENGTH = 4;

// Longest first, so a secret that contains a shorter one is replaced whole.
let secrets: readonly string[] = [];
let generation = 0;

function add(value: string): boolean {
  // A secret that is part of the replacement text would be "found" again in every redaction.
  if (value.length < MIN_SECRET_LENGTH || REDACTED.includes(value) || secrets.includes(value)) return false;
  secrets = [...secrets, value].sort((a, b) => b.length - a.length);
  generation++;
  return true;
}

/**
 * Remember `value` as a secret: from now on every redaction replaces each occurrence of it with
 * `[REDACTED]`. Values shorter than {@link MIN_SECRET_LENGTH} characters are ignored, because they
 * would redact ordinary words. Surrounding whitespace (the trailing newline of a secret file) is
 * ignored too: both the value and its trimmed form are registered.
 *
 * @returns true when something new was registered.
 */
export function registerSecret(value: string): boolean {
  if (typeof value !== "string") return false;
  const exact = add(value);
  const trimmed = value.trim();
  return (trimmed !== value && add(trimmed)) || exact;
}

/** Forget every registered secret. Meant for tests. */
export function clearRegisteredSecrets(): void {
  secrets = [];
  generation++;
}

/** The registered secrets, longest first. Internal to the secrets module. */
export function registeredSecrets(): readonly string[] {
  return secrets;
}

/** Changes whenever the registered secrets change (lets callers cache redaction results). */
export function secretsGeneration(): number {
  return generation;
}
