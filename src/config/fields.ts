/**
 * Declarations of configuration fields: one environment variable each, with its type, default
 * and rule. Hand an object of them to `loadConfig`; its result is typed from the declarations.
 *
 * A variable that is unset *or blank* counts as absent (Kubernetes and Compose often set empty
 * values), so it takes its default. Each rule is written once as a phrase ("an integer >= 1")
 * that both checks and explains, so every error says what was expected and how to fix it.
 *
 * @example
 * ```ts
 * import { env } from "weakincentives/config";
 *
 * const spec = {
 *   maxTurns: env.int("AGENT_MAX_TURNS", { default: 25, min: 1 }), // number
 *   region: env.string("AWS_REGION", { optional: true }), // string | undefined
 *   format: env.string("LOG_FORMAT", { choices: ["json", "text"], default: "json" }), // "json" | "text"
 *   apiKey: env.secret("ANTHROPIC_API_KEY"), // Secret (also read from ANTHROPIC_API_KEY_FILE)
 * };
 * ```
 */

import { WinkError } from "../errors.js";
import { Secret } from "./secret.js";

/** What kind of value a field holds. */
export type ConfigFieldKind = "string" | "int" | "number" | "boolean" | "secret" | "url" | "custom";

/** Everything that defines a field; see {@link ConfigField}. */
interface FieldDefinition<T> {
  readonly kind: ConfigFieldKind;
  readonly variable: string;
  readonly optional: boolean;
  readonly defaultValue: T | undefined;
  readonly expected: string;
  readonly fix: string;
  readonly parse: (raw: string) => T | undefined;
}

/**
 * One configuration value read from one environment variable. Create fields with {@link env};
 * the type parameter is the type `loadConfig` gives the value.
 */
export class ConfigField<T> {
  /** Type-level only (never set): the value's type, read by {@link Config}. */
  declare readonly _type: T;
  /** What kind of value this is. */
  readonly kind: ConfigFieldKind;
  /** The environment variable. Secrets are also read from `${variable}_FILE`. */
  readonly variable: string;
  /** Absent is allowed and gives `undefined` (when there is no default). */
  readonly optional: boolean;
  /** The value when the variable is absent, if any. */
  readonly defaultValue: T | undefined;
  /** What a valid value is, as a phrase: "an integer >= 1". */
  readonly expected: string;
  /** How to fix a wrong value, as a sentence: "Set it to a whole number such as 25." */
  readonly fix: string;
  /** The value for `raw` (already trimmed and non-empty), or `undefined` when it is invalid. */
  readonly parse: (raw: string) => T | undefined;

  constructor(definition: FieldDefinition<T>) {
    this.kind = definition.kind;
    this.variable = definition.variable;
    this.optional = definition.optional;
    this.defaultValue = definition.defaultValue;
    this.expected = definition.expected;
    this.fix = definition.fix;
    this.parse = definition.parse;
    Object.freeze(this);
  }

  /** True for {@link env.secret} fields: read from a `_FILE` too, and never shown. */
  get secret(): boolean {
    return this.kind === "secret";
  }
}

/** Options every field takes. */
export interface PresenceOptions<T> {
  /** The value when the variable is unset or blank. */
  default?: T;
  /** Allow the variable to be absent (the value is then `undefined`). Ignored with a default. */
  optional?: boolean;
}

/** Options of {@link env.string}. */
export interface StringOptions<C extends string = string> extends PresenceOptions<NoInfer<C>> {
  /** The only values allowed. Matching ignores case; the value is returned as listed here. */
  choices?: readonly C[];
  /** A sample value shown in the fix of an error. */
  example?: string;
}

/** Options of {@link env.int} and {@link env.number}; every bound is inclusive except `greaterThan`. */
export interface NumberOptions extends PresenceOptions<number> {
  min?: number;
  max?: number;
  /** Exclusive lower bound: `greaterThan: 0` for "strictly positive". */
  greaterThan?: number;
  /** A sample value shown in the fix of an error (default: the default, else a bound). */
  example?: number;
}

/** Options of {@link env.url}. */
export interface UrlOptions extends PresenceOptions<string> {
  /** Allowed schemes, with or without the colon: `["https"]`. Default: any. */
  protocols?: readonly string[];
  /** A sample value shown in the fix of an error. */
  example?: string;
}

/** Options of {@link env.secret}. */
export interface SecretOptions {
  /** Allow both `NAME` and `NAME_FILE` to be unset (the value is then `undefined`). */
  optional?: boolean;
  /** Reject values shorter than this (the error shows only the length). */
  minLength?: number;
}

/** Options of {@link env.custom}. */
export interface CustomOptions<T> extends PresenceOptions<T> {
  /** The value for the trimmed, non-empty text, or `undefined` when it is invalid. */
  parse: (raw: string) => T | undefined;
  /** What a valid value is, as a phrase: "a mailbox URL such as memory://reviews". */
  expected: string;
  /** How to fix a wrong value, as a sentence. */
  fix: string;
}

/** Options that make a field optional without a default, so its value may be `undefined`. */
type OptionalField<O> = O & { optional: true; default?: undefined };

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(message: string, details: Record<string, unknown>): never {
  throw new WinkError("invalid_argument", message, { details });
}

/** Checks what is the programmer's job, so a mistake in a spec fails where the spec is written. */
function define<T>(definition: FieldDefinition<T>, shown?: (value: T) => string): ConfigField<T> {
  const { variable, defaultValue } = definition;
  if (typeof variable !== "string" || !VARIABLE_NAME.test(variable)) {
    fail(
      `${JSON.stringify(variable)} is not an environment variable name. Use letters, digits and underscores, like "AGENT_MAX_TURNS".`,
      { variable },
    );
  }
  if (
    shown !== undefined &&
    defaultValue !== undefined &&
    definition.parse(shown(defaultValue)) === undefined
  ) {
    fail(
      `The default ${JSON.stringify(shown(defaultValue))} of ${variable} is not ${definition.expected}. Change the default or the rule.`,
      { variable, default: shown(defaultValue) },
    );
  }
  return new ConfigField(definition);
}

function presence<T>(options: PresenceOptions<T>): { optional: boolean; defaultValue: T | undefined } {
  return { optional: options.optional === true, defaultValue: options.default };
}

/** "1,234.5" style numbers are rejected: only what `Number()` reads without surprises. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

function bounds(options: NumberOptions): string[] {
  const parts: string[] = [];
  if (options.greaterThan !== undefined) parts.push(`> ${options.greaterThan}`);
  if (options.min !== undefined && options.max !== undefined) {
    parts.push(`from ${options.min} to ${options.max}`);
    return parts;
  }
  if (options.min !== undefined) parts.push(`>= ${options.min}`);
  if (options.max !== undefined) parts.push(`<= ${options.max}`);
  return parts;
}

function within(value: number, options: NumberOptions): boolean {
  return (
    (options.min === undefined || value >= options.min) &&
    (options.max === undefined || value <= options.max) &&
    (options.greaterThan === undefined || value > options.greaterThan)
  );
}

/** A value to suggest in a fix: the default, else one the bounds allow. */
function sampleNumber(options: NumberOptions, integer: boolean): number {
  if (options.example !== undefined) return options.example;
  if (options.default !== undefined) return options.default;
  if (options.min !== undefined) return options.min;
  if (options.greaterThan !== undefined)
    return integer ? Math.floor(options.greaterThan) + 1 : options.greaterThan + 1;
  if (options.max !== undefined) return Math.min(options.max, 1);
  return 1;
}

function numeric(name: string, options: NumberOptions, integer: boolean): ConfigField<number> {
  const rule = bounds(options);
  const noun = integer ? "an integer" : "a number";
  const expected = rule.length ? `${noun} ${rule.join(" and ")}` : noun;
  const what = integer ? "a whole number" : "a number";
  return define<number>(
    {
      kind: integer ? "int" : "number",
      variable: name,
      ...presence(options),
      expected,
      fix: `Set it to ${what} such as ${sampleNumber(options, integer)}.`,
      parse: (raw) => {
        if (!(integer ? INTEGER : DECIMAL).test(raw)) return undefined;
        const value = Number(raw);
        if (integer ? !Number.isSafeInteger(value) : !Number.isFinite(value)) return undefined;
        return within(value, options) ? value : undefined;
      },
    },
    String,
  );
}

function string<const C extends string>(
  name: string,
  options: OptionalField<StringOptions<C>> & { choices: readonly C[] },
): ConfigField<C | undefined>;
function string<const C extends string>(
  name: string,
  options: StringOptions<C> & { choices: readonly C[] },
): ConfigField<C>;
function string(
  name: string,
  options: OptionalField<StringOptions> & { choices?: undefined },
): ConfigField<string | undefined>;
function string(name: string, options?: StringOptions & { choices?: undefined }): ConfigField<string>;
function string(name: string, options: StringOptions = {}): ConfigField<string | undefined> {
  const { choices } = options;
  if (choices === undefined) {
    const example = options.example ?? options.default;
    return define(
      {
        kind: "string",
        variable: name,
        ...presence(options),
        expected: "a non-empty value",
        fix: example === undefined ? `Set ${name}.` : `Set it to a value such as ${JSON.stringify(example)}.`,
        parse: (raw) => raw,
      },
      String,
    );
  }
  if (choices.length === 0) fail(`${name} lists no choices. Give at least one allowed value.`, { name });
  const byLowerCase = new Map(choices.map((choice) => [choice.toLowerCase(), choice]));
  return define(
    {
      kind: "string",
      variable: name,
      ...presence(options),
      expected: `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`,
      fix: `Set it to one of those, e.g. ${JSON.stringify(options.default ?? choices[0])}.`,
      parse: (raw) => byLowerCase.get(raw.toLowerCase()),
    },
    String,
  );
}

function int(name: string, options: OptionalField<NumberOptions>): ConfigField<number | undefined>;
function int(name: string, options?: NumberOptions): ConfigField<number>;
function int(name: string, options: NumberOptions = {}): ConfigField<number | undefined> {
  return numeric(name, options, true);
}

function number(name: string, options: OptionalField<NumberOptions>): ConfigField<number | undefined>;
function number(name: string, options?: NumberOptions): ConfigField<number>;
function number(name: string, options: NumberOptions = {}): ConfigField<number | undefined> {
  return numeric(name, options, false);
}

const TRUE = new Set(["true", "1", "yes"]);
const FALSE = new Set(["false", "0", "no"]);

function boolean(
  name: string,
  options: OptionalField<PresenceOptions<boolean>>,
): ConfigField<boolean | undefined>;
function boolean(name: string, options?: PresenceOptions<boolean>): ConfigField<boolean>;
function boolean(name: string, options: PresenceOptions<boolean> = {}): ConfigField<boolean | undefined> {
  return define<boolean>(
    {
      kind: "boolean",
      variable: name,
      ...presence(options),
      expected: "true or false",
      fix: "Set it to true or false (1/0 and yes/no work too, in any case).",
      parse: (raw) => {
        const word = raw.toLowerCase();
        if (TRUE.has(word)) return true;
        return FALSE.has(word) ? false : undefined;
      },
    },
    String,
  );
}

function url(name: string, options: OptionalField<UrlOptions>): ConfigField<string | undefined>;
function url(name: string, options?: UrlOptions): ConfigField<string>;
function url(name: string, options: UrlOptions = {}): ConfigField<string | undefined> {
  const protocols = options.protocols?.map((p) => (p.endsWith(":") ? p : `${p}:`).toLowerCase());
  const schemes = protocols?.map((p) => p.slice(0, -1));
  const example = options.example ?? options.default ?? `${schemes?.[0] ?? "https"}://example.com`;
  return define(
    {
      kind: "url",
      variable: name,
      ...presence(options),
      expected: schemes
        ? `a URL starting with ${schemes.map((s) => `${s}://`).join(" or ")}`
        : "an absolute URL",
      fix: `Set it to a full URL such as ${example}.`,
      parse: (raw) => {
        if (!URL.canParse(raw)) return undefined;
        const parsed = new URL(raw);
        return protocols === undefined || protocols.includes(parsed.protocol) ? raw : undefined;
      },
    },
    String,
  );
}

function secret(name: string, options: SecretOptions & { optional: true }): ConfigField<Secret | undefined>;
function secret(name: string, options?: SecretOptions): ConfigField<Secret>;
function secret(name: string, options: SecretOptions = {}): ConfigField<Secret | undefined> {
  const minLength = options.minLength ?? 1;
  return define<Secret>(
    {
      kind: "secret",
      variable: name,
      optional: options.optional === true,
      defaultValue: undefined,
      expected: minLength > 1 ? `a secret of at least ${minLength} characters` : "a secret",
      fix: `Set ${name} to the secret, or ${name}_FILE to the path of a file holding it.`,
      parse: (raw) => (raw.length >= minLength ? new Secret(raw) : undefined),
    },
    String,
  );
}

function custom<T>(name: string, options: OptionalField<CustomOptions<T>>): ConfigField<T | undefined>;
function custom<T>(name: string, options: CustomOptions<T>): ConfigField<T>;
function custom<T>(name: string, options: CustomOptions<T>): ConfigField<T | undefined> {
  return define<T>(
    {
      kind: "custom",
      variable: name,
      ...presence(options),
      expected: options.expected,
      fix: options.fix,
      parse: options.parse,
    },
    // A default of a custom type has no text form to re-parse; it is trusted as given.
  );
}

/**
 * Field builders, one per value type. Each takes the variable's name and options; the result
 * type follows the options: `optional: true` (without a default) adds `undefined`, `choices`
 * narrows a string to the listed literals.
 */
export const env = Object.freeze({
  /** Any non-empty text, or one of `choices` (case-insensitive match, returned as listed). */
  string,
  /** A whole number (`25`, `-3`), optionally bounded by `min`, `max` (inclusive) and `greaterThan`. */
  int,
  /** A decimal number (`5`, `0.25`, `1e3`), optionally bounded like {@link env.int}. */
  number,
  /** `true`/`false`, `1`/`0` or `yes`/`no`, in any case. */
  boolean,
  /** An absolute URL, optionally limited to some `protocols`; the value is the text as given. */
  url,
  /**
   * A {@link Secret} from `NAME`, or from the file named by `NAME_FILE` (Docker and Kubernetes
   * secret mounts; trailing newlines dropped). Setting both is an error. Never shown in errors.
   */
  secret,
  /** Any type: `parse` turns the text into the value, or `undefined` when it is invalid. */
  custom,
});
