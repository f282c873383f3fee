/**
 * List prices of the models the adapters name, in USD per million tokens, as data.
 *
 * Read on 2026-12-05 from the providers' pricing pages:
 * - Anthropic: https://platform.claude.com/docs/en/about-claude/pricing (standard API rates;
 *   cache writes at the 5-minute rate, which is what `cache_control: { type: "ephemeral" }`
 *   buys). Bedrock lists the same on-demand rates for its global endpoints; regional
 *   endpoints cost more. Long-context surcharges (prompts over 200k tokens on some models) and
 *   batch discounts are not modelled.
 * - OpenAI: https://developers.openai.com/api/docs/pricing (standard tier). OpenAI charges
 *   nothing extra to write its prompt cache, so a cache write costs the input rate.
 *
 * Prices change: pass your own (`prices` on an adapter, `AGENT_PRICES_FILE` for a worker) to
 * correct or extend this table rather than waiting for a release.
 */

import type { ModelPriceInput } from "./pricing.js";

/** The date the table was read, as `YYYY-MM-DD`. */
export const PRICES_AS_OF = "2026-12-05";

const SONNET_4 = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const OPUS_4 = { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 };
const OPUS_45 = { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 };

/** Anthropic models, by the API's model id (dated and Bedrock ids resolve to these). */
const ANTHROPIC: Readonly<Record<string, ModelPriceInput>> = {
  "claude-fable-5-1": { input: 10, output: 50, cacheRead: 0.25, cacheWrite: 12.5 },
  "claude-fable-5": { input: 10, output: 50, cacheRead: 1, cacheWrite: 12.5 },
  "claude-opus-5": OPUS_45,
  "claude-opus-4-8": OPUS_45,
  "claude-opus-4-7": OPUS_45,
  "claude-opus-4-6": OPUS_45,
  "claude-opus-4-5": OPUS_45,
  "claude-opus-4-1": OPUS_4,
  "claude-opus-4": OPUS_4,
  "claude-sonnet-5-5": { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5 },
  "claude-sonnet-5": { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 },
  "claude-sonnet-4-6": SONNET_4,
  "claude-sonnet-4-5": SONNET_4,
  "claude-sonnet-4": SONNET_4,
  "claude-3-7-sonnet": SONNET_4,
  // Haiku 5.5 at its rate for prompts up to 100k tokens; longer prompts cost five times more.
  "claude-haiku-5-5": { input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite: 0.125 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
};

/** OpenAI models. Cached input is billed at `cacheRead`; there is no cache-write surcharge. */
const OPENAI: Readonly<Record<string, ModelPriceInput>> = {
  "gpt-5": { input: 1.25, output: 10, cacheRead: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cacheRead: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cacheRead: 0.005 },
  "gpt-4.1": { input: 2, output: 8, cacheRead: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cacheRead: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cacheRead: 0.025 },
  "gpt-4o": { input: 2.5, output: 10, cacheRead: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cacheRead: 0.075 },
  o3: { input: 2, output: 8, cacheRead: 0.5 },
  "o4-mini": { input: 1.1, output: 4.4, cacheRead: 0.275 },
};

/** Every built-in price, by model id. */
export const BUILT_IN_PRICES: Readonly<Record<string, ModelPriceInput>> = Object.freeze({
  ...ANTHROPIC,
  ...OPENAI,
});
