/**
 * `weakincentives/runtime`: the runtime every agent runs in — sessions, events, logging,
 * mailboxes and dead letters, MainLoop workers, lease extension, and the LoopGroup lifecycle
 * (health probes, metrics, watchdog, graceful shutdown).
 *
 * @example
 * ```ts
 * import { configureLogging, getLogger, InProcessDispatcher, Session } from "weakincentives/runtime";
 *
 * configureLogging({ level: "INFO", json: true });
 * const session = new Session({ dispatcher: new InProcessDispatcher() });
 * getLogger("my.agent").info("agent.start", "Agent started", { sessionId: session.sessionId });
 * ```
 */

// Helpers for what runs around agents: error names for metrics and dead letters, run context
// for logs and queues, frozen session state, the token-usage schema.
export { TokenUsageSchema } from "../budget.js";
export { describeThrown, errorTypeName } from "../errors.js";
export * from "../events/index.js";
export * from "../logging/index.js";
export { RunContextSchema, runContextLogFields } from "../run-context.js";
export { deepFreeze } from "../schema.js";
export * from "../session/index.js";
export * from "./checkpoints/store.js";
export * from "./lifecycle/index.js";
export * from "./mailbox/index.js";
export * from "./main-loop/index.js";
export * from "./main-loop/lease-extender.js";
