/** MainLoop: queue-driven agent workers. */

export type { CheckpointConfig } from "./checkpointing.js";
export { RequestInterruptedError } from "./interrupted.js";
export { MainLoop } from "./main-loop.js";
export type {
  BudgetState,
  ExecuteOptions,
  FinalizeFn,
  MainLoopConfig,
  MainLoopOptions,
  PrepareContext,
  Prepared,
  PrepareFn,
} from "./options.js";
export {
  type Attempt,
  deadLetter,
  describeError,
  type RetryNotice,
  replyAndAcknowledge,
  retryLater,
  returnInterrupted,
  returnUnstarted,
  type SettleOutcome,
  type SettleTarget,
  settleFailure,
} from "./settle.js";
export {
  type MainLoopError,
  type MainLoopRequest,
  type MainLoopResult,
  mainLoopRequestSchema,
  RequestLimitsSchema,
} from "./types.js";
