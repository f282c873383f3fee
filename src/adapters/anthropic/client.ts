/**
 * The slice of an Anthropic client the adapter uses, and how it is built.
 *
 * Anything with `messages.create(body, { signal })` fits — the `Anthropic` client, an
 * `AnthropicBedrock` client, or a test double. Clients we build never retry on their own
 * (`maxRetries: 0`): the shared loop owns retries, so backoff, `Retry-After` and deadlines are
 * handled in one place.
 */

import Anthropic from "@anthropic-ai/sdk";
import { WinkError } from "../../errors.js";
import { registerSecret } from "../../secrets/index.js";
import type { AnthropicBackend, BackendEnv } from "./backend.js";

/** A Messages API client: the one method the adapter calls. */
export interface AnthropicMessagesClient {
  readonly messages: {
    create(
      body: Anthropic.MessageCreateParamsNonStreaming,
      options?: { signal?: AbortSignal | undefined },
    ): PromiseLike<Anthropic.Message>;
  };
}

/** Connection settings for clients the adapter builds itself. */
export interface AnthropicClientOptions {
  /** API key; default `ANTHROPIC_API_KEY` from the adapter's `env`. Never logged. */
  readonly apiKey?: string | undefined;
  /** Base URL; default `ANTHROPIC_BASE_URL` from `env`, else the SDK's default. */
  readonly baseURL?: string | undefined;
  /** Per-request timeout in ms (the SDK default is 10 minutes). */
  readonly timeout?: number | undefined;
}

/** Loads a module by name; replaced in tests. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

/** The package that provides `AnthropicBedrock`. Not a dependency of ours: users install it. */
export const BEDROCK_SDK = "@anthropic-ai/bedrock-sdk";

// A variable specifier keeps bundlers and the type checker from resolving the optional package.
const importModule: ModuleLoader = (specifier) => import(specifier) as Promise<unknown>;

/**
 * Build a client for `backend`. The Anthropic client comes from `@anthropic-ai/sdk`; the Bedrock
 * client from `@anthropic-ai/bedrock-sdk`, loaded on first use.
 *
 * @throws WinkError (`invalid_config`) when Bedrock is selected and its SDK is not installed.
 */
export async function createAnthropicClient(
  backend: AnthropicBackend,
  options: AnthropicClientOptions,
  env: BackendEnv,
  load: ModuleLoader = importModule,
): Promise<AnthropicMessagesClient> {
  const baseURL = options.baseURL ?? env.ANTHROPIC_BASE_URL;
  const common = {
    maxRetries: 0,
    ...(baseURL ? { baseURL } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
  };
  if (backend.kind === "anthropic") {
    const apiKey = options.apiKey ?? env.ANTHROPIC_API_KEY;
    // Keys from gateways need not look like `sk-ant-…`; registering redacts them by value.
    if (apiKey) registerSecret(apiKey);
    return new Anthropic({ ...common, ...(apiKey ? { apiKey } : {}) });
  }
  const Bedrock = bedrockConstructor(await loadBedrock(load));
  return new Bedrock({ ...common, awsRegion: backend.region });
}

type BedrockConstructor = new (options: Record<string, unknown>) => AnthropicMessagesClient;

async function loadBedrock(load: ModuleLoader): Promise<unknown> {
  try {
    return await load(BEDROCK_SDK);
  } catch (err) {
    throw new WinkError(
      "invalid_config",
      `Bedrock is selected but ${BEDROCK_SDK} could not be loaded. Install it (npm install ${BEDROCK_SDK}), ` +
        "pass your own client to AnthropicAdapter, or unset CLAUDE_CODE_USE_BEDROCK to use the Anthropic API.",
      { cause: err, details: { package: BEDROCK_SDK } },
    );
  }
}

function bedrockConstructor(module: unknown): BedrockConstructor {
  const exports = (module ?? {}) as { AnthropicBedrock?: unknown; default?: unknown };
  const candidate = exports.AnthropicBedrock ?? exports.default;
  if (typeof candidate !== "function") {
    throw new WinkError(
      "invalid_config",
      `${BEDROCK_SDK} was loaded but exports no AnthropicBedrock class. Install a current version of it, or pass your own client.`,
      { details: { package: BEDROCK_SDK } },
    );
  }
  return candidate as BedrockConstructor;
}
