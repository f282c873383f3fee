/**
 * What a model call costs in dollars: per-model prices, the lookup from a model id to its
 * price, and the cost of a {@link TokenUsage}.
 *
 * The built-in table ({@link BUILT_IN_PRICES}) covers the OpenAI and Anthropic models the
 * adapters name; dated ids (`claude-sonnet-4-5-20250929`, `gpt-4.1-mini-2025-04-14`) and
 * Bedrock ids (`us.anthropic.claude-sonnet-4-6-v1:0`) resolve to their base model. A model
 * that is not in the table has no price: a USD budget on it is a configuration error, never a
 * silent zero.
 *
 * @example
 * ```ts
 * import { costOf, PriceTable } from "weakincentives/adapters";
 *
 * const prices = PriceTable.builtIn().with({ "my-finetune": { input: 4, output: 16 } });
 * const price = prices.require("claude-sonnet-4-6");
 * costOf({ inputTokens: 10_000, outputTokens: 1_000, cachedTokens: 8_000 }, price);
 * // 2,000 fresh × $3 + 8,000 cached × $0.30 + 1,000 × $15, per million: 0.0234
 * ```
 */

import { readFileSync } from "node:fs";
import { z } from "zod";
import type { TokenUsage } from "../budget.js";
import { describeThrown, WinkError } from "../errors.js";
import { formatIssues, schemaIssues } from "../schema.js";
import { BUILT_IN_PRICES, PRICES_AS_OF } from "./prices.js";

const rate = z.number().finite().nonnegative();

/**
 * A model's prices in USD per million tokens. `cacheRead` defaults to `input` (no discount) and
 * `cacheWrite` to `input` (no surcharge, as on OpenAI).
 */
export const ModelPriceSchema = z.strictObject({
  /** Fresh input tokens. */
  input: rate,
  /** Output tokens (thinking and reasoning tokens included, as providers bill them). */
  output: rate,
  /** Input tokens read from a prompt cache. */
  cacheRead: rate.optional(),
  /** Input tokens written to a prompt cache. */
  cacheWrite: rate.optional(),
});

/** Prices as written in a table or a prices file. */
export type ModelPriceInput = z.input<typeof ModelPriceSchema>;

/** A model's prices in USD per million tokens, every field resolved. */
export interface ModelPrice {
  /** The table entry the model id resolved to. */
  readonly model: string;
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** Bedrock cross-region prefixes (`us.`, `eu.`…), the provider prefix and the version suffix. */
const BEDROCK_ID = /^(?:(?:us|eu|apac|au|jp|ca|global|us-gov)\.)?anthropic\.(.+?)(?:-v\d+(?::\d+)?)?$/;
/** A snapshot date at the end of a model id: `-20250929` or `-2025-04-14`. */
const DATE_SUFFIX = /-(?:\d{8}|\d{4}-\d{2}-\d{2})$/;

/**
 * The table key a model id resolves to: lower-cased, without a Bedrock prefix or version,
 * without a snapshot date, without a context-size tag such as `[1m]`.
 */
export function normalizeModelId(model: string): string {
  let id = model
    .trim()
    .toLowerCase()
    .replace(/\[[^\]]*\]$/, "");
  const bedrock = BEDROCK_ID.exec(id);
  if (bedrock?.[1]) id = bedrock[1];
  return id.replace(DATE_SUFFIX, "");
}

/** Prices by model id, looked up through {@link normalizeModelId}. Immutable. */
export class PriceTable {
  private readonly entries: ReadonlyMap<string, ModelPrice>;

  /**
   * A table of `prices` alone (without the built-in ones; see {@link PriceTable.builtIn}), or of
   * resolved prices by normalized id.
   * @throws WinkError `invalid_config` naming the model and field of an invalid price.
   */
  constructor(
    prices: Readonly<Record<string, ModelPriceInput>> | ReadonlyMap<string, ModelPrice>,
    source = "prices",
  ) {
    this.entries =
      prices instanceof Map ? new Map(prices) : resolve(prices as Record<string, ModelPriceInput>, source);
    Object.freeze(this);
  }

  /** The built-in table, read on {@link PRICES_AS_OF}. */
  static builtIn(): PriceTable {
    BUILT_IN ??= new PriceTable(BUILT_IN_PRICES, `the built-in price table (${PRICES_AS_OF})`);
    return BUILT_IN;
  }

  /** A table with `prices` over this one's (same model id: the new price wins). */
  with(prices: Readonly<Record<string, ModelPriceInput>> | PriceTable, source = "prices"): PriceTable {
    const over = prices instanceof PriceTable ? prices : new PriceTable(prices, source);
    return new PriceTable(new Map([...this.entries, ...over.entries]));
  }

  /** The price of `model`, or undefined when the table has none. */
  lookup(model: string): ModelPrice | undefined {
    return this.entries.get(normalizeModelId(model));
  }

  /**
   * The price of `model`.
   * @throws WinkError `invalid_config` saying how to add one, when the table has none.
   */
  require(model: string): ModelPrice {
    const price = this.lookup(model);
    if (price) return price;
    throw new WinkError(
      "invalid_config",
      `No price is known for model "${model}", so a dollar budget cannot be enforced on it. ` +
        `Add one with the adapter's \`prices\` option ({ "${model}": { "input": …, "output": … } } in USD per million tokens) ` +
        "or a JSON file named by AGENT_PRICES_FILE, or drop the dollar limit (Budget.maxUsd / AGENT_MAX_BUDGET_USD).",
      { details: { model, normalized: normalizeModelId(model) } },
    );
  }

  /** The model ids with a price, sorted. */
  models(): string[] {
    return [...this.entries.keys()].sort();
  }
}

let BUILT_IN: PriceTable | undefined;

/** Validate and resolve a table of prices, keyed by normalized model id. */
function resolve(prices: Readonly<Record<string, ModelPriceInput>>, source: string): Map<string, ModelPrice> {
  const entries = new Map<string, ModelPrice>();
  for (const [model, given] of Object.entries(prices)) {
    const parsed = ModelPriceSchema.safeParse(given);
    if (!parsed.success) {
      throw new WinkError(
        "invalid_config",
        `Invalid price for model "${model}" in ${source}:\n${formatIssues(schemaIssues(parsed.error))}\n` +
          'Give USD per million tokens: { "input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75 }.',
        { details: { model, source } },
      );
    }
    const key = normalizeModelId(model);
    const { input, output, cacheRead = input, cacheWrite = input } = parsed.data;
    entries.set(key, Object.freeze({ model: key, input, output, cacheRead, cacheWrite }));
  }
  return entries;
}

/**
 * The dollar cost of `usage` at `price`. `inputTokens` counts every input token, cached ones
 * included (see {@link TokenUsage}); the cached and cache-written parts are priced at their
 * rates and the rest at the input rate. Missing counts are zero.
 */
export function costOf(usage: TokenUsage | undefined, price: ModelPrice): number {
  if (!usage) return 0;
  const cached = usage.cachedTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  const fresh = Math.max(0, (usage.inputTokens ?? 0) - cached - written);
  const micro =
    fresh * price.input +
    cached * price.cacheRead +
    written * price.cacheWrite +
    (usage.outputTokens ?? 0) * price.output;
  return micro / 1_000_000;
}

/**
 * The built-in table with the prices of a JSON file over it: `{ "<model id>": { "input": 3,
 * "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75 } }`, USD per million tokens.
 * @throws WinkError `invalid_config` naming the file and what is wrong with it.
 */
export function loadPriceFile(path: string): PriceTable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (error) {
    throw new WinkError(
      "invalid_config",
      `Could not read the prices file ${path}: ${describeThrown(error)}. ` +
        'It must be JSON such as { "my-model": { "input": 3, "output": 15 } }.',
      { details: { path }, cause: error },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WinkError(
      "invalid_config",
      `The prices file ${path} must hold a JSON object of model id → price, got ${Array.isArray(parsed) ? "an array" : typeof parsed}.`,
      { details: { path } },
    );
  }
  return PriceTable.builtIn().with(parsed as Record<string, ModelPriceInput>, `the prices file ${path}`);
}
