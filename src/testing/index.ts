/**
 * `weakincentives/testing`: test doubles and conformance kits for code built on WINK (the
 * scripted model server, the fake clock, the mailbox and adapter conformance suites). Nothing in
 * the runtime imports this entry.
 *
 * @example
 * ```ts
 * import { FakeClock } from "weakincentives/testing";
 *
 * const clock = new FakeClock();
 * clock.advance(1_000);
 * ```
 */

export { FakeClock, type FakeClockOptions } from "../clock.js";
export {
  type AdapterCapability,
  type AdapterConformanceCase,
  type AdapterConformanceFactory,
  type AdapterConformanceHarness,
  type AdapterDialect,
  adapterConformanceCases,
  adapterDialects,
} from "./adapter-conformance/index.js";
export {
  InProcessAdapter,
  type InProcessAnswer,
  type InProcessHistory,
  InProcessModel,
  type InProcessTurn,
} from "./in-process-model.js";
export {
  type MailboxConformanceBody,
  type MailboxConformanceCase,
  type MailboxConformanceFactory,
  type MailboxConformanceHarness,
  mailboxConformanceCases,
} from "./mailbox-conformance.js";
export * from "./model-server/index.js";
