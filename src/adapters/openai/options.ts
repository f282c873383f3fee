/**
 * Options of the OpenAI adapter, their validation, and the client they build. Every check names
 * the offending option and says what a valid value looks like, so a misconfigured worker fails
 * at construction rather than on its first request.
 */

import OpenAI from "openai";
import type { Clock } from "../../clock.js";
import { WinkError } from "../../errors.js";
import { registerSecret } from "../../secrets/index.js";
import { type ThrottlePolicy, throttlePolicy } from "../throttle.js";
import type { LoopOptions } from "../types.js";

/** Which OpenAI HTTP API the adapter speaks. */
export type OpenAIApi = "chat" | "responses";

/** How to build the SDK client when none is given. */
export interface OpenAIClientOptions {
  /** API key. Default: the `OPENAI_API_KEY` environment variable (read by the SDK). */
  readonly apiKey?: string;
  /** Base URL, e.g. `http://127.0.0.1:8080/v1` for a compatible server. Default: OpenAI's. */
  readonly baseURL?: string;
  /** Organization id sent as `OpenAI-Organization`. Default: `OPENAI_ORG_ID`, if set. */
  readonly organization?: string;
  /** Per-request timeout in ms (the SDK's default is 10 minutes). Deadlines still apply. */
  readonly timeout?: number;
}

/** Options of {@link OpenAIAdapter}. Only `model` is required. */
export interface OpenAIAdapterOptions {
  /** Model id, e.g. `"gpt-4.1-mini"`. */
  readonly model: string;
  /**
   * `"responses"` (default) uses `POST /responses`; `"chat"` uses `POST /chat/completions`, which
   * most OpenAI-compatible servers also speak.
   */
  readonly api?: OpenAIApi;
  /**
   * A ready client (proxies, custom fetch, Azure). Its own retry setting is overridden per
   * request: the adapter's throttle does the retrying.
   */
  readonly client?: OpenAI;
  /** Used to build a client when `client` is not given. */
  readonly clientOptions?: OpenAIClientOptions;
  /** Sampling temperature, 0 to 2. Default: the provider's. */
  readonly temperature?: number;
  /** Cap on tokens generated per request (`max_completion_tokens` / `max_output_tokens`). */
  readonly maxOutputTokens?: number;
  /** Let the model call several tools in one turn. Sent only when tools are offered. */
  readonly parallelToolCalls?: boolean;
  /**
   * How hard a reasoning model (o-series, gpt-5) thinks before answering: `reasoning_effort` on
   * Chat Completions, `reasoning.effort` on Responses. Default: the provider's. Reasoning tokens
   * are billed as output.
   */
  readonly reasoningEffort?: ReasoningEffort;
  /**
   * Ask the provider to constrain the final answer to the output JSON Schema (default true).
   * Turn it off for servers without JSON-schema support: the answer is then parsed from text.
   */
  readonly nativeStructuredOutput?: boolean;
  /** Use server-sent events and assemble the reply (default false). Results are identical. */
  readonly stream?: boolean;
  /** Most model turns in one evaluation (default 32). */
  readonly maxTurns?: number;
  /** Prices to charge turns at, over the built-in table (see `LoopOptions.prices`). */
  readonly prices?: LoopOptions["prices"];
  /** Repair turns allowed when the final answer fails the output schema (default 1). */
  readonly maxRepairs?: number;
  /** Retry policy for 429s, 5xx and dropped connections. */
  readonly throttle?: Partial<ThrottlePolicy>;
  /** Time source for backoff sleeps (default: the session's clock, else the system clock). */
  readonly clock?: Clock;
}

/** Values of {@link OpenAIAdapterOptions.reasoningEffort}. */
export type ReasoningEffort = "minimal" | "low" | "medium" | "high";

const REASONING_EFFORTS: readonly string[] = ["minimal", "low", "medium", "high"];

/** Options after validation, with defaults applied. */
export interface ResolvedOpenAIOptions {
  readonly reasoningEffort: ReasoningEffort | undefined;
  readonly model: string;
  readonly api: OpenAIApi;
  readonly temperature: number | undefined;
  readonly maxOutputTokens: number | undefined;
  readonly parallelToolCalls: boolean | undefined;
  readonly nativeStructuredOutput: boolean;
  readonly stream: boolean;
}

function invalid(option: string, expected: string, value: unknown): WinkError {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  return new WinkError(
    "invalid_config",
    `OpenAIAdapter option ${option} must be ${expected}, got ${shown}.`,
    {
      details: { option },
    },
  );
}

function checkInteger(option: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw invalid(option, `an integer >= ${min}`, value);
  }
}

function checkBoolean(option: string, value: boolean | undefined): void {
  if (value !== undefined && typeof value !== "boolean") throw invalid(option, "true or false", value);
}

/** Validate `options`, throwing a `WinkError` (`invalid_config`) that names the bad option. */
export function resolveOptions(options: OpenAIAdapterOptions): ResolvedOpenAIOptions {
  if (typeof options !== "object" || options === null) {
    throw new WinkError(
      "invalid_config",
      'OpenAIAdapter needs an options object such as { model: "gpt-4.1-mini" }.',
    );
  }
  if (typeof options.model !== "string" || options.model.trim() === "") {
    throw invalid("model", 'a non-empty model id such as "gpt-4.1-mini"', options.model);
  }
  const api = options.api ?? "responses";
  if (api !== "chat" && api !== "responses") throw invalid("api", '"chat" or "responses"', api);
  const { temperature } = options;
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0 && temperature <= 2)) {
    throw invalid("temperature", "a number from 0 to 2", temperature);
  }
  checkInteger("maxOutputTokens", options.maxOutputTokens, 1);
  checkInteger("maxTurns", options.maxTurns, 1);
  checkInteger("maxRepairs", options.maxRepairs, 0);
  checkBoolean("parallelToolCalls", options.parallelToolCalls);
  const effort = options.reasoningEffort;
  if (effort !== undefined && !REASONING_EFFORTS.includes(effort)) {
    throw invalid("reasoningEffort", '"minimal", "low", "medium" or "high"', effort);
  }
  checkBoolean("nativeStructuredOutput", options.nativeStructuredOutput);
  checkBoolean("stream", options.stream);
  try {
    throttlePolicy(options.throttle);
  } catch (err) {
    throw new WinkError(
      "invalid_config",
      `OpenAIAdapter option throttle is invalid: ${(err as Error).message}`,
      {
        cause: err,
        details: { option: "throttle" },
      },
    );
  }
  return {
    model: options.model,
    api,
    temperature,
    maxOutputTokens: options.maxOutputTokens,
    parallelToolCalls: options.parallelToolCalls,
    reasoningEffort: effort,
    nativeStructuredOutput: options.nativeStructuredOutput ?? true,
    stream: options.stream ?? false,
  };
}

function checkClientOptions(options: OpenAIClientOptions): void {
  if (options.apiKey !== undefined && (typeof options.apiKey !== "string" || options.apiKey === "")) {
    // Never echo the value: it is meant to be a credential.
    throw new WinkError(
      "invalid_config",
      "OpenAIAdapter option clientOptions.apiKey must be a non-empty string.",
      {
        details: { option: "clientOptions.apiKey" },
      },
    );
  }
  if (options.baseURL !== undefined && !URL.canParse(options.baseURL)) {
    throw invalid(
      "clientOptions.baseURL",
      'an absolute URL such as "https://api.openai.com/v1"',
      options.baseURL,
    );
  }
  if (options.timeout !== undefined && !(Number.isFinite(options.timeout) && options.timeout > 0)) {
    throw invalid("clientOptions.timeout", "a number of milliseconds > 0", options.timeout);
  }
}

/**
 * The client to use: the given one, or a new one from `clientOptions`. The key is registered as a
 * secret so any later redaction removes it from logs and error messages.
 */
export function createClient(options: OpenAIAdapterOptions): OpenAI {
  if (options.client !== undefined && options.clientOptions !== undefined) {
    throw new WinkError(
      "invalid_config",
      "OpenAIAdapter takes either client or clientOptions, not both: configure the client you pass instead.",
      { details: { option: "clientOptions" } },
    );
  }
  let client = options.client;
  if (client === undefined) {
    const given = options.clientOptions ?? {};
    checkClientOptions(given);
    try {
      client = new OpenAI({
        ...(given.apiKey === undefined ? {} : { apiKey: given.apiKey }),
        ...(given.baseURL === undefined ? {} : { baseURL: given.baseURL }),
        ...(given.organization === undefined ? {} : { organization: given.organization }),
        ...(given.timeout === undefined ? {} : { timeout: given.timeout }),
        // The adapter's throttle retries, honouring deadlines; SDK retries would hide behind it.
        maxRetries: 0,
      });
    } catch (err) {
      throw new WinkError(
        "invalid_config",
        "OpenAIAdapter could not create an OpenAI client: pass clientOptions.apiKey or set the OPENAI_API_KEY environment variable.",
        { cause: err, details: { option: "clientOptions.apiKey" } },
      );
    }
  }
  if (typeof client.apiKey === "string") registerSecret(client.apiKey);
  return client;
}
