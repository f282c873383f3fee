/**
 * Module boundaries the package promises: the root entry loads no provider SDK (they are
 * optional peers, loaded only by their adapter's subpath), and runtime code never imports the
 * test kit.
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
  "src/runtime/logging/config.ts": "logging configures itself from its variables when never configured",
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
