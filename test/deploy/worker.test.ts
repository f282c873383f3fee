/**
 * The image's entry point (deploy/worker/main.ts) as a real process: it refuses to start without a
 * queue or a model, naming the variable to set, and with both it serves a shared Redis queue
 * through the Anthropic adapter (key from a mounted file), answers the probes, and exits 0 on
 * SIGTERM. The model is the scripted server; Redis runs on 127.0.0.1.
 *
 * Its config.ts and model.ts are also checked as modules (AGENT_ADAPTER, AGENT_NETWORK_ALLOW, and
 * the options the Claude Agent SDK adapter gets), in a child process run like the entry point:
 * under vitest their `weakincentives/*` imports would resolve to dist/, which may not be built.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisMailbox } from "../../src/contrib/mailbox/redis/index.js";
import { DebugBundle } from "../../src/debug/index.js";
import type { MainLoopRequest, MainLoopResult } from "../../src/runtime/index.js";
import { ScriptedModelServer } from "../../src/testing/model-server/index.js";

const ROOT = join(import.meta.dirname, "..", "..");
const ENTRY = join(ROOT, "deploy", "worker", "main.ts");
const WORKER_DIR = join(ROOT, "deploy", "worker");
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
  const probe = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 0 });
  redisUp = await probe.connect().then(
    () => true,
    () => false,
  );
  probe.disconnect();
  if (!redisUp && process.env.CI === "true")
    throw new Error("Redis is not running on 127.0.0.1:6379 (apt-get install redis-server).");
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

/** Start the entry point with exactly `env` (plus PATH), JSON logs on stderr. */
function start(env: Record<string, string>) {
  child = spawn(process.execPath, ["--conditions=wink-source", "--import", "tsx", ENTRY], {
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

async function refusal(env: Record<string, string>) {
  const worker = start(env);
  const code = await worker.exited;
  const record = worker.records.find((r) => r.event === "worker.config_invalid");
  return { code, record, issues: (record?.context.issues ?? []) as { variable: string }[] };
}

describe("the image's worker entry point", () => {
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

/**
 * Run `body` (an async function body, with `config` and `model` bound to deploy/worker/config.ts
 * and model.ts) in a child process resolving `weakincentives/*` to src/, and return what it returns.
 */
async function inWorker(body: string): Promise<unknown> {
  const script = `
    const config = await import(${JSON.stringify(`${join(WORKER_DIR, "config.ts")}`)});
    const model = await import(${JSON.stringify(`${join(WORKER_DIR, "model.ts")}`)});
    const issues = (fn) => { try { fn(); return null; } catch (e) { return e.issues ?? String(e); } };
    const result = await (async () => { ${body} })();
    process.stdout.write(JSON.stringify(result));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--conditions=wink-source", "--import", "tsx", "--input-type=module", "-e", script],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? "", WEAKINCENTIVES_LOG_LEVEL: "critical" } },
  );
  return JSON.parse(stdout);
}

interface Issue {
  readonly variable: string;
  readonly message: string;
}

describe("the worker's configuration", () => {
  it("reads AGENT_ADAPTER (default http) and AGENT_NETWORK_ALLOW (default none), refusing bad values clearly", async () => {
    const result = (await inWorker(`
      const load = (extra) => config.loadWorkerConfig({ WINK_MAILBOX: "memory://reviews", ...extra });
      const pick = (c) => ({ adapter: c.adapter, networkAllow: c.networkAllow });
      return {
        defaults: pick(load({})),
        sdk: pick(load({ AGENT_ADAPTER: "Claude-Agent-SDK", AGENT_NETWORK_ALLOW: " pypi.org, *.GitHub.com ,, pypi.org" })),
        empty: pick(load({ AGENT_NETWORK_ALLOW: "  " })),
        badAdapter: issues(() => load({ AGENT_ADAPTER: "claude" })),
        badDomains: issues(() => load({ AGENT_NETWORK_ALLOW: "pypi.org,https://github.com/x" })),
      };
    `)) as Record<string, unknown>;
    expect(result.defaults).toEqual({ adapter: "http", networkAllow: [] });
    expect(result.sdk).toEqual({ adapter: "claude-agent-sdk", networkAllow: ["pypi.org", "*.github.com"] });
    expect(result.empty).toEqual({ adapter: "http", networkAllow: [] });
    const [adapter] = result.badAdapter as Issue[];
    expect(adapter?.variable).toBe("AGENT_ADAPTER");
    expect(adapter?.message).toContain('"http", "claude-agent-sdk"');
    const [domains] = result.badDomains as Issue[];
    expect(domains?.variable).toBe("AGENT_NETWORK_ALLOW");
    expect(domains?.message).toContain("comma-separated domain names");
  });
});

describe("AGENT_ADAPTER=claude-agent-sdk", () => {
  it("gives ClaudeAgentSDKAdapter the turn and dollar limits, the network allowlist and the credentials", async () => {
    const result = (await inWorker(`
      const sdk = await import("weakincentives/adapters/claude-agent-sdk");
      const load = (extra) => config.loadWorkerConfig({
        WINK_MAILBOX: "memory://reviews", AGENT_ADAPTER: "claude-agent-sdk", ...extra,
      });
      const show = (o) => ({ ...o, isolation: o.isolation && {
        allowedDomains: o.isolation.network.allowedDomains,
        sandbox: o.isolation.sandbox,
        bedrock: o.isolation.bedrock,
      } });
      const anthropic = { ANTHROPIC_API_KEY: "sk-ant-test-0123456789" };
      const bedrock = { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "eu-west-1" };
      const built = await model.productionModel(load({ ...anthropic, AGENT_NETWORK_ALLOW: "pypi.org" }), anthropic);
      return {
        api: show(model.claudeAdapterOptions(load({ ...anthropic, AGENT_NETWORK_ALLOW: "pypi.org" }), anthropic, sdk)),
        noNetwork: show(model.claudeAdapterOptions(load({ ...anthropic, AGENT_MAX_TURNS: "7", AGENT_MAX_BUDGET_USD: "0.5" }), anthropic, sdk)),
        bedrock: show(model.claudeAdapterOptions(load(bedrock), bedrock, sdk)),
        openaiOnly: issues(() => model.claudeAdapterOptions(load({ OPENAI_API_KEY: "sk-test-0123456789" }), {}, sdk)),
        built: {
          isClaude: built.adapter instanceof sdk.ClaudeAgentSDKAdapter,
          name: built.adapter.name,
          model: built.adapter.model,
          description: built.description,
          childKey: built.adapter.childEnv("/tmp/home").ANTHROPIC_API_KEY,
        },
        missingSdk: await model.productionModel(load(anthropic), anthropic, { canImport: () => false }).then(
          () => null,
          (e) => e.issues,
        ),
      };
    `)) as Record<string, Record<string, unknown>>;
    expect(result.api).toEqual({
      model: "claude-sonnet-4-6",
      maxTurns: 25,
      maxBudgetUsd: 5,
      isolation: {
        allowedDomains: ["pypi.org"],
        sandbox: { enabled: true, allowUnsandboxedCommands: false },
        bedrock: false,
      },
      env: { ANTHROPIC_API_KEY: "sk-ant-test-0123456789" },
      description: "Claude Code on the Anthropic API, claude-sonnet-4-6",
    });
    expect(result.noNetwork).toMatchObject({
      maxTurns: 7,
      maxBudgetUsd: 0.5,
      isolation: { allowedDomains: [] },
    });
    expect(result.bedrock).toMatchObject({
      maxTurns: 25,
      maxBudgetUsd: 5,
      isolation: { allowedDomains: [], bedrock: { region: "eu-west-1" } },
    });
    expect(result.bedrock?.env).toBeUndefined();
    expect(String(result.bedrock?.model)).toContain("claude-sonnet-4-6");
    expect((result.openaiOnly as unknown as Issue[]).map((i) => i.variable)).toEqual(["ANTHROPIC_API_KEY"]);
    expect(result.built).toEqual({
      isClaude: true,
      name: "claude_agent_sdk",
      model: "claude-sonnet-4-6",
      description: "Claude Code on the Anthropic API, claude-sonnet-4-6",
      childKey: "sk-ant-test-0123456789",
    });
    const [missing] = result.missingSdk as unknown as Issue[];
    expect(missing?.variable).toBe("AGENT_ADAPTER");
    expect(missing?.message).toContain("@anthropic-ai/claude-agent-sdk");
  });
});
