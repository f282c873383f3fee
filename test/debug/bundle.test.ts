import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/clock.js";
import { DebugBundle, resolveBundleConfig, writeBundle } from "../../src/debug/index.js";
import { WinkError } from "../../src/errors.js";
import { InMemoryFilesystem } from "../../src/filesystem/index.js";
import { Session } from "../../src/session/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wink-bundle-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { requestId: "req-1", runId: "run-1", attempt: 1 };

describe("BundleConfig", () => {
  it("applies defaults and rejects bad values with clear errors", () => {
    expect(resolveBundleConfig({ target: "/b" })).toEqual({
      target: "/b",
      captureFilesystem: true,
      maxFileSize: 10_000_000,
      maxTotalSize: 50 * 1024 * 1024,
    });
    expect(() => resolveBundleConfig({ target: " " })).toThrow(/target must be a non-empty/);
    expect(() => resolveBundleConfig({ target: "/b", maxFileSize: -1 })).toThrow(WinkError);
    expect(() => resolveBundleConfig({ target: "/b", maxTotalSize: 1.5 })).toThrow(/maxTotalSize/);
  });
});

describe("writeBundle", () => {
  it("writes the expected files with checksums, atomically, and loads them back", async () => {
    const clock = new FakeClock();
    const session = new Session({ clock });
    const path = await writeBundle(
      { target: dir },
      { ...base, input: { request: { question: "q" } }, output: { answer: "a" }, session, clock },
    );
    expect(path).toBe(join(dir, "run-1"));
    const bundle = await DebugBundle.load(path);
    expect(bundle.manifest).toMatchObject({
      bundleId: "run-1",
      requestId: "req-1",
      runId: "run-1",
      attempt: 1,
      status: "success",
      createdAt: clock.now().toISOString(),
      sessionId: session.sessionId,
      skipped: [],
    });
    expect(bundle.manifest.files.map((f) => f.path)).toEqual([
      "README.md",
      "environment.json",
      "request/input.json",
      "request/output.json",
      "session/after.jsonl",
    ]);
    expect(await bundle.readFile("README.md")).toContain("| `request/error.json` |");
    const environment = JSON.parse((await bundle.readFile("environment.json")) ?? "{}");
    expect(environment).toMatchObject({ package: { name: "weakincentives" }, node: process.version });
    expect(JSON.stringify(environment)).not.toMatch(/PATH|HOME=/);
    for (const file of bundle.manifest.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bundle.input).toEqual({ request: { question: "q" } });
    expect(bundle.output).toEqual({ answer: "a" });
    expect(bundle.error).toBeUndefined();
    expect(bundle.sessionLines).toHaveLength(1);
    expect(JSON.parse(bundle.sessionLines[0] ?? "")).toBeTypeOf("object");
    await expect(bundle.verifyIntegrity()).resolves.toBe(true);
  });

  it("keeps dotfiles with their dot and redacts secrets in input and file content", async () => {
    const filesystem = new InMemoryFilesystem({
      ".env": "API_KEY=Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0\nDEBUG=1\n",
      "src/main.ts": "export {};\n",
    });
    const path = await writeBundle(
      { target: dir },
      { ...base, input: { request: { apiKey: "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0" } }, output: null, filesystem },
    );
    const bundle = await DebugBundle.load(path);
    expect(bundle.manifest.files.map((f) => f.path)).toContain("filesystem/.env");
    expect(bundle.manifest.files.map((f) => f.path)).toContain("filesystem/src/main.ts");
    const env = await readFile(join(path, "filesystem/.env"), "utf8");
    expect(env).not.toContain("Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0");
    expect(env).toContain("[REDACTED]");
    expect(env).toContain("DEBUG=1");
    expect(await readFile(join(path, "request/input.json"), "utf8")).not.toContain(
      "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0",
    );
    expect(await bundle.readFile("filesystem/src/main.ts")).toBe("export {};\n");
  });

  it("skips files over maxFileSize and past maxTotalSize, listing them", async () => {
    const filesystem = new InMemoryFilesystem({
      "a.txt": "a".repeat(10),
      "b.bin": "b".repeat(500),
      "c.txt": "c".repeat(300),
      "d.txt": "d".repeat(10),
    });
    const path = await writeBundle(
      { target: dir, maxFileSize: 400, maxTotalSize: 300 },
      { ...base, input: {}, output: {}, filesystem },
    );
    const bundle = await DebugBundle.load(path);
    const paths = bundle.manifest.files.map((f) => f.path);
    expect(paths).toContain("filesystem/a.txt");
    expect(paths).toContain("filesystem/d.txt");
    expect(bundle.manifest.skipped).toEqual([
      { path: "filesystem/b.bin", bytes: 500, reason: "max_file_size" },
      { path: "filesystem/c.txt", bytes: 300, reason: "max_total_size" },
    ]);
  });

  it("captures no filesystem when captureFilesystem is false", async () => {
    const filesystem = new InMemoryFilesystem({ "a.txt": "a" });
    const path = await writeBundle(
      { target: dir, captureFilesystem: false },
      { ...base, input: {}, error: { type: "Error", message: "boom" }, filesystem },
    );
    const bundle = await DebugBundle.load(path);
    expect(bundle.manifest.status).toBe("error");
    expect(bundle.error).toEqual({ type: "Error", message: "boom" });
    expect(bundle.manifest.files.map((f) => f.path)).toEqual([
      "README.md",
      "environment.json",
      "request/input.json",
      "request/error.json",
    ]);
  });

  it("verifyIntegrity turns false after a file is tampered with or removed", async () => {
    const path = await writeBundle({ target: dir }, { ...base, input: { q: 1 }, output: { a: 2 } });
    const bundle = await DebugBundle.load(path);
    await expect(bundle.verifyIntegrity()).resolves.toBe(true);
    await writeFile(join(path, "request/input.json"), '{"q": 2}\n');
    await expect(bundle.verifyIntegrity()).resolves.toBe(false);
    await rm(join(path, "request/input.json"));
    await expect(bundle.verifyIntegrity()).resolves.toBe(false);
  });

  it("fails when the target is a file, leaving nothing behind", async () => {
    const file = join(dir, "not-a-dir");
    await writeFile(file, "x");
    await expect(writeBundle({ target: file }, { ...base, input: {}, output: {} })).rejects.toThrow();
  });

  it("load rejects a directory without a manifest", async () => {
    await expect(DebugBundle.load(dir)).rejects.toThrow(/not a debug bundle/);
  });
});
