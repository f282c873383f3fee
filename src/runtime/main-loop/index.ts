/** MainLoop: queue-driven agent workers. */
export {
  type ExecuteOptions,
  MainLoop,
  type MainLoopConfig,
  type MainLoopOptions,
  type PrepareContext,
  type Prepared,
} from "./main-loop.js";
export {
  type MainLoopError,
  type MainLoopRequest,
  type MainLoopResult,
  mainLoopRequestSchema,
  RequestLimitsSchema,
} from "./types.js";
