/**
 * The price an evaluation's turns are charged at: the driver's own, else the loop's price table
 * (resolved once per adapter settings and model). A dollar budget on a model with no price is
 * refused before the first request rather than counted as free.
 */

import type { BudgetTracker } from "../budget.js";
import { PromptEvaluationError } from "./errors.js";
import { type ModelPrice, PriceTable } from "./pricing.js";
import type { LoopOptions, ProviderDriver } from "./types.js";

/** The price of `driver`'s model for one evaluation; throws when a dollar budget needs one and none is known. */
export function evaluationPrice(
  driver: ProviderDriver,
  loop: LoopOptions,
  tracker: BudgetTracker | undefined,
  promptName: string,
): ModelPrice | undefined {
  const price = driver.price ?? priceFor(loop, driver.model);
  if (price || tracker?.budget.maxUsd === undefined) return price;
  throw new PromptEvaluationError(
    `${driver.name} cannot enforce a dollar budget (maxUsd $${tracker.budget.maxUsd}) on model "${driver.model}": no price is known for it. ` +
      `Give the adapter a price with its \`prices\` option ({ "${driver.model}": { "input": …, "output": … } }, USD per million tokens), ` +
      "set AGENT_PRICES_FILE for a worker, or drop the dollar limit.",
    { phase: "budget", promptName },
  );
}

/** Prices resolved per loop settings and model, so an evaluation does not look them up again. */
const RESOLVED = new WeakMap<LoopOptions, Map<string, ModelPrice | null>>();

function priceFor(loop: LoopOptions, model: string): ModelPrice | undefined {
  let byModel = RESOLVED.get(loop);
  if (!byModel) {
    byModel = new Map();
    RESOLVED.set(loop, byModel);
  }
  let price = byModel.get(model);
  if (price === undefined) {
    const given = loop.prices;
    const table = given === undefined ? PriceTable.builtIn() : PriceTable.builtIn().with(given);
    price = table.lookup(model) ?? null;
    byModel.set(model, price);
  }
  return price ?? undefined;
}
