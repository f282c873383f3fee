import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "src", "cli", "bin.ts");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

function wink(...args: string[]): string {
  return execFileSync(process.execPath, ["--conditions=wink-source", "--import", "tsx", BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

describe("wink", () => {
  it("prints the package version", () => {
    expect(wink("--version").trim()).toBe(pkg.version);
  });

  it("prints help naming the command", () => {
    expect(wink("--help")).toMatch(/Usage: wink/);
  });

  it("fails with a clear message on an unknown command", () => {
    expect(() => wink("frobnicate")).toThrow(/unknown command|too many arguments/);
  });
});

describe("wink submit", () => {
  it("rejects a payload that is not JSON, saying what to pass", () => {
    expect(() => wink("submit", "--mailbox", "redis://127.0.0.1:6379/0?queue=x", "{not json")).toThrow(
      /The request payload is not JSON/,
    );
  });

  it("rejects a bad timeout, naming it", () => {
    expect(() =>
      wink("submit", "--mailbox", "redis://127.0.0.1:6379/0?queue=x", "--timeout", "soon", "{}"),
    ).toThrow(/--timeout must be a number of seconds > 0, got "soon"/);
  });

  it("refuses an in-memory mailbox, which no worker can read from", () => {
    expect(() => wink("submit", "--mailbox", "memory://q", '{"a":1}')).toThrow(
      /in-memory queue of this process only/,
    );
  });

  it("names an unreadable payload file", () => {
    expect(() =>
      wink("submit", "--mailbox", "redis://127.0.0.1:6379/0?queue=x", "@/no/such/file.json"),
    ).toThrow(/Cannot read the request payload file "\/no\/such\/file.json" \(ENOENT\)/);
  });
});
