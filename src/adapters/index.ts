/**
 * `weakincentives/adapters`: the provider-neutral adapter contract, the shared tool-call loop,
 * throttling and adapter errors. Concrete adapters live on their own subpaths
 * (`weakincentives/adapters/openai`, `weakincentives/adapters/anthropic`) so their SDKs load
 * only when used.
 */

export { INTERRUPTED_NOTE } from "./checkpoint.js";
export { type EvaluationPhase, PromptEvaluationError, ThrottleError, type ThrottleKind } from "./errors.js";
export { runEvaluation } from "./loop.js";
export { BUILT_IN_PRICES, PRICES_AS_OF } from "./prices.js";
export {
  costOf,
  loadPriceFile,
  type ModelPrice,
  type ModelPriceInput,
  ModelPriceSchema,
  normalizeModelId,
  PriceTable,
} from "./pricing.js";
export {
  backoffDelay,
  classifyHttpError,
  DEFAULT_THROTTLE_POLICY,
  type ErrorClass,
  parseRetryAfter,
  type ThrottleOptions,
  type ThrottlePolicy,
  throttlePolicy,
  withThrottle,
} from "./throttle.js";
export type {
  EvaluateOptions,
  EvaluationCheckpoint,
  EvaluationCheckpoints,
  LoopOptions,
  ModelTurn,
  PromptResponse,
  ProviderAdapter,
  ProviderConversation,
  ProviderDriver,
  ToolOutcome,
} from "./types.js";
