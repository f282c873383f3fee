/**
 * Without `@opentelemetry/api` installed, WINK's telemetry is a no-op: nothing throws, no span
 * starts, and a provider the application registered through its own means is never called.
 * Runs in a child process where requiring the package fails (fixtures/hide-otel.mjs); the same
 * script without that preload is the control.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const FIXTURES = join(import.meta.dirname, "fixtures");

async function runFixture(preload: readonly string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", ...preload, join(FIXTURES, "without-api.ts")],
    { cwd: join(import.meta.dirname, "..", ".."), timeout: 60_000 },
  );
  return JSON.parse(stdout.trim());
}

describe("without @opentelemetry/api", () => {
  it("starts no span and reports tracing disabled", async () => {
    expect(await runFixture(["--import", join(FIXTURES, "hide-otel.mjs")])).toEqual({
      registered: true,
      enabled: false,
      span: "undefined",
      providerCalls: 0,
      ran: "ran",
    });
  });

  it("(control: with it installed, the same script starts a span)", async () => {
    expect(await runFixture([])).toMatchObject({ enabled: true, span: "started", providerCalls: 1 });
  });
});
