/**
 * `weakincentives/worker`: a deployed worker as a library call. {@link defineLoop} describes one
 * loop of an agent (request schema, `prepare`), {@link createWorker} turns an `AgentConfig` and
 * those loops into the adapter, queues, MainLoops and the LoopGroup, and `wink worker ./agent.js`
 * runs exactly that from the environment.
 */

export {
  type AgentLoop,
  type AgentLoopConfig,
  type AgentModule,
  agentLoopsOf,
  defineLoop,
} from "./agent.js";
export {
  type CreateWorkerOptions,
  createWorker,
  type RequestsMailbox,
  type Worker,
  type WorkerConfig,
  type WorkerLoop,
} from "./create.js";
export {
  type AdapterFromConfigOptions,
  adapterFromConfig,
  BEDROCK_SDK,
  type ChosenAdapter,
  CLAUDE_AGENT_SDK,
  claudeCodeOptions,
  DEFAULT_OPENAI_MODEL,
  type IsolationBuilders,
  type ModelConfig,
} from "./model.js";
