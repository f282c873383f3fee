/**
 * The package as a user installs it: `npm pack` (the prepack build), installed into a new app
 * outside the checkout, then imported and run in a separate `node`. Tests of `src/` cannot see
 * what the bundler does to the code (it once renamed `WinkError` to `_WinkError`, which then
 * reached metric labels and dead-letter records), nor what the published declarations say.
 */
import { execFile } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPackedPackage, type PackedApp, REPO } from "./pack.js";

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, "fixtures");

interface ConsumerReport {
  version: string;
  loaded: string[];
  loadFailures: { specifier: string; error: string }[];
  classCount: number;
  classNameMismatches: { specifier: string; exported: string; actual: string }[];
  errorNames: Record<string, { name: string; typeName: string }>;
  errorsNotConstructed: string[];
  named: { wrappedName: string; wrappedTypeName: string; sessionConstructor: string };
  evaluations: Record<string, { output: unknown; requests: number }>;
}

const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  version: string;
  exports: Record<string, unknown>;
};

let app: PackedApp;
let report: ConsumerReport;

beforeAll(async () => {
  app = await installPackedPackage();
  copyFileSync(join(FIXTURES, "consumer.mjs"), join(app.dir, "consumer.mjs"));
  const { stdout } = await run(process.execPath, ["consumer.mjs"], { cwd: app.dir, env: app.env });
  report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as ConsumerReport;
  console.log(
    `packed package: npm pack ${(app.timings.packMs / 1000).toFixed(1)} s, npm install ${(app.timings.installMs / 1000).toFixed(1)} s`,
  );
  // The build takes about a minute on two busy cores; more under a CPU hog.
}, 600_000);

afterAll(() => {
  app?.remove();
});

/** Every file under `dir` whose name ends with `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}

describe("the packed package, installed into a new app", () => {
  it("loads every subpath listed in package.json exports", () => {
    expect(report.loadFailures).toEqual([]);
    const expected = Object.keys(pkg.exports)
      .filter((key) => key !== "./package.json")
      .map((key) => `weakincentives${key.slice(1)}`);
    expect(report.loaded.sort()).toEqual(expected.sort());
  });

  it("keeps every exported class's name as in the source", () => {
    expect(report.classNameMismatches).toEqual([]);
    expect(report.classCount).toBeGreaterThan(50);
  });

  it("gives every exported error class instance its source name, in .name and errorTypeName", () => {
    const wrong = Object.entries(report.errorNames).filter(
      ([exported, seen]) => seen.name !== exported || seen.typeName !== exported,
    );
    expect(wrong).toEqual([]);
    expect(report.errorsNotConstructed).toEqual([]);
    expect(Object.keys(report.errorNames)).toEqual(
      expect.arrayContaining([
        "WinkError",
        "DeadlineExceededError",
        "PromptEvaluationError",
        "MailboxSerializationError",
      ]),
    );
  });

  it("names WinkError.wrap results WinkError and Session instances Session", () => {
    expect(report.named).toEqual({
      wrappedName: "WinkError",
      wrappedTypeName: "WinkError",
      sessionConstructor: "Session",
    });
  });

  it("runs an evaluation with a tool call through the OpenAI SDK and the scripted model server", () => {
    expect(report.evaluations.openai).toEqual({ output: { answer: "entity 42" }, requests: 2 });
  });

  it("runs an InProcessModel evaluation whose function turn has no toolCalls", () => {
    expect(report.evaluations.inProcess).toEqual({ output: { answer: "entity 7" }, requests: 2 });
  });

  it("runs the wink bin, which prints the package version", async () => {
    const bin = join(app.dir, "node_modules", ".bin", "wink");
    const { stdout } = await run(bin, ["--version"], { cwd: app.dir, env: app.env });
    expect(stdout.trim()).toBe(pkg.version);
    expect(report.version).toBe(pkg.version);
  }, 60_000);

  it("publishes declarations whose weakincentives imports (examples included) are all real exports", () => {
    const root = join(app.dir, "node_modules", "weakincentives");
    const exported = new Set(Object.keys(pkg.exports).map((key) => `weakincentives${key.slice(1)}`));
    const unknown: string[] = [];
    for (const file of filesUnder(join(root, "dist"), ".d.ts")) {
      for (const match of readFileSync(file, "utf8").matchAll(/["'](weakincentives(?:\/[\w./-]*)?)["']/g)) {
        const specifier = match[1] ?? "";
        if (!exported.has(specifier)) unknown.push(`${relative(root, file)}: ${specifier}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it("type-checks a user's module against the published declarations", async () => {
    copyFileSync(join(FIXTURES, "consumer-types.ts"), join(app.dir, "consumer-types.ts"));
    writeFileSync(
      join(app.dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        files: ["consumer-types.ts"],
      }),
    );
    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.json"], {
      cwd: app.dir,
      env: app.env,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error), failed: true }));
    expect(result.stdout).toBe("");
  }, 120_000);
});
