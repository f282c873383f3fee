/**
 * A worker's dollar budget: which prices its HTTP adapters charge turns at (`AGENT_PRICES_FILE`
 * over the built-in table) and which dollar limit every request gets (`AGENT_MAX_BUDGET_USD`).
 */

import { loadPriceFile, PriceTable } from "../adapters/pricing.js";
import { type AgentConfig, DEFAULT_MAX_BUDGET_USD } from "../config/agent.js";
import { ConfigError } from "../config/load.js";
import { describeThrown } from "../errors.js";

/** The settings a dollar budget is read from. */
export type DollarConfig = Pick<AgentConfig, "maxBudgetUsd" | "pricesFile">;

/** Prices for the adapter and the per-request dollar limit for the loops. */
export interface DollarBudget {
  readonly prices: PriceTable;
  /** `Budget.maxUsd` of every request; undefined: no dollar limit. */
  readonly maxUsd: number | undefined;
  /** For the start-up log: what the limit is, or why there is none. */
  readonly note: string;
}

/** The built-in price table with `AGENT_PRICES_FILE` over it. */
export function priceTableOf(config: DollarConfig): PriceTable {
  if (config.pricesFile === undefined) return PriceTable.builtIn();
  try {
    return loadPriceFile(config.pricesFile);
  } catch (error) {
    throw new ConfigError([
      {
        variable: "AGENT_PRICES_FILE",
        problem: "invalid",
        value: JSON.stringify(config.pricesFile),
        message: describeThrown(error),
      },
    ]);
  }
}

/**
 * The dollar budget of an HTTP adapter on `model`. An explicit `AGENT_MAX_BUDGET_USD` on a model
 * with no price is refused (it could not be enforced); unset, the default limit applies where
 * the price is known and no limit otherwise.
 *
 * @throws ConfigError naming `AGENT_MAX_BUDGET_USD` or `AGENT_PRICES_FILE` and the fix.
 */
export function dollarBudget(config: DollarConfig, model: string): DollarBudget {
  const prices = priceTableOf(config);
  const price = prices.lookup(model);
  if (config.maxBudgetUsd !== undefined) {
    if (!price) {
      throw new ConfigError([
        {
          variable: "AGENT_MAX_BUDGET_USD",
          problem: "invalid",
          value: JSON.stringify(String(config.maxBudgetUsd)),
          message:
            `AGENT_MAX_BUDGET_USD=${config.maxBudgetUsd} cannot be enforced: no price is known for model "${model}". ` +
            `Add it to a JSON file named by AGENT_PRICES_FILE ({ "${model}": { "input": …, "output": … } }, USD per million tokens), or unset AGENT_MAX_BUDGET_USD.`,
        },
      ]);
    }
    return { prices, maxUsd: config.maxBudgetUsd, note: `$${config.maxBudgetUsd} per request` };
  }
  if (!price) {
    return {
      prices,
      maxUsd: undefined,
      note: `no dollar limit (no price known for "${model}"; set AGENT_PRICES_FILE to add one)`,
    };
  }
  return { prices, maxUsd: DEFAULT_MAX_BUDGET_USD, note: `$${DEFAULT_MAX_BUDGET_USD} per request (default)` };
}
