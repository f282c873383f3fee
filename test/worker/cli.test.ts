/**
 * `wink worker examples/code-review/agent.ts` as a real process, the way the image runs it: it
 * refuses to start without a queue or a model (or with broken timeouts), naming the variable to
 * set, and with both it serves a shared Redis queue through the Anthropic adapter (key from a
 * mounted file), answers the probes, writes debug bundles, and exits 0 on SIGTERM. The model is
 * the scripted server; Redis runs on 127.0.0.1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisMailbox } from "../../src/contrib/mailbox/redis/index.js";
import { DebugBundle } from "../../src/debug/index.js";
import type { MainLoopRequest, MainLoopResult } from "../../src/runtime/index.js";
import { ScriptedModelServer } from "../../src/testing/model-server/index.js";
import { redisAvailable } from "../support/redis.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "src", "cli", "bin.ts");
const AGENT = join("examples", "code-review", "agent.ts");
const queue = `wink-test-deploy-${process.pid}-${Date.now()}`;
let redisUp = false;
let child: ChildProcess | undefined;
let dir: string;

interface Record_ {
  readonly level: string;
  readonly event: string;
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wink-deploy-"));
  redisUp = await redisAvailable();
});

afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  child = undefined;
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!redisUp) return;
  const redis = new Redis({ host: "127.0.0.1", port: 6379 });
  const keys = await redis.keys(`*${queue}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** Start `wink worker <agent>` with exactly `env` (plus PATH), JSON logs on stderr. */
function start(env: Record<string, string>, agent = AGENT) {
  child = spawn(process.execPath, ["--conditions=wink-source", "--import", "tsx", BIN, "worker", agent], {
    cwd: ROOT,
    // Bundles go to the test's temp dir, never to the image's /debug on the machine running tests.
    env: {
      PATH: process.env.PATH ?? "",
      WEAKINCENTIVES_LOG_FORMAT: "json",
      DEBUG_BUNDLE_PATH: join(dir, "bundles"),
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const records: Record_[] = [];
  const waiters: { pred: (r: Record_) => boolean; resolve: (r: Record_) => void }[] = [];
  let buffered = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue; // SDK warnings are plain text
      const record = JSON.parse(line) as Record_;
      records.push(record);
      for (const w of [...waiters]) {
        if (w.pred(record)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(record);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child?.on("exit", (code) => resolve(code)));
  const waitFor = (event: string, ms = 15_000): Promise<Record_> => {
    const seen = records.find((r) => r.event === event);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${event} within ${ms} ms; got ${records.map((r) => r.event).join(", ")}`)),
        ms,
      );
      waiters.push({
        pred: (r) => r.event === event,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  };
  return { records, waitFor, exited };
}

async function refusal(env: Record<string, string>, agent = AGENT) {
  const worker = start(env, agent);
  const code = await worker.exited;
  const record = worker.records.find((r) => r.event === "worker.config_invalid");
  return { code, record, issues: (record?.context.issues ?? []) as { variable: string }[] };
}

describe("wink worker", () => {
  it("refuses to start without WINK_MAILBOX, saying what to set", async () => {
    const { code, record, issues } = await refusal({ ANTHROPIC_API_KEY: "sk-test-0123456789" });
    expect(code).toBe(1);
    expect(record?.level).toBe("CRITICAL");
    expect(issues.map((i) => i.variable)).toEqual(["WINK_MAILBOX"]);
  });

  it("refuses to start without a model rather than failing every request", async () => {
    const { code, record, issues } = await refusal({ WINK_MAILBOX: "memory://reviews" });
    expect(code).toBe(1);
    expect(issues.map((i) => i.variable)).toEqual(["ANTHROPIC_API_KEY"]);
    expect(record?.message).toContain("CLAUDE_CODE_USE_BEDROCK=1 with AWS_REGION");
  });

  it("refuses a module that does not exist or exports no loop, naming it and what to export", async () => {
    const env = { WINK_MAILBOX: "memory://reviews", ANTHROPIC_API_KEY: "sk-test-0123456789" };
    for (const [agent, says] of [
      ["examples/code-review/nope.ts", "Could not import the agent module examples/code-review/nope.ts"],
      ["examples/code-review/client.ts", "exports no agent loop. Export defineLoop("],
    ] as const) {
      const worker = start(env, agent);
      expect(await worker.exited).toBe(1);
      const record = worker.records.find((r) => r.event === "worker.module_invalid");
      expect(record?.level).toBe("CRITICAL");
      expect(record?.message).toContain(says);
    }
  });

  it("refuses timeouts that break a calibration rule", async () => {
    const { code, issues } = await refusal({
      WINK_MAILBOX: "memory://reviews",
      ANTHROPIC_API_KEY: "sk-test-0123456789",
      VISIBILITY_TIMEOUT: "900",
    });
    expect(code).toBe(1);
    expect(issues.map((i) => i.variable)).toEqual(["VISIBILITY_TIMEOUT"]);
  });

  it.skipIf(existsSync(join(ROOT, "node_modules", "@anthropic-ai", "bedrock-sdk")))(
    "refuses Bedrock when the image was built without its SDK",
    async () => {
      const { code, record } = await refusal({
        WINK_MAILBOX: "memory://reviews",
        CLAUDE_CODE_USE_BEDROCK: "1",
        AWS_REGION: "us-east-1",
      });
      expect(code).toBe(1);
      expect(record?.message).toContain("EXTRA_PACKAGES=@anthropic-ai/bedrock-sdk");
    },
  );

  it("serves a Redis queue on the Anthropic API with a key file, then exits 0 on SIGTERM", async (context) => {
    if (!redisUp) {
      context.skip(
        "Redis is not running on 127.0.0.1:6379: install and start redis-server to run this test.",
      );
      return;
    }
    const model = await ScriptedModelServer.start({ policy: true });
    const keyFile = join(dir, "anthropic-api-key");
    writeFileSync(keyFile, "sk-ant-test-0123456789\n");
    const client = new Redis({ host: "127.0.0.1", port: 6379 });
    const requests = new RedisMailbox<MainLoopRequest<unknown>, MainLoopResult<unknown>>({
      name: queue,
      client,
    });
    const replies = new RedisMailbox<MainLoopResult<unknown>>({ name: `${queue}-replies`, client });
    try {
      const worker = start({
        WINK_MAILBOX: `redis://127.0.0.1:6379/0?queue=${queue}`,
        ANTHROPIC_API_KEY_FILE: keyFile,
        ANTHROPIC_BASE_URL: model.anthropicBaseUrl,
        HEALTH_PORT: "0",
      });
      const config = await worker.waitFor("worker.config");
      expect(config.message).toContain("Anthropic API");
      const { port } = (await worker.waitFor("health.start")).context as { port: number };
      const health = `http://127.0.0.1:${port}`;
      await worker.waitFor("lifecycle.start");
      expect((await fetch(`${health}/health/live`)).status).toBe(200);
      expect((await fetch(`${health}/health/ready`)).status).toBe(200);

      await requests.send(
        { request: { change: "Add an HTTP helper", files: ["src/http.ts"] }, requestId: "deploy-1" },
        { replyTo: replies.name },
      );
      const [reply] = await replies.receive({ waitTimeSeconds: 15 });
      await reply?.acknowledge();
      expect(reply?.body).toMatchObject({ requestId: "deploy-1", success: true });
      // The image's worker writes one debug bundle per request on DEBUG_BUNDLE_PATH.
      const bundlePath = (reply?.body as { bundlePath?: string } | undefined)?.bundlePath ?? "";
      expect(bundlePath.startsWith(join(dir, "bundles"))).toBe(true);
      expect(await (await DebugBundle.load(bundlePath)).verifyIntegrity()).toBe(true);
      expect(await (await fetch(`${health}/metrics`)).text()).toMatch(/^wink_prompt_executions_total 1$/m);

      child?.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
      expect(worker.records.at(-1)?.event).toBe("lifecycle.shutdown.complete");
    } finally {
      await requests.close();
      await replies.close();
      client.disconnect();
      await model.close();
    }
  });
});
