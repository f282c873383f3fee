/**
 * Bundle retention (count, age, total bytes; oldest first, applied after each write), abandoned
 * half-written bundles, and the storage hook that runs once a bundle is complete.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/clock.js";
import {
  type BundleConfig,
  type BundleManifest,
  listBundles,
  pruneBundles,
  resolveBundleConfig,
  writeBundle,
} from "../../src/debug/index.js";

let dir: string;
let clock: FakeClock;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wink-retention-"));
  clock = new FakeClock();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Write `count` bundles one minute apart, `run-0` oldest; `config` applies to every write. */
async function writeMany(count: number, config: Partial<BundleConfig> = {}, payload = "x"): Promise<void> {
  for (let i = 0; i < count; i++) {
    await writeBundle(
      { target: dir, ...config },
      { requestId: `r-${i}`, runId: `run-${i}`, attempt: 1, input: { payload }, output: {}, clock },
    );
    clock.advance(60_000);
  }
}

const ids = async (): Promise<string[]> => (await listBundles(dir)).map((b) => b.bundleId);

describe("bundle retention", () => {
  it("keeps the newest maxBundles bundles, applied after every write", async () => {
    await writeMany(10, { retention: { maxBundles: 3 } });
    expect(await ids()).toEqual(["run-9", "run-8", "run-7"]);
    expect((await readdir(dir)).sort()).toEqual(["run-7", "run-8", "run-9"]);
  });

  it("deletes bundles older than maxAgeSeconds", async () => {
    await writeMany(10);
    // The newest is 9 minutes after the oldest; now is one minute after the newest.
    const { removed, kept } = await pruneBundles(dir, { maxAgeSeconds: 150 }, { clock });
    expect(kept.map((b) => b.bundleId)).toEqual(["run-9", "run-8"]);
    expect(removed).toHaveLength(8);
  });

  it("keeps the newest bundles within maxTotalBytes", async () => {
    await writeMany(10, {}, "y".repeat(1000));
    const [newest] = await listBundles(dir);
    const size = newest?.bytes ?? 0;
    expect(size).toBeGreaterThan(1000);
    await pruneBundles(dir, { maxTotalBytes: size * 4 + 10 }, { clock });
    expect(await ids()).toEqual(["run-9", "run-8", "run-7", "run-6"]);
  });

  it("never deletes the bundle just written, and leaves other files alone", async () => {
    await mkdir(join(dir, "not-a-bundle"));
    await writeMany(3);
    const { kept } = await pruneBundles(dir, { maxBundles: 1 }, { clock, keep: join(dir, "run-0") });
    expect(kept.map((b) => b.bundleId)).toEqual(["run-2", "run-0"]);
    expect(existsSync(join(dir, "not-a-bundle"))).toBe(true);
  });

  it("removes half-written bundles a crash left more than an hour ago", async () => {
    const stale = join(dir, ".tmp-run-x-1");
    const fresh = join(dir, ".tmp-run-y-2");
    await mkdir(stale);
    await mkdir(fresh);
    const twoHoursAgo = new Date(Date.parse("2020-01-01T00:00:00Z"));
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await pruneBundles(dir, {}, { clock: new FakeClock({ start: new Date("2020-01-01T02:00:00Z") }) });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it("rejects an invalid policy, naming the field", () => {
    expect(() => resolveBundleConfig({ target: dir, retention: { maxBundles: 0 } })).toThrow(/maxBundles/);
  });
});

describe("the storage hook", () => {
  it("runs once the bundle is complete, with its manifest", async () => {
    const seen: { path: string; manifest: BundleManifest; complete: boolean }[] = [];
    const path = await writeBundle(
      {
        target: dir,
        onWritten: async (written, manifest) => {
          seen.push({ path: written, manifest, complete: existsSync(join(written, "manifest.json")) });
        },
      },
      { requestId: "r", runId: "run-hook", attempt: 1, input: {}, output: {}, clock },
    );
    expect(seen).toEqual([
      { path, manifest: expect.objectContaining({ bundleId: "run-hook" }), complete: true },
    ]);
  });

  it("logs a failing hook and keeps the bundle", async () => {
    const path = await writeBundle(
      {
        target: dir,
        onWritten: () => {
          throw new Error("S3 is down");
        },
      },
      { requestId: "r", runId: "run-fail", attempt: 1, input: {}, output: {}, clock },
    );
    expect(existsSync(join(path, "manifest.json"))).toBe(true);
  });
});
