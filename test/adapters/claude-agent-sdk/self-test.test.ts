/**
 * The sandbox self-test runs the real bubblewrap the way Claude Code's sandbox does: it passes on
 * a machine where namespaces work, and reports why when bubblewrap cannot run. A worker with
 * AGENT_ADAPTER=claude-agent-sdk refuses to start when the test fails.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { sandboxSelfTest } from "../../../src/adapters/claude-agent-sdk/index.js";
import { describeRequiring, systemPackages } from "../../support/system-package.js";

const dir = mkdtempSync(join(tmpdir(), "wink-self-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeRequiring([systemPackages({ bubblewrap: "bwrap" })], "sandboxSelfTest", () => {
  it("passes where bubblewrap can create the sandbox's namespaces", async () => {
    expect(await sandboxSelfTest()).toEqual({ ok: true });
  });
});

it("names the executable and what it said when bubblewrap fails, or cannot start", async () => {
  // A stand-in that fails the way bwrap does in a container with /proc masked.
  const fake = join(dir, "bwrap");
  writeFileSync(
    fake,
    "#!/bin/sh\necho 'bwrap: Can'\"'\"'t mount proc on /newroot/proc: Operation not permitted' >&2\nexit 1\n",
  );
  chmodSync(fake, 0o755);
  expect(await sandboxSelfTest({ bwrap: fake })).toEqual({
    ok: false,
    reason: `${fake} exited with code 1: bwrap: Can't mount proc on /newroot/proc: Operation not permitted`,
  });
  const missing = await sandboxSelfTest({ bwrap: join(dir, "no-such-bwrap") });
  expect(missing.ok).toBe(false);
  expect(missing.ok ? "" : missing.reason).toMatch(
    /no-such-bwrap could not be started \(.*ENOENT.*\); install bubblewrap/,
  );
});
