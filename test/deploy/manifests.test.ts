/**
 * The deployment artefacts in deploy/ agree with the code they deploy: probe paths are ones the
 * HealthServer answers, ports are the worker's default port, every environment variable is one
 * something in the package reads (with values AgentConfig accepts), grace periods outlast the
 * shutdown wait, and the IAM policies allow what the SQS mailbox calls. Change a path, port,
 * variable or default in the code without updating deploy/ and one of these fails.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { resolveAnthropicBackend } from "../../src/adapters/anthropic/index.js";
import { AGENT_ADAPTERS, AGENT_CONFIG_SPEC, AgentConfig } from "../../src/config/index.js";
import { RedisMailbox } from "../../src/contrib/mailbox/redis/index.js";
import { LOG_ENV } from "../../src/logging/index.js";
import { HealthServer } from "../../src/runtime/lifecycle/index.js";

const ROOT = join(import.meta.dirname, "..", "..");
const DEPLOY = join(ROOT, "deploy");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const run = promisify(execFile);

const HEALTH_PORT = AGENT_CONFIG_SPEC.healthPort.defaultValue;
const SHUTDOWN_TIMEOUT = AGENT_CONFIG_SPEC.shutdownTimeout.defaultValue;
/** Seconds between the end of the shutdown wait and the orchestrator's SIGKILL, at least. */
const GRACE_MARGIN = 10;

// ---------------------------------------------------------------------------------------------
// Reading the artefacts

type Obj = Record<string, unknown>;

function yamlDocuments(file: string): Obj[] {
  return parseAllDocuments(read(`deploy/kubernetes/${file}`)).map((doc) => {
    expect(doc.errors, `${file}: ${doc.errors.join("; ")}`).toEqual([]);
    return doc.toJS() as Obj;
  });
}

function one(file: string): Obj {
  const docs = yamlDocuments(file);
  expect(docs).toHaveLength(1);
  return docs[0] as Obj;
}

/** Follow a path of keys and indexes; fails the test naming the path when a step is missing. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const [i, key] of path.entries()) {
    if (current === null || typeof current !== "object" || !(key in current)) {
      throw new Error(`missing ${path.slice(0, i + 1).join(".")}`);
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

interface EnvEntry {
  readonly name: string;
  readonly value?: string;
}

const deployment = () => one("deployment.yaml");
const container = () => at(deployment(), "spec", "template", "spec", "containers", 0) as Obj;
const podEnv = () => at(container(), "env") as EnvEntry[];

const ecsTask = () => JSON.parse(read("deploy/ecs/task-definition.json")) as Obj;
const ecsContainer = () => at(ecsTask(), "containerDefinitions", 0) as Obj;

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions per stage (continuation lines joined, comments dropped). */
function dockerStages(): Instruction[][] {
  const text = read("deploy/Dockerfile")
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  const stages: Instruction[][] = [[]]; // the first holds the global ARGs before the first FROM
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { keyword: match[1] as string, args: (match[2] as string).trim() };
    if (instruction.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const runtimeStage = () => dockerStages().at(-1) as Instruction[];
const instructions = (keyword: string) => runtimeStage().filter((i) => i.keyword === keyword);

/** `ENV A=1 B=2` lines of the runtime stage as a record. */
function dockerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructions("ENV")) {
    for (const [, name, value] of args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) {
      env[name as string] = (value as string).replace(/^"|"$/g, "");
    }
  }
  return env;
}

/** The exec-form JSON array of an instruction (`CMD ["node", "x.js"]`). */
function execForm(args: string): string[] {
  return JSON.parse(args) as string[];
}

// ---------------------------------------------------------------------------------------------
// What the code reads

/** Every variable the worker's configuration reads, secrets' `_FILE` forms included. */
const CONFIG_VARIABLES = Object.values(AGENT_CONFIG_SPEC).flatMap((field) =>
  field.secret ? [field.variable, `${field.variable}_FILE`] : [field.variable],
);
/** Read by AnthropicAdapter's backend selection (checked by behaviour below). */
const BACKEND_VARIABLES = ["CLAUDE_CODE_USE_BEDROCK", "AWS_REGION", "AWS_DEFAULT_REGION"];
const KNOWN_VARIABLES = new Set([...CONFIG_VARIABLES, ...Object.values(LOG_ENV), ...BACKEND_VARIABLES]);

/** The configuration the worker would load from `env` (throws like the worker would). */
function loadWorkerConfig(env: Record<string, string>) {
  return AgentConfig.fromEnv(env, { calibration: "refuse", readFile: () => "sk-from-file-0123456789" });
}

/** The literal values of `entries`, with the ECS template's REGION and ACCOUNT filled in. */
function literalEnv(entries: readonly EnvEntry[]): Record<string, string> {
  return Object.fromEntries(
    entries
      .filter((e) => e.value !== undefined)
      .map((e) => [
        e.name,
        (e.value ?? "").replace("REGION", "us-east-1").replace("ACCOUNT", "123456789012"),
      ]),
  );
}

// ---------------------------------------------------------------------------------------------
// A real health server, to ask the paths the artefacts probe

let server: HealthServer;
let base: string;

beforeAll(async () => {
  server = new HealthServer({ port: 0, host: "127.0.0.1", readiness: () => true, metrics: async () => "" });
  const { port } = await server.start();
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.stop();
});

async function status(path: string): Promise<number> {
  return (await fetch(`${base}${path}`)).status;
}

// ---------------------------------------------------------------------------------------------

describe("the variables the code reads", () => {
  it("include the Bedrock switches the artefacts and the guide rely on", () => {
    expect(resolveAnthropicBackend({ CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "eu-west-1" })).toEqual({
      kind: "bedrock",
      region: "eu-west-1",
    });
    expect(
      resolveAnthropicBackend({ CLAUDE_CODE_USE_BEDROCK: "1", AWS_DEFAULT_REGION: "us-east-2" }),
    ).toEqual({
      kind: "bedrock",
      region: "us-east-2",
    });
  });

  it("default the health port to the one every artefact uses", () => {
    expect(HEALTH_PORT).toBe(8080);
  });

  it("include the worker's token budget, adapter choice and network allowlist", () => {
    expect(CONFIG_VARIABLES).toEqual(
      expect.arrayContaining(["AGENT_MAX_TOTAL_TOKENS", "AGENT_ADAPTER", "AGENT_NETWORK_ALLOW"]),
    );
  });
});

describe("kubernetes/deployment.yaml", () => {
  it("probes liveness and readiness on paths the HealthServer answers with 200", async () => {
    const liveness = at(container(), "livenessProbe", "httpGet", "path") as string;
    const readiness = at(container(), "readinessProbe", "httpGet", "path") as string;
    expect([liveness, readiness]).toEqual(["/health/live", "/health/ready"]);
    expect([await status(liveness), await status(readiness)]).toEqual([200, 200]);
  });

  it("probes the container port named health, which is the worker's health port", () => {
    const ports = at(container(), "ports") as { containerPort: number; name?: string }[];
    const named = (name: unknown) => ports.find((p) => p.name === name)?.containerPort ?? name;
    expect(named(at(container(), "livenessProbe", "httpGet", "port"))).toBe(HEALTH_PORT);
    expect(named(at(container(), "readinessProbe", "httpGet", "port"))).toBe(HEALTH_PORT);
    expect(ports).toContainEqual({ containerPort: HEALTH_PORT, name: "health" });
    expect(loadWorkerConfig(literalEnv(podEnv())).healthPort).toBe(HEALTH_PORT);
  });

  it("uses the guide's probe timings", () => {
    const timings = (probe: string) => {
      const p = at(container(), probe) as Obj;
      return [p.initialDelaySeconds, p.periodSeconds, p.timeoutSeconds];
    };
    expect(timings("livenessProbe")).toEqual([10, 30, 5]);
    expect(timings("readinessProbe")).toEqual([5, 10, 5]);
  });

  it("annotates the pod for a Prometheus scrape of /metrics on the health port", async () => {
    const annotations = at(deployment(), "spec", "template", "metadata", "annotations") as Obj;
    expect(annotations["prometheus.io/scrape"]).toBe("true");
    expect(Number(annotations["prometheus.io/port"])).toBe(HEALTH_PORT);
    expect(annotations["prometheus.io/path"]).toBe("/metrics");
    expect(await status(annotations["prometheus.io/path"] as string)).toBe(200);
  });

  it("sets only variables the package reads", () => {
    const names = podEnv().map((e) => e.name);
    expect(names.filter((n) => !KNOWN_VARIABLES.has(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("sets values the worker's configuration accepts, calibration included", () => {
    const config = loadWorkerConfig(literalEnv(podEnv()));
    expect(config.mailbox).toMatch(/^redis:\/\//);
    expect(literalEnv(podEnv())).toMatchObject({
      WEAKINCENTIVES_LOG_FORMAT: "json",
      WEAKINCENTIVES_LOG_LEVEL: "INFO",
    });
    expect(Number(literalEnv(podEnv()).AGENT_MAX_TOTAL_TOKENS)).toBeGreaterThan(0);
    expect(AGENT_ADAPTERS).toContain(literalEnv(podEnv()).AGENT_ADAPTER);
    expect(config.maxBudgetUsd).toBe(5);
  });

  it("documents AGENT_NETWORK_ALLOW, a variable the worker reads, in a commented entry", () => {
    expect(read("deploy/kubernetes/deployment.yaml")).toMatch(/#\s*- name: AGENT_NETWORK_ALLOW/);
    expect(KNOWN_VARIABLES).toContain("AGENT_NETWORK_ALLOW");
  });

  it("takes both API keys from the Secret, and documents the _FILE alternative", () => {
    for (const [name, key] of [
      ["ANTHROPIC_API_KEY", "anthropic-api-key"],
      ["OPENAI_API_KEY", "openai-api-key"],
    ]) {
      const entry = podEnv().find((e) => e.name === name);
      expect(at(entry, "valueFrom", "secretKeyRef")).toEqual({ name: "wink-secrets", key, optional: true });
    }
    const text = read("deploy/kubernetes/deployment.yaml");
    expect(text).toMatch(/#\s*- name: ANTHROPIC_API_KEY_FILE/);
    expect(CONFIG_VARIABLES).toContain("ANTHROPIC_API_KEY_FILE");
  });

  it("gives the shutdown wait a grace period with margin before SIGKILL", () => {
    const grace = at(deployment(), "spec", "template", "spec", "terminationGracePeriodSeconds") as number;
    const shutdown = loadWorkerConfig(literalEnv(podEnv())).shutdownTimeout;
    expect(shutdown).toBe(SHUTDOWN_TIMEOUT);
    expect(grace).toBeGreaterThanOrEqual(shutdown + GRACE_MARGIN);
  });

  it("runs as the image's non-root uid with a read-only root filesystem", () => {
    const pod = at(deployment(), "spec", "template", "spec", "securityContext") as Obj;
    expect(pod).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(at(container(), "securityContext")).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
  });

  it("mounts a bounded workspace, the debug-bundle claim and a writable /tmp", () => {
    const volumes = at(deployment(), "spec", "template", "spec", "volumes") as Obj[];
    expect(volumes).toContainEqual({ name: "workspace", emptyDir: { sizeLimit: "1Gi" } });
    const claim = at(
      volumes.find((v) => v.name === "debug-bundles"),
      "persistentVolumeClaim",
      "claimName",
    );
    expect(claim).toBe(at(one("pvc.yaml"), "metadata", "name"));
    const mounts = at(container(), "volumeMounts") as Obj[];
    const mounted = Object.fromEntries(mounts.map((m) => [m.name, m.mountPath]));
    expect(mounted).toMatchObject({ workspace: "/workspace", "debug-bundles": "/debug", tmp: "/tmp" });
    expect(mounted["debug-bundles"]).toBe(loadWorkerConfig(literalEnv(podEnv())).debugBundlePath);
  });

  it("has three replicas with the guide's resources", () => {
    expect(at(deployment(), "spec", "replicas")).toBe(3);
    expect(at(container(), "resources")).toEqual({
      requests: { memory: "512Mi", cpu: "500m" },
      limits: { memory: "2Gi", cpu: "2000m" },
    });
  });
});

describe("kubernetes: secret, autoscaling", () => {
  it("the example Secret holds the keys the Deployment references, as placeholders", () => {
    const secret = one("secret.yaml");
    expect(at(secret, "metadata", "name")).toBe("wink-secrets");
    expect(at(secret, "stringData", "anthropic-api-key")).toMatch(/REPLACE-ME/);
  });

  it("the HPA scales the Deployment on CPU at 70 %, from 2 to 10 replicas", () => {
    const hpa = one("hpa.yaml");
    expect(at(hpa, "spec", "scaleTargetRef", "name")).toBe(at(deployment(), "metadata", "name"));
    expect(at(hpa, "spec", "minReplicas")).toBe(2);
    expect(at(hpa, "spec", "maxReplicas")).toBe(10);
    expect(at(hpa, "spec", "metrics", 0, "resource")).toEqual({
      name: "cpu",
      target: { type: "Utilization", averageUtilization: 70 },
    });
  });

  it("the KEDA trigger watches the pending list of the queue the workers serve", async () => {
    const scaled = one("keda-scaledobject.yaml");
    expect(at(scaled, "spec", "scaleTargetRef", "name")).toBe(at(deployment(), "metadata", "name"));
    const trigger = at(scaled, "spec", "triggers", 0) as Obj;
    expect(trigger.type).toBe("redis");
    const url = new URL(loadWorkerConfig(literalEnv(podEnv())).mailbox ?? "");
    const queue = url.searchParams.get("queue") ?? "";
    expect(at(trigger, "metadata", "address")).toBe(url.host);
    const client = new Redis({ lazyConnect: true });
    const mailbox = new RedisMailbox({ name: queue, client, reaperIntervalMs: 0 });
    try {
      expect(at(trigger, "metadata", "listName")).toBe(mailbox.keys[0]);
    } finally {
      await mailbox.close();
      client.disconnect();
    }
    expect(read("deploy/kubernetes/keda-scaledobject.yaml")).toContain(
      `max(wink_mailbox_depth{mailbox="${queue}"})`,
    );
  });

  it("the NetworkPolicy admits the health port and lets the workers reach their queue and HTTPS", () => {
    const policy = one("networkpolicy.yaml");
    expect(at(policy, "spec", "podSelector", "matchLabels")).toEqual(
      at(deployment(), "spec", "template", "metadata", "labels"),
    );
    const ingressPorts = (at(policy, "spec", "ingress") as Obj[]).flatMap((r) => r.ports as Obj[]);
    expect(ingressPorts).toEqual([{ protocol: "TCP", port: HEALTH_PORT }]);
    const egressPorts = (at(policy, "spec", "egress") as Obj[]).flatMap((r) =>
      (r.ports as Obj[]).map((p) => p.port),
    );
    const redis = new URL(loadWorkerConfig(literalEnv(podEnv())).mailbox ?? "");
    expect(egressPorts).toEqual(expect.arrayContaining([53, Number(redis.port || 6379), 443]));
  });

  it("every manifest parses", () => {
    for (const file of readdirSync(join(DEPLOY, "kubernetes"))) {
      if (file.endsWith(".yaml")) expect(yamlDocuments(file).length).toBeGreaterThan(0);
    }
  });
});

describe("Dockerfile", () => {
  it("exposes the worker's health port and sets only variables the package reads", () => {
    expect(instructions("EXPOSE").map((i) => i.args)).toEqual([String(HEALTH_PORT)]);
    const env = dockerEnv();
    expect(Object.keys(env).filter((n) => !KNOWN_VARIABLES.has(n))).toEqual([]);
    expect(env.WEAKINCENTIVES_LOG_FORMAT).toBe("json");
    expect(loadWorkerConfig(env).healthPort).toBe(HEALTH_PORT);
  });

  it("runs as the numeric non-root uid 1000", () => {
    const users = instructions("USER").map((i) => i.args);
    expect(users.at(-1)).toBe("1000:1000");
  });

  it("runs wink worker on an agent module compiled from a file in the repository that the worker build includes", () => {
    const [wink, command, script] = execForm(instructions("CMD").at(-1)?.args ?? "[]");
    expect([wink, command]).toEqual(["wink", "worker"]);
    // deploy/tsconfig.worker.json compiles <repo>/X.ts to build/X.js.
    const source = (script ?? "").replace(/^build\//, "").replace(/\.js$/, ".ts");
    expect(existsSync(join(ROOT, source)), source).toBe(true);
    const tsconfig = read("deploy/tsconfig.worker.json");
    expect(tsconfig).toMatch(/"outDir":\s*"\.\.\/build"/);
    // Its include globs are relative to deploy/.
    expect(tsconfig).toContain(`"${relative("deploy", dirname(source))}/*.ts"`);
  });

  it("copies only paths that exist and that .dockerignore does not exclude", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const sources = dockerStages()
      .flat()
      .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources).toContain("deploy/skills/");
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored, source).not.toContain(source.replace(/\/$/, "").split("/")[0]);
    }
  });

  it("promotes peers that are pinned devDependencies", () => {
    const arg = dockerStages()
      .flat()
      .find((i) => i.keyword === "ARG" && i.args.startsWith("RUNTIME_PEERS="));
    const peers = (arg?.args ?? "").replace(/^RUNTIME_PEERS="?|"$/g, "").split(/\s+/);
    const pkg = JSON.parse(read("package.json")) as {
      devDependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    for (const peer of peers) {
      expect(pkg.peerDependencies[peer], peer).toBeDefined();
      expect(pkg.devDependencies[peer], peer).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it("its HEALTHCHECK passes against a live worker port and fails against a dead one", async () => {
    const [node, ...command] = execForm(
      instructions("HEALTHCHECK")[0]?.args.replace(/^.*?CMD\s+/, "") ?? "[]",
    );
    expect(node).toBe("node");
    const port = new URL(base).port;
    await expect(run("node", command, { env: { ...process.env, HEALTH_PORT: port } })).resolves.toBeDefined();
    await expect(run("node", command, { env: { ...process.env, HEALTH_PORT: "1" } })).rejects.toThrow();
    expect(command.join(" ")).toContain("/health/live");
  });
});

describe("ecs/task-definition.json", () => {
  it("is a Fargate task mapping the worker's health port", () => {
    expect(at(ecsTask(), "requiresCompatibilities")).toEqual(["FARGATE"]);
    expect(at(ecsContainer(), "portMappings", 0, "containerPort")).toBe(HEALTH_PORT);
  });

  it("health-checks /health/live with a node one-liner that works", async () => {
    const [form, node, ...args] = at(ecsContainer(), "healthCheck", "command") as string[];
    expect([form, node]).toEqual(["CMD", "node"]);
    const script = args.at(-1) ?? "";
    expect(script).toContain(`http://127.0.0.1:${HEALTH_PORT}/health/live`);
    const live = args.map((a) => a.replace(`127.0.0.1:${HEALTH_PORT}`, new URL(base).host));
    await expect(run("node", live)).resolves.toBeDefined();
    expect(await status(new URL(/http:\/\/[^'"]+/.exec(script)?.[0] ?? "").pathname)).toBe(200);
  });

  it("sets only variables the package reads, with values it accepts, and keys from Secrets Manager", () => {
    const environment = at(ecsContainer(), "environment") as EnvEntry[];
    const secrets = at(ecsContainer(), "secrets") as { name: string; valueFrom: string }[];
    const names = [...environment.map((e) => e.name), ...secrets.map((s) => s.name)];
    expect(names.filter((n) => !KNOWN_VARIABLES.has(n))).toEqual([]);
    expect(loadWorkerConfig(literalEnv(environment)).mailbox).toMatch(/^https:\/\/sqs\./);
    for (const s of secrets) expect(s.valueFrom).toMatch(/^arn:aws:secretsmanager:/);
  });

  it("waits longer than the shutdown timeout before SIGKILL", () => {
    const shutdown = loadWorkerConfig(
      literalEnv(at(ecsContainer(), "environment") as EnvEntry[]),
    ).shutdownTimeout;
    const stop = at(ecsContainer(), "stopTimeout") as number;
    expect(stop).toBeGreaterThanOrEqual(shutdown + GRACE_MARGIN);
    expect(stop).toBeLessThanOrEqual(120); // the Fargate maximum
  });

  it("ships logs with awslogs", () => {
    expect(at(ecsContainer(), "logConfiguration", "logDriver")).toBe("awslogs");
  });
});

describe("iam/", () => {
  const policy = (file: string) =>
    JSON.parse(read(`deploy/iam/${file}`)) as {
      Version: string;
      Statement: { Effect: string; Action: string[]; Resource: string | string[] }[];
    };
  const actions = (file: string) => policy(file).Statement.flatMap((s) => s.Action);

  it("every policy is valid JSON in the current policy language", () => {
    for (const file of readdirSync(join(DEPLOY, "iam"))) {
      const p = policy(file);
      expect(p.Version, file).toBe("2012-10-17");
      for (const s of p.Statement) expect(s.Effect, file).toBe("Allow");
    }
  });

  it("bedrock-policy.json allows invoking Anthropic models", () => {
    expect(new Set(actions("bedrock-policy.json"))).toEqual(
      new Set(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]),
    );
  });

  it("sqs-worker-policy.json allows consuming requests and sending replies", () => {
    expect(new Set(actions("sqs-worker-policy.json"))).toEqual(
      new Set([
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:SendMessage",
      ]),
    );
  });

  it("sqs-worker-policy.json covers every SQS call the mailbox makes but PurgeQueue", () => {
    const dir = join(ROOT, "src", "contrib", "mailbox", "sqs");
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const calls = new Set(
      files.flatMap((f) =>
        [...readFileSync(join(dir, f), "utf8").matchAll(/\b([A-Z][A-Za-z]+)Command\b/g)].map(
          // A batch action needs its single action's permission (ChangeMessageVisibilityBatch:
          // sqs:ChangeMessageVisibility), as in SQS's API permissions reference.
          (m) => `sqs:${(m[1] as string).replace(/Batch$/, "")}`,
        ),
      ),
    );
    calls.delete("sqs:PurgeQueue"); // purge() is an operator's tool, not the worker's
    expect(calls.size).toBeGreaterThan(0);
    expect([...calls].filter((c) => !actions("sqs-worker-policy.json").includes(c))).toEqual([]);
  });
});
