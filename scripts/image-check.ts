/**
 * The host side of the image check (scripts/image-check.sh builds the images, then runs this):
 * it runs the built images with podman on the host network and checks what an orchestrator
 * relies on, failing on the first broken promise.
 *
 * - The worker (default image, then slim): start → `/health/ready`, `/health/live`, Prometheus
 *   series on `/metrics`, the image's HEALTHCHECK, one request through a Redis queue answered
 *   with a typed review (Anthropic API = the scripted model server on 127.0.0.1), then SIGTERM →
 *   exit 0 with the clean-shutdown log lines. Hardened as in deploy/kubernetes: uid 1000,
 *   read-only root, all capabilities dropped, no new privileges.
 * - Claude Code's sandbox (default image): a sandboxed Bash command runs, without network, under
 *   the shipped settings (deploy/seccomp profile + unmasked /proc), and does not run without
 *   either of them.
 * - The slim image has no Claude Code and refuses AGENT_ADAPTER=claude-agent-sdk by name.
 *
 *   tsx --conditions=wink-source scripts/image-check.ts --image IMG --slim IMG --profile FILE --id ID
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { Redis } from "ioredis";
import { ReviewOutput } from "../examples/code-review/agent.js";
import { RedisMailbox } from "../src/contrib/mailbox/redis/index.js";
import type { MainLoopRequest, MainLoopResult } from "../src/runtime/index.js";
import { ScriptedModelServer, turn } from "../src/testing/model-server/index.js";

const ROOT = join(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    image: { type: "string" },
    slim: { type: "string" },
    profile: { type: "string" },
    id: { type: "string" },
  },
});
const image = required("image");
const slim = required("slim");
const profile = required("profile");
const id = required("id");
/** Every container this run starts is named with this prefix, so cleanup can find it. */
const prefix = `wink-image-check-${id}`;
const scratch = mkdtempSync(join(tmpdir(), `${prefix}-`));
/** The hardening of deploy/kubernetes/deployment.yaml, as podman flags. */
const HARDENED = [
  "--network=host",
  "--user=1000:1000",
  "--read-only",
  "--cap-drop=ALL",
  "--security-opt=no-new-privileges",
  "--tmpfs=/workspace:mode=1777",
  "--tmpfs=/debug:mode=1777",
];
const figures: string[] = [];

function required(name: "image" | "slim" | "profile" | "id"): string {
  const value = args[name];
  if (!value)
    throw new Error(`--${name} is required (see the usage line at the top of ${import.meta.filename}).`);
  return value;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run podman; a non-zero exit throws unless `allowFail`. */
async function podman(argv: readonly string[], allowFail = false): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)("podman", [...argv], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    const run = {
      code: typeof e.code === "number" ? e.code : -1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
    if (allowFail) return run;
    throw new Error(`podman ${argv.join(" ")} exited ${run.code}: ${run.stderr.trim()}`);
  }
}

function check(ok: boolean, what: string, detail = ""): void {
  if (!ok) throw new Error(`image-check: ${what}${detail ? `\n${detail}` : ""}`);
  console.log(`  ok  ${what}`);
}

/** Poll `probe` every 50 ms until it returns a value, or fail after `ms`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > end) throw new Error(`image-check: ${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port free on the host right now (the containers share the host network). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** JSON log records of a container, in order. */
async function logRecords(name: string): Promise<{ event: string; message: string }[]> {
  const { stdout, stderr } = await podman(["logs", name]);
  return `${stdout}\n${stderr}`
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { event: string; message: string })
    .filter((r) => typeof r.event === "string");
}

/** Resident memory of the container's processes, in MiB (podman stats, cgroup accounting). */
async function memoryMiB(name: string): Promise<number> {
  const { stdout } = await podman(["stats", "--no-stream", "--no-reset", "--format", "{{.MemUsage}}", name]);
  const [used = ""] = stdout.trim().split(" / ");
  const match = /^([\d.]+)\s*([kMG]i?B|B)$/.exec(used.trim().replace(/([\d.])([kMG])/, "$1 $2"));
  const units: Record<string, number> = { B: 1 / 2 ** 20, kB: 1 / 1024, MB: 1, GB: 1024 };
  if (!match) throw new Error(`image-check: cannot read memory from podman stats: "${stdout.trim()}"`);
  return Number(match[1]) * (units[(match[2] as string).replace("i", "")] ?? Number.NaN);
}

/** Send one review request through a Redis queue and return the worker's reply. */
async function roundTrip(queueUrl: string, queue: string): Promise<MainLoopResult<unknown>> {
  const requests = await RedisMailbox.fromUrl<MainLoopRequest<unknown>, MainLoopResult<unknown>>(queueUrl);
  const replies = await RedisMailbox.fromUrl<MainLoopResult<unknown>>(queueUrl, { name: `${queue}-replies` });
  try {
    await requests.send(
      { request: { change: "Add an HTTP helper", files: ["src/http.ts"] }, requestId: `${queue}-1` },
      { replyTo: replies.name },
    );
    const reply = await waitFor(
      "a reply on the Redis queue",
      async () => (await replies.receive({ waitTimeSeconds: 1 }))[0],
      60_000,
    );
    await reply.acknowledge();
    return reply.body;
  } finally {
    await Promise.all([requests.close(), replies.close()]);
    const redis = new Redis(queueUrl);
    const keys = await redis.keys(`*${queue}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

/** Start the worker in `ref` as `name`; resolves once `/health/ready` answers 200. */
async function startWorker(ref: string, name: string, env: readonly string[], label: string): Promise<void> {
  const started = performance.now();
  await podman(["run", "--detach", `--name=${name}`, ...HARDENED, ...env.map((e) => `--env=${e}`), ref]);
  const port = env.find((e) => e.startsWith("HEALTH_PORT="))?.slice("HEALTH_PORT=".length);
  const ready = await waitFor(
    "/health/ready answering 200",
    async () =>
      (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200 ? performance.now() : undefined,
    30_000,
  );
  figures.push(`${label}: start → /health/ready ${seconds(ready - started)}`);
}

/** SIGTERM the worker `name`: it must exit 0 and log a clean shutdown. Removes the container. */
async function stopWorker(name: string, label: string): Promise<void> {
  const stopping = performance.now();
  await podman(["kill", "--signal=TERM", name]);
  const exit = (await podman(["wait", name])).stdout.trim();
  figures.push(`${label}: SIGTERM → exit ${seconds(performance.now() - stopping)}`);
  const events = (await logRecords(name)).map((r) => r.event);
  await podman(["rm", "--force", name]);
  check(exit === "0", "SIGTERM: the worker exits 0", `exit code ${exit}`);
  const shutdown = ["lifecycle.signal", "lifecycle.shutdown.start", "lifecycle.shutdown.complete"];
  check(
    shutdown.every((e) => events.includes(e)) && events.at(-1) === "lifecycle.shutdown.complete",
    `SIGTERM: the log ends with ${shutdown.join(", ")}`,
    events.join(", "),
  );
}

/** The worker in `ref`: probes, HEALTHCHECK, one request through Redis, SIGTERM. Records its figures. */
async function checkWorker(ref: string, label: string): Promise<void> {
  console.log(`worker (${label} image):`);
  await using model = await ScriptedModelServer.start({ policy: true });
  const port = await freePort();
  const queue = `${prefix}-${label}`;
  const queueUrl = `redis://127.0.0.1:6379/0?queue=${queue}`;
  const name = `${prefix}-${label}-worker`;
  const health = `http://127.0.0.1:${port}`;
  await startWorker(
    ref,
    name,
    [
      `HEALTH_PORT=${port}`,
      `WINK_MAILBOX=${queueUrl}`,
      "ANTHROPIC_API_KEY=sk-ant-image-check-0123456789",
      `ANTHROPIC_BASE_URL=${model.anthropicBaseUrl}`,
    ],
    label,
  );
  check((await fetch(`${health}/health/live`)).status === 200, "/health/live answers 200");
  const metrics = await (await fetch(`${health}/metrics`)).text();
  check(/^# TYPE wink_worker_ready gauge$/m.test(metrics), "/metrics serves Prometheus series", metrics);
  const healthcheck = await podman(["healthcheck", "run", name], true);
  check(healthcheck.code === 0, "the image's HEALTHCHECK passes", healthcheck.stderr);
  figures.push(`${label}: idle memory ${(await memoryMiB(name)).toFixed(1)} MiB (podman stats)`);

  const reply = await roundTrip(queueUrl, queue);
  const review = ReviewOutput.safeParse(reply.output);
  check(
    reply.success && review.success,
    "a request through Redis gets a typed review",
    JSON.stringify(reply),
  );
  const after = await (await fetch(`${health}/metrics`)).text();
  check(/^wink_prompt_executions_total 1$/m.test(after), "/metrics counts the evaluation");
  await stopWorker(name, label);
}

/**
 * What the sandboxed command prints: a marker, then whether it reaches Redis on 127.0.0.1:6379,
 * which the container itself reaches (host network) and a sandboxed command must not.
 */
function sandboxCommand(marker: string): string {
  const probe = `require("net").connect(6379,"127.0.0.1").on("connect",()=>{console.log("NET-OPEN");process.exit(0)}).on("error",(e)=>{console.log("NET-CLOSED",e.code);process.exit(0)})`;
  return `echo ${marker} uid=$(id -u); node -e '${probe}'`;
}

/** One Claude Code run in the default image with `settings`: the Bash tool's result and the probe's line. */
async function sandboxRun(settings: readonly string[], label: string) {
  const marker = `SANDBOXED-${id}-${label}`;
  await using model = await ScriptedModelServer.start({
    script: [
      turn.toolCalls([{ id: "toolu_sandbox", name: "Bash", arguments: { command: sandboxCommand(marker) } }]),
      turn.text("done"),
    ],
  });
  const run = await podman(
    [
      "run",
      "--rm",
      `--name=${prefix}-sandbox-${label}`,
      ...HARDENED,
      ...settings,
      `--volume=${join(ROOT, "scripts", "image-check-sandbox.mjs")}:/app/image-check-sandbox.mjs:ro`,
      "--env=ANTHROPIC_API_KEY=sk-ant-image-check-0123456789",
      `--env=ANTHROPIC_BASE_URL=${model.anthropicBaseUrl}`,
      image,
      "node",
      "image-check-sandbox.mjs",
    ],
    true,
  );
  const line = run.stdout.split("\n").find((l) => l.startsWith("{")) ?? "{}";
  const probe = JSON.parse(line) as { ok?: boolean; error?: string };
  const output = model.requests
    .flatMap((r) => (r.body as { messages?: { content?: unknown }[] }).messages ?? [])
    .flatMap((m) => (Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : []))
    .filter((b) => b.type === "tool_result" && b.tool_use_id === "toolu_sandbox")
    .map((b) => (typeof b.content === "string" ? b.content : JSON.stringify(b.content)))
    .join("\n");
  return { marker, output, probe, stderr: run.stderr };
}

/**
 * The profile without its bubblewrap rule: the runtime default it extends (namespace and mount
 * calls only with CAP_SYS_ADMIN, as in Docker's and containerd's default).
 */
function baselineProfile(): string {
  const shipped = JSON.parse(readFileSync(profile, "utf8")) as { syscalls: { comment?: string }[] };
  const syscalls = shipped.syscalls.filter((rule) => !rule.comment?.startsWith("bubblewrap"));
  if (syscalls.length !== shipped.syscalls.length - 1) {
    throw new Error(
      `image-check: ${profile} should have exactly one rule whose comment starts with "bubblewrap".`,
    );
  }
  const file = join(scratch, "baseline-seccomp.json");
  writeFileSync(file, JSON.stringify({ ...shipped, syscalls }));
  return file;
}

/** Claude Code's sandbox in the default image: works with the shipped settings, fails without. */
async function checkSandbox(): Promise<void> {
  console.log("Claude Code's sandbox (default image):");
  const seccomp = `--security-opt=seccomp=${profile}`;
  const unmask = "--security-opt=unmask=/proc/*";
  const started = performance.now();
  const shipped = await sandboxRun([seccomp, unmask], "shipped");
  figures.push(`sandboxed Bash round trip in the container: ${seconds(performance.now() - started)}`);
  check(
    shipped.probe.ok === true && shipped.output.includes(`${shipped.marker} uid=1000`),
    "with the shipped seccomp profile and /proc unmasked, a sandboxed Bash command runs",
    `${JSON.stringify(shipped.probe)}\n${shipped.output}\n${shipped.stderr}`,
  );
  check(shipped.output.includes("NET-CLOSED"), "  …and has no network", shipped.output);
  const failures = [
    { settings: [seccomp], label: "masked-proc", why: "with /proc masked (the default)" },
    {
      settings: [`--security-opt=seccomp=${baselineProfile()}`, unmask],
      label: "default-seccomp",
      why: "under the default seccomp profile",
    },
  ];
  for (const { settings, label, why } of failures) {
    const run = await sandboxRun(settings, label);
    const said = run.output || run.probe.error || run.stderr;
    check(!run.output.includes(run.marker), `${why}, the sandboxed command does not run`, said);
    console.log(`      (${said.replace(/\s+/g, " ").slice(0, 160)})`);
  }
}

/** The slim image: smaller, no Claude Code, and a worker that says so when asked for it. */
async function checkSlim(): Promise<void> {
  console.log("slim image:");
  const size = async (ref: string) =>
    Number((await podman(["image", "inspect", "--format={{.Size}}", ref])).stdout);
  const [full, small] = [await size(image), await size(slim)];
  figures.push(`image sizes: default ${(full / 1e6).toFixed(0)} MB, slim ${(small / 1e6).toFixed(0)} MB`);
  const binary = await podman(
    ["run", "--rm", ...HARDENED, slim, "sh", "-c", "ls node_modules/@anthropic-ai; command -v bwrap || true"],
    true,
  );
  check(
    !binary.stdout.includes("claude-agent-sdk") && !binary.stdout.includes("bwrap"),
    "the slim image has neither Claude Code nor bubblewrap",
    binary.stdout,
  );
  const refused = await podman(
    [
      "run",
      "--rm",
      ...HARDENED,
      "--env=WINK_MAILBOX=memory://reviews",
      "--env=AGENT_ADAPTER=claude-agent-sdk",
      "--env=ANTHROPIC_API_KEY=sk-ant-image-check-0123456789",
      slim,
    ],
    true,
  );
  check(
    refused.code === 1 &&
      refused.stderr.includes("worker.config_invalid") &&
      refused.stderr.includes("AGENT_ADAPTER"),
    "the slim worker refuses AGENT_ADAPTER=claude-agent-sdk, naming the variable",
    refused.stderr,
  );
}

try {
  await checkWorker(image, "default");
  await checkSandbox();
  await checkWorker(slim, "slim");
  await checkSlim();
  console.log(["figures:", ...figures.map((f) => `  ${f}`)].join("\n"));
} finally {
  const { stdout } = await podman(["ps", "--all", "--quiet", `--filter=name=${prefix}`], true);
  const left = stdout.split("\n").filter(Boolean);
  if (left.length > 0) await podman(["rm", "--force", ...left], true);
  rmSync(scratch, { recursive: true, force: true });
}
