/**
 * `weakincentives/runtime`: sessions, events and logging — the runtime every agent runs in.
 * (MainLoop, mailboxes and the lifecycle join this entry as they land.)
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
export * from "./events/index.js";
export * from "./logging/index.js";
export * from "./session/index.js";
