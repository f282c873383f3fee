/**
 * Events: the {@link Dispatcher} contract, the in-process implementation and the telemetry
 * event types.
 */
export {
  type AnyEventHandler,
  type Dispatcher,
  type DispatchResult,
  type EventHandler,
  type HandlerFailure,
  InProcessDispatcher,
  raiseIfErrors,
} from "./dispatcher.js";
export { BundleWritten, ModelCalled, ModelRetried, wants } from "./measures.js";
export {
  MessageHandled,
  PromptExecuted,
  PromptRendered,
  PromptResponseSchema,
  ToolInvoked,
} from "./types.js";
