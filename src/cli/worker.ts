/**
 * `wink worker <module>`: serve an agent's loops the way the deployment guide runs them. The
 * configuration comes from the environment (`AgentConfig`, timeouts that break a calibration rule
 * refused), the loops from the module (`defineLoop(…)` as its default export, or `loops`), and
 * `createWorker` does the rest: adapter, queues and dead-letter queues, health probes, metrics,
 * watchdog, graceful shutdown on SIGTERM.
 *
 * Exit codes: 0 after a graceful shutdown; 1 for bad configuration, a bad module or a failed
 * loop (the orchestrator restarts the container); 137 when the watchdog kills a stalled process.
 */

import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { AgentConfig, type AgentConfigOptions } from "../config/agent.js";
import { ConfigError, describeConfig } from "../config/load.js";
import { mailboxKind } from "../contrib/mailbox/index.js";
import { WinkError } from "../errors.js";
import { type EvaluationDefinition, evaluationOf } from "../evals/definition.js";
import { configureLogging, getLogger } from "../logging/index.js";
import { type AgentModule, agentLoopsOf } from "../worker/agent.js";
import { createWorker } from "../worker/create.js";

const log = getLogger("weakincentives.worker");

/** Add the `worker` command to `program`. */
export function addWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(
      "Serve an agent's loops from WINK_MAILBOX with health probes, /metrics and the watchdog, until SIGTERM.",
    )
    .argument(
      "<module>",
      "a module whose default export is defineLoop({ name, requestSchema, prepare }) (or `loops`, a list): .js, or .ts with tsx installed",
    )
    .option(
      "--evals",
      "serve the module's `evaluation` instead: its loop as an EvalLoop, answering the trials `wink eval --mailbox` sends",
    )
    .action(async (module: string, flags: { evals?: boolean }) => {
      process.exitCode = await runWorker(module, flags.evals ? { evals: true } : {});
    });
}

/** Options of {@link runWorker} (for tests; the command passes none). */
export interface RunWorkerOptions extends Pick<AgentConfigOptions, "readFile"> {
  /** Default `process.env`, read through `AgentConfig`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Serve the module's `evaluation` (`--evals`). */
  readonly evals?: boolean;
}

/** Run the worker for `module` until shutdown; resolves with the exit code. */
export async function runWorker(module: string, options: RunWorkerOptions = {}): Promise<number> {
  configureLogging(options.env ? { env: options.env } : {});
  try {
    const config = AgentConfig.fromEnv(options.env, {
      calibration: "refuse",
      ...(options.readFile ? { readFile: options.readFile } : {}),
    });
    let loops: ReturnType<typeof agentLoopsOf>;
    let evaluation: EvaluationDefinition | undefined;
    try {
      const imported = await importAgent(module);
      loops = agentLoopsOf(imported, module);
      if (options.evals) evaluation = evaluationOf(imported as { evaluation?: unknown }, module);
    } catch (error) {
      log.critical("worker.module_invalid", error instanceof Error ? error.message : String(error), {
        module,
      });
      return 1;
    }
    // An evaluation may bring its own model (an offline stand-in); otherwise the configured one.
    const model = evaluation?.model ? await evaluation.model() : undefined;
    try {
      const worker = await createWorker({
        config,
        loops,
        ...(evaluation ? { evaluation } : {}),
        ...(model ? { adapter: model.adapter } : {}),
      });
      const described = model?.description ?? worker.description;
      log.info("worker.config", `Worker configuration; model: ${described}`, describeConfig(config));
      if (config.mailbox && mailboxKind(config.mailbox) === "memory") {
        log.warning(
          "worker.mailbox_in_memory",
          "WINK_MAILBOX is an in-memory queue: nothing outside this process can send to it. Use it for smoke tests only.",
          { mailbox: config.mailbox },
        );
      }
      await worker.run();
    } finally {
      // Also when the worker cannot start: a stand-in model server would keep the process alive.
      await model?.close?.();
    }
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      log.critical("worker.config_invalid", error.message, { issues: error.issues });
    } else {
      log.critical("worker.failed", "The worker failed; exiting so the orchestrator restarts it.", { error });
    }
    return 1;
  }
}

/** Import the agent module; a `.ts` file needs tsx, registered here when it is installed. */
export async function importAgent(module: string): Promise<AgentModule> {
  const url = pathToFileURL(resolve(module)).href;
  if ([".ts", ".mts", ".cts"].includes(extname(module)) && !process.execArgv.some((a) => a.includes("tsx"))) {
    await registerTsx(module);
  }
  try {
    return (await import(url)) as AgentModule;
  } catch (error) {
    throw new WinkError(
      "invalid_config",
      `Could not import the agent module ${module}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, details: { module } },
    );
  }
}

async function registerTsx(module: string): Promise<void> {
  const specifier = "tsx/esm/api";
  try {
    const tsx = (await import(specifier)) as { register(): unknown };
    tsx.register();
  } catch {
    throw new WinkError(
      "invalid_config",
      `${module} is TypeScript, and tsx is not installed to load it. Install it (npm install --save-dev tsx), or compile the module to JavaScript and pass the .js file.`,
      { details: { module } },
    );
  }
}
