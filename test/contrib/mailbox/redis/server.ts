/**
 * A redis-server of the test's own, on a free port, for tests that stop, freeze or restart the
 * broker (never the shared one on 6379). Stopped by PID. With `persistent`, every write is
 * fsynced to an append-only file in a temporary directory, so a restart on the same port keeps
 * the queue — the way a production Redis with AOF comes back.
 *
 * @example
 * ```ts
 * const server = await startRedisServer({ persistent: true });
 * server.url("jobs"); // redis://127.0.0.1:PORT/0?queue=jobs
 * await server.kill(); // SIGKILL, as a crash
 * await server.restart(); // same port, same data
 * await server.stop();
 * ```
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemPackages } from "../../../support/system-package.js";
import { closedPort } from "./helpers.js";

/** The Debian package these tests need: they start their own server. */
export const REDIS_SERVER = systemPackages({ "redis-server": "redis-server" });

/** A redis-server this test started. */
export interface RedisServer {
  readonly port: number;
  /** The process id of the current server (changes on restart). */
  readonly pid: number | undefined;
  /** A mailbox URL for `queue` on this server. */
  url(queue: string): string;
  /** SIGKILL, as a crash; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers, as a network partition. */
  freeze(): void;
  /** SIGCONT after {@link RedisServer.freeze}. */
  thaw(): void;
  /** Start again on the same port (and, when persistent, with the same data). */
  restart(): Promise<void>;
  /** Kill the server and remove its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Keep data across restarts (append-only file, fsync on every write). Default false. */
  readonly persistent?: boolean;
  /** More redis-server arguments, e.g. `["--rename-command", "CLIENT", ""]` to refuse a command. */
  readonly args?: readonly string[];
}

/** Start a redis-server on a free port; resolves once it accepts connections. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "wink-redis-"));
  const persistence = options.persistent
    ? ["--appendonly", "yes", "--appendfsync", "always"]
    : ["--appendonly", "no"];
  let port = 0;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const args = [
      ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir],
      ...persistence,
      ...(options.args ?? []),
    ];
    child = await spawnReady(args);
  };
  // A freed port can be taken again before redis binds it: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await closedPort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
  const kill = async (): Promise<void> => {
    const current = child;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => current.once("exit", () => resolve()));
    current.kill("SIGCONT");
    current.kill("SIGKILL");
    await gone;
  };
  return {
    port,
    get pid() {
      return child?.pid;
    },
    url: (queue) => `redis://127.0.0.1:${port}/0?queue=${queue}`,
    kill,
    freeze: () => child?.kill("SIGSTOP"),
    thaw: () => child?.kill("SIGCONT"),
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Spawn redis-server and wait for its "Ready to accept connections" line. */
function spawnReady(args: readonly string[]): Promise<ChildProcess> {
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        // Keep draining so a full pipe never blocks the server.
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.resume();
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`redis-server ${args.join(" ")} exited (${code}):\n${output}`)),
    );
  });
}
