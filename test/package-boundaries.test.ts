/**
 * Module boundaries the package promises: the folders of src/ form one stack (no import from a
 * lower layer to a higher one, no cycle between folders), the root entry loads no provider SDK
 * (they are optional peers, loaded only by their adapter's subpath), runtime code never imports
 * the test kit, and only config/ reads the environment.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");
const IMPORT = /(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)]
    .map((m) => m[1] ?? m[2] ?? "")
    .filter((s) => !/^import type|^export type/.test(s));
}

/** Every bare package a module reaches through value imports (type-only imports are erased). */
function reachablePackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(IMPORT)) {
      if (/^(import|export)\s+type\s/.test(match[0])) continue;
      const spec = match[1] ?? match[2] ?? "";
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(entry);
  return packages;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("package boundaries", () => {
  it("the root entry reaches no provider SDK", () => {
    const packages = [...reachablePackages(join(SRC, "index.ts"))];
    expect(packages.filter((p) => /^(openai|@anthropic-ai\/|ioredis|@aws-sdk\/)/.test(p))).toEqual([]);
    expect(packages).toContain("zod");
  });

  it("each adapter subpath loads only its own SDK", () => {
    const openai = [...reachablePackages(join(SRC, "adapters/openai/index.ts"))];
    expect(openai).toContain("openai");
    expect(openai.some((p) => p.startsWith("@anthropic-ai/"))).toBe(false);
    const anthropic = [...reachablePackages(join(SRC, "adapters/anthropic/index.ts"))];
    expect(anthropic).toContain("@anthropic-ai/sdk");
    expect(anthropic).not.toContain("openai");
    expect(anthropic).not.toContain("@anthropic-ai/claude-agent-sdk");
    expect([...reachablePackages(join(SRC, "adapters/claude-agent-sdk/index.ts"))]).toContain(
      "@anthropic-ai/claude-agent-sdk",
    );
  });

  it("the runtime entry reaches no queue client; each durable mailbox loads only its own", () => {
    const runtime = [...reachablePackages(join(SRC, "runtime/index.ts"))];
    expect(runtime.filter((p) => /^(ioredis|@aws-sdk\/|openai|@anthropic-ai\/)/.test(p))).toEqual([]);
    expect([...reachablePackages(join(SRC, "contrib/mailbox/redis/index.ts"))]).toContain("ioredis");
    expect([...reachablePackages(join(SRC, "contrib/mailbox/sqs/index.ts"))]).toContain(
      "@aws-sdk/client-sqs",
    );
  });

  it("nothing outside src/testing imports the test kit", () => {
    const offenders = sourceFiles(SRC)
      .filter((f) => !relative(SRC, f).startsWith("testing/"))
      .filter((f) =>
        importsOf(f).some((spec) => spec.includes("/testing/") || spec.endsWith("/testing/index.js")),
      )
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});

/**
 * Where code may read `process.env`. The worker's settings are read once, by `config/`; the rest
 * are library defaults that must work without any configuration object.
 */
const ENVIRONMENT_READERS: Readonly<Record<string, string>> = {
  "src/logging/config.ts": "logging configures itself from its variables when never configured",
  "src/adapters/anthropic/adapter.ts":
    "an adapter built without `env` selects its backend as Claude Code does",
  "src/adapters/anthropic/backend.ts": "the backend helpers' default `env`",
  "src/adapters/claude-agent-sdk/adapter.ts":
    "Claude Code's process inherits the host's environment, filtered",
};

/** Source text without comments, so doc examples that mention `process.env` do not count. */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

describe("configuration", () => {
  const ROOT = join(SRC, "..");
  const scripts = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((name) => /\.(ts|mts|mjs|js)$/.test(name))
      .map((name) => join(dir, name));

  it("reads the environment only in src/config/ (and the library defaults listed here)", () => {
    const readers = [
      ...sourceFiles(SRC),
      ...scripts(join(ROOT, "examples")),
      ...scripts(join(ROOT, "deploy")),
    ]
      .filter((file) => /\bprocess\.env\b/.test(code(file)))
      .map((file) => relative(ROOT, file))
      .filter((file) => !file.startsWith("src/config/"));
    expect(readers.sort()).toEqual(Object.keys(ENVIRONMENT_READERS).sort());
  });

  it("keeps deploy/ free of imports from examples/ (the image serves an agent module by path)", () => {
    const offenders = scripts(join(ROOT, "deploy")).filter((file) =>
      /from\s+["'][^"']*examples\//.test(code(file)),
    );
    expect(offenders).toEqual([]);
  });
});

/**
 * The layers of src/, from the ground up: a module imports (values or types) only from its own
 * layer or those below. Units of one layer may import each other, but never in a cycle.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["errors.ts", "secrets"],
  ["clock.ts", "ids.ts", "schema.ts", "data-type.ts"],
  ["deadline.ts", "budget.ts", "run-context.ts", "experiment.ts"],
  ["logging"],
  // Spans through the optional OpenTelemetry peer, for adapters and the runtime to start.
  ["telemetry"],
  ["resources"],
  ["filesystem"],
  ["events"],
  ["session"],
  ["prompt"],
  // Sections and tools built on prompts: the Claude adapter runs Claude Code in the workspace.
  ["workspace", "skills"],
  ["adapters"],
  // MainLoop writes a debug bundle per request, so the bundle writer sits below the runtime.
  ["debug"],
  ["runtime"],
  // Datasets, evaluators and EvalLoop, which runs agents through runtime's MainLoop.
  ["evals"],
  ["config"],
  ["contrib"],
  ["worker"],
  ["testing"],
  ["cli"],
];

/** The top-level unit of src/ a path belongs to (`session`, `clock.ts`…); `.js` specifiers map to `.ts`. */
function unitOf(path: string): string {
  return (relative(SRC, path).split(/[\\/]/)[0] ?? "").replace(/\.js$/, ".ts");
}

/** Every import between units of src/ (type-only included), as `from -> to` with one example file. */
function unitImports(): Map<string, string> {
  const edges = new Map<string, string>();
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    if (from === "index.ts") continue; // the root entry re-exports from everywhere
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? "";
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC)) continue; // package.json
      const to = unitOf(target);
      if (to !== from && !edges.has(`${from} -> ${to}`)) edges.set(`${from} -> ${to}`, relative(SRC, file));
    }
  }
  return edges;
}

describe("the layer stack", () => {
  const layerOf = (unit: string): number => LAYERS.findIndex((layer) => layer.includes(unit));
  const edges = unitImports();

  it("places every folder and top-level module of src/ in a layer", () => {
    const units = new Set(readdirSync(SRC).filter((name) => name !== "index.ts" && !name.endsWith(".d.ts")));
    expect([...units].filter((unit) => layerOf(unit) === -1)).toEqual([]);
  });

  it("has no import from a lower layer to a higher one", () => {
    const upward = [...edges]
      .filter(([edge]) => {
        const [from = "", to = ""] = edge.split(" -> ");
        return layerOf(to) > layerOf(from);
      })
      .map(([edge, file]) => `${edge} (${file})`);
    expect(upward).toEqual([]);
  });

  it("has no import cycle between folders", () => {
    const next = new Map<string, string[]>();
    for (const edge of edges.keys()) {
      const [from = "", to = ""] = edge.split(" -> ");
      next.set(from, [...(next.get(from) ?? []), to]);
    }
    const cycles: string[] = [];
    const visit = (unit: string, path: readonly string[]): void => {
      for (const to of next.get(unit) ?? []) {
        if (to === path[0]) cycles.push([...path, to].join(" -> "));
        else if (!path.includes(to) && to > (path[0] ?? "")) visit(to, [...path, to]);
      }
    };
    for (const unit of next.keys()) visit(unit, [unit]);
    expect(cycles).toEqual([]);
  });
});
