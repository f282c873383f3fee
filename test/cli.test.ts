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

describe("wink submit --reply-to", () => {
  // Port 1 has no Redis: a command that got as far as connecting would fail differently.
  const mailbox = "redis://127.0.0.1:1/0?queue=reviews";

  it("refuses a memory:// reply queue, naming both URLs and the fix, before connecting", () => {
    expect(() => wink("submit", "--mailbox", mailbox, "--reply-to", "memory://r", "{}")).toThrow(
      /--reply-to memory:\/\/r cannot receive results from the worker on --mailbox redis:\/\/127\.0\.0\.1:1\/0\?queue=reviews: a memory:\/\/ queue lives only inside this process.*Use a queue on the same Redis server as --mailbox/,
    );
  });

  it("refuses a reply queue on another backend", () => {
    expect(() =>
      wink("submit", "--mailbox", mailbox, "--reply-to", "sqs://127.0.0.1:1/000000000000/r", "{}"),
    ).toThrow(/the worker replies through its own redis connection, not sqs/);
  });

  it("refuses a Redis reply queue on another server or database, naming where the result would go", () => {
    expect(() =>
      wink("submit", "--mailbox", mailbox, "--reply-to", "redis://other-host:1/0?queue=r", "{}"),
    ).toThrow(
      /on redis:\/\/127\.0\.0\.1:1\/0, not on redis:\/\/other-host:1\/0.*same host, port and database/,
    );
    expect(() =>
      wink("submit", "--mailbox", mailbox, "--reply-to", "redis://127.0.0.1:1/3?queue=r", "{}"),
    ).toThrow(/not on redis:\/\/127\.0\.0\.1:1\/3/);
  });

  it("refuses an SQS reply queue in another account", () => {
    expect(() =>
      wink(
        "submit",
        "--mailbox",
        "sqs://127.0.0.1:1/000000000000/reviews",
        "--reply-to",
        "sqs://127.0.0.1:1/111111111111/r",
        "{}",
      ),
    ).toThrow(/same endpoint, region and account/);
  });

  it("refuses the requests queue itself as the reply queue", () => {
    expect(() => wink("submit", "--mailbox", mailbox, "--reply-to", mailbox, "{}")).toThrow(
      /it is the requests queue itself/,
    );
  });

  it("never prints a password from either URL", () => {
    let message = "";
    try {
      wink("submit", "--mailbox", "redis://:s3cret@127.0.0.1:1/0?queue=q", "--reply-to", "memory://r", "{}");
    } catch (error) {
      // Only what wink wrote: the thrown error also quotes the command line the test typed.
      message = String((error as { stderr?: unknown }).stderr);
    }
    expect(message).toMatch(/cannot receive results/);
    expect(message).not.toContain("s3cret");
  });
});
