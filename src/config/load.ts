/**
 * Loading a configuration spec from the environment, all at once.
 *
 * Every field is read before anything is reported, so one deployment attempt shows every
 * mistake instead of one per restart. Secrets are registered for log redaction as soon as they
 * are read — before any error is formatted — and error lines show only their length.
 *
 * @example
 * ```ts
 * import { describeConfig, env, loadConfig } from "weakincentives/config";
 * import { getLogger } from "weakincentives/runtime";
 *
 * const config = loadConfig({
 *   maxTurns: env.int("AGENT_MAX_TURNS", { default: 25, min: 1 }),
 *   apiKey: env.secret("ANTHROPIC_API_KEY"),
 * });
 * config.maxTurns; // number
 * getLogger("worker").info("config.loaded", "Configuration loaded", describeConfig(config)); // apiKey: "[REDACTED]"
 * ```
 */

import { readFileSync } from "node:fs";
import { WinkError } from "../errors.js";
import { REDACTED, redact, redactText, registerSecret } from "../secrets/index.js";
import type { ConfigField } from "./fields.js";
import { Secret } from "./secret.js";

/** Where variables are read from; `process.env` by default. */
export type ConfigEnvironment = Readonly<Record<string, string | undefined>>;

/** An object of fields, as given to {@link loadConfig}. */
export type ConfigSpec = Readonly<Record<string, ConfigField<unknown>>>;

/** The typed, read-only configuration {@link loadConfig} returns for spec `S`. */
export type Config<S extends ConfigSpec> = { readonly [K in keyof S]: S[K]["_type"] };

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Variables to read. Default `process.env`. */
  env?: ConfigEnvironment;
  /** Reads a `NAME_FILE` secret file as UTF-8 text. Default `fs.readFileSync`. */
  readFile?: (path: string) => string;
}

/** What went wrong with one variable. */
export type ConfigProblem = "missing" | "invalid" | "conflict" | "unreadable" | "calibration";

/** One configuration problem; {@link ConfigIssue.message} is the line shown to the operator. */
export interface ConfigIssue {
  /** The variable to change. */
  readonly variable: string;
  readonly problem: ConfigProblem;
  /**
   * The offending value as shown: quoted and redacted text, or `<redacted, N chars>` for a
   * secret. Absent when the variable is unset or the problem spans several values.
   */
  readonly value?: string;
  /** The full line: the variable, the value, what was expected and the fix. */
  readonly message: string;
  /** For a `calibration` problem: the rule broken (see `checkCalibration`). */
  readonly rule?: string;
}

/**
 * Configuration is missing, malformed or inconsistent. {@link ConfigError.issues} lists every
 * problem found, each naming its variable, the value and the fix; the message lists them all.
 */
export class ConfigError extends WinkError {
  /** Every problem found, in spec order. */
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(
      "invalid_config",
      `Invalid configuration (${count}):\n${issues.map((issue) => `  - ${issue.message}`).join("\n")}`,
      { details: { issues } },
    );
    this.issues = Object.freeze([...issues]);
  }
}

/** The text of one variable, or where it came from when it could not be read. */
type RawRead =
  | { readonly kind: "absent" }
  | { readonly kind: "value"; readonly raw: string; readonly source: string; readonly path?: string }
  | { readonly kind: "issue"; readonly issue: ConfigIssue };

/** Unset and blank are the same: orchestrators often set a variable to "". */
function present(env: ConfigEnvironment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** How an offending value is shown: secrets only by length. */
function showValue(raw: string, secret: boolean): string {
  return secret ? `<redacted, ${raw.length} chars>` : JSON.stringify(redactText(raw));
}

function readSecret(
  field: ConfigField<unknown>,
  env: ConfigEnvironment,
  readFile: (path: string) => string,
): RawRead {
  const name = field.variable;
  const fileVariable = `${name}_FILE`;
  const direct = present(env, name);
  const path = present(env, fileVariable)?.trim();
  if (direct !== undefined) registerSecret(direct);
  if (direct !== undefined && path !== undefined) {
    const message =
      `${name} and ${fileVariable} are both set: expected only one. ` +
      `Unset one of them: ${name} holds the secret itself, ${fileVariable} the path of a file holding it.`;
    return { kind: "issue", issue: { variable: name, problem: "conflict", message } };
  }
  if (path === undefined) {
    return direct === undefined ? { kind: "absent" } : { kind: "value", raw: direct.trim(), source: name };
  }
  const shownPath = JSON.stringify(path);
  let content: string;
  try {
    content = readFile(path);
  } catch (error) {
    // The code (ENOENT, EACCES…) says enough; an error text could quote the file.
    const code = (error as { code?: unknown } | null)?.code;
    const reason = typeof code === "string" ? ` (${code})` : "";
    const message =
      `${fileVariable}=${shownPath}: cannot read the file${reason}. ` +
      `Mount the secret at that path and make it readable by this process, or fix ${fileVariable}.`;
    return {
      kind: "issue",
      issue: { variable: fileVariable, problem: "unreadable", value: shownPath, message },
    };
  }
  registerSecret(content);
  const value = content.replace(/[\r\n]+$/, "");
  if (value.trim() === "") {
    const message = `${fileVariable}=${shownPath}: the file is empty. Write the secret into it, or unset ${fileVariable}.`;
    return {
      kind: "issue",
      issue: { variable: fileVariable, problem: "invalid", value: shownPath, message },
    };
  }
  return { kind: "value", raw: value, source: fileVariable, path };
}

function readRaw(
  field: ConfigField<unknown>,
  env: ConfigEnvironment,
  readFile: (path: string) => string,
): RawRead {
  if (field.secret) return readSecret(field, env, readFile);
  const raw = present(env, field.variable);
  return raw === undefined ? { kind: "absent" } : { kind: "value", raw: raw.trim(), source: field.variable };
}

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issue: ConfigIssue };

function resolveField(field: ConfigField<unknown>, read: RawRead): Outcome {
  if (read.kind === "issue") return { ok: false, issue: read.issue };
  if (read.kind === "absent") {
    if (field.defaultValue !== undefined) return { ok: true, value: field.defaultValue };
    if (field.optional) return { ok: true, value: undefined };
    const message = `${field.variable} is not set: expected ${field.expected}. ${field.fix}`;
    return { ok: false, issue: { variable: field.variable, problem: "missing", message } };
  }
  const value = field.parse(read.raw);
  if (value !== undefined) return { ok: true, value };
  const shown = showValue(read.raw, field.secret);
  const subject =
    read.path === undefined
      ? `${read.source}=${shown}`
      : `${read.source}=${JSON.stringify(read.path)} holds ${shown}`;
  const message = `${subject}: expected ${field.expected}. ${field.fix}`;
  return { ok: false, issue: { variable: read.source, problem: "invalid", value: shown, message } };
}

function defaultReadFile(path: string): string {
  return readFileSync(path, "utf8");
}

/**
 * Read every field of `spec` from the environment and return a frozen object with the same keys,
 * typed from the spec. Secrets are wrapped in {@link Secret} and registered for log redaction.
 *
 * @throws ConfigError listing every missing, malformed or conflicting variable at once.
 */
export function loadConfig<const S extends ConfigSpec>(spec: S, options: LoadConfigOptions = {}): Config<S> {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? defaultReadFile;
  // Read (and register) every secret before parsing, so no error line can carry one.
  const reads = Object.entries(spec).map(
    ([key, field]) => [key, field, readRaw(field, env, readFile)] as const,
  );
  const issues: ConfigIssue[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, field, read] of reads) {
    const outcome = resolveField(field, read);
    if (outcome.ok) config[key] = outcome.value;
    else issues.push(outcome.issue);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(config) as Config<S>;
}

/** A value of a configuration dump: what {@link describeConfig} shows for one field. */
export type DescribedValue = string | number | boolean | null | readonly DescribedValue[] | DescribedObject;

/** A nested object of a configuration dump. */
export interface DescribedObject {
  readonly [key: string]: DescribedValue;
}

/**
 * A copy of `config` that is safe to log: each {@link Secret} becomes `[REDACTED]`, unset
 * optional values become `null` (so the key still shows), strings lose any embedded credentials
 * (`redis://user:[REDACTED]@host`), and everything else is shown as it is.
 */
export function describeConfig(config: object): Readonly<Record<string, DescribedValue>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value instanceof Secret) out[key] = REDACTED;
    else out[key] = value === undefined ? null : value;
  }
  // The deep redactor also hides a plain string kept under a secret-named key (`apiKey`).
  return Object.freeze(redact(out) as Record<string, DescribedValue>);
}
